"""Search over clients: the document each client is found by, and the searches that read it.

A client's `search_document` holds the folded text of its names, emails, tax ids and
phones (see carte.core.search for how it is matched). Phones are stored in every form
someone may type a fragment of: the digits as entered, the international digits with a
"00" prefix ("+33 6 12…" → "0033612…") and the national digits ("06 12…"), so "+33 6 12",
"0612" and "612 34" all find "06 12 34 56 78".

Services call `refresh()` after changing anything the document contains; reads go
through `find_clients()` (the global search) and `matching()` (the list's filter).
"""

from collections.abc import Iterable

import phonenumbers
from django.conf import settings
from django.db import connections
from django.db.models import QuerySet

from carte.clients.models import Client
from carte.core import policy
from carte.core import search as engine
from carte.core.phones import digits_of

FIELD = "search_document"
BATCH = 1000
MAX_RESULTS = 50


def phone_forms(number: str, e164: str) -> list[str]:
    """The digit strings a phone is found by: as typed, "00" + international, national."""
    forms = [digits_of(number)]
    if e164:
        forms += ["00" + digits_of(e164), national_digits(e164)]
    return list(dict.fromkeys(form for form in forms if form))


def national_digits(e164: str) -> str:
    """The digits of a number as dialled inside its country: "+33612345678" → "0612345678".

    A number of the installation's country is read directly (a bulk load has hundreds of
    thousands); others through phonenumbers' national format.
    """
    home = phonenumbers.country_code_for_region(settings.PHONE_REGION)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(settings.PHONE_REGION)
    if home and metadata is not None and e164.startswith(f"+{home}"):
        return (metadata.national_prefix or "") + e164[len(str(home)) + 1 :]
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return ""
    return digits_of(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL))


def document_of(client) -> str:
    """The folded text a client is found by; reads its phones, emails and tax ids (prefetch them for many).

    Works on the historical model of a migration too: it only reads fields and relations.
    """
    return document_from(
        client,
        emails=[email.address for email in client.emails.all()],
        tax_ids=[tax_id.normalized for tax_id in client.tax_ids.all()],
        phone_forms=[form for phone in client.phones.all() for form in phone_forms(phone.number, phone.e164)],
    )


def document_from(client, *, emails: list[str], tax_ids: list[str], phone_forms: list[str]) -> str:
    """The document of a client whose lists are given (normalized tax ids, phones in every form): for bulk loads."""
    name_words = set(engine.fold(client.name, None).split())
    person = [
        part
        for part in (client.first_name, client.middle_name, client.last_name)
        if part and not set(engine.fold(part, None).split()) <= name_words
    ]
    return engine.document(client.name, [client.legal_name], [" ".join(person)], emails, tax_ids, phone_forms)


def write_documents(clients: QuerySet) -> dict[int, str]:
    """Recompute the documents of these clients, a thousand at a time, and store those that changed.

    Four queries per thousand clients, and one more when some changed. Returns every
    client's document by id.
    """
    ids = list(clients.order_by("pk").values_list("pk", flat=True))
    manager = clients.model._default_manager.db_manager(clients.db)
    documents = {}
    for start in range(0, len(ids), BATCH):
        batch = manager.filter(pk__in=ids[start : start + BATCH]).prefetch_related("phones", "emails", "tax_ids")
        stale = []
        for client in batch:
            documents[client.pk] = document_of(client)
            if documents[client.pk] != client.search_document:
                client.search_document = documents[client.pk]
                stale.append(client)
        manager.bulk_update(stale, [FIELD], batch_size=500)
    return documents


def refresh(clients: Iterable[Client | int]) -> None:
    """Bring the documents of these clients (instances or ids) up to date after a change.

    For services (create, update, merge, import), inside their transaction, after the
    client is saved. Instances given get their new document too, so saving one of them
    again does not put the old one back.
    """
    given = [client for client in clients if client is not None]
    ids = {client.pk if isinstance(client, Client) else int(client) for client in given}
    ids.discard(None)
    if not ids:
        return
    documents = write_documents(Client.objects.filter(pk__in=ids))
    for client in given:
        if isinstance(client, Client) and client.pk in documents:
            client.search_document = documents[client.pk]


def indexed_together():
    """For bulk loads of clients (carte.clients.services.loading): see carte.core.search.indexed_together."""
    return engine.indexed_together(connections["default"], Client._meta.db_table, FIELD)


def matching(queryset: QuerySet, text: str | None) -> QuerySet:
    """Clients of `queryset` found by a search text; the queryset itself for an empty text.

    A text with nothing searchable in it (only punctuation) finds nothing; one of single
    letters ("j d") finds the names starting with it.
    """
    if not (text or "").strip():
        return queryset
    return engine.matching(queryset, FIELD, engine.read(text))


def by_relevance(clients: QuerySet, text: str) -> QuerySet:
    """Clients sorted best match first (as `ranked`), then by name: for a paged list of matches."""
    return clients.order_by(engine.rank(FIELD, engine.read(text)), "name", "id")


def ranked(clients: QuerySet, text: str | None, limit: int = 10) -> list[Client]:
    """The clients of `clients` that a search text finds, best first, at most `limit`.

    Best first: the name is the text, then names starting with it, then a word starting
    with it, then a fragment inside a word; then by name. At most two queries, whatever
    the number of clients (see carte.core.search.best_first).
    """
    limit = max(1, min(int(limit), MAX_RESULTS))
    return engine.best_first(clients, FIELD, engine.read(text), order=("name", "id"), limit=limit)


def find_clients(actor, text: str | None, limit: int = 10) -> list[Client]:
    """The clients this user may see that a search text finds, best first (see `ranked`), owner and status read."""
    return ranked(policy.visible(actor, Client.objects.select_related("owner", "status")), text, limit)


def restore_index(using: str = "default", **kwargs) -> None:
    """post_migrate: put the SQLite search index back if a migration rebuilt the clients table."""
    engine.restore_index(connections[using], Client._meta.db_table, FIELD)
