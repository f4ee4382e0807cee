"""Likely duplicates of a client being created or edited: same phone, email or tax id, or a very similar name.

Identifiers are compared normalized: a phone by its E.164 form (by its digits when it has
none), an email in lower case, a tax id as upper-case letters and digits. Names are
compared folded (no case, no accents), without legal forms ("ACME SARL" is "Acme") and
without punctuation. Only the clients the user may see are ever reported, and the whole
lookup costs a bounded number of indexed queries whatever the data size.
"""

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Q
from django.utils.translation import gettext as _

from carte.clients.models import Client, Email, Phone, TaxId
from carte.clients.queries.clients import visible_clients
from carte.clients.search import find_clients
from carte.clients.services.cleaning import normalized_tax_id
from carte.core.phones import digits_of, to_e164
from carte.core.search import fold

# Words naming a company's legal form, folded as `fold()` folds them (Cyrillic stays Cyrillic).
LEGAL_FORMS = frozenset(
    {
        # French
        "sa", "sarl", "sas", "sasu", "eurl", "sci", "snc", "scop", "selarl",
        # English
        "llc", "llp", "lp", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "plc", "co",
        # German, Dutch, Italian, Spanish
        "gmbh", "ag", "kg", "ug", "bv", "nv", "srl", "spa", "sl",
        # Russian
        "ооо", "зао", "оао", "пао", "ао", "ип", "нко", "ано",
    }
)  # fmt: skip
SIMILAR_NAME = 0.85
NAME_CANDIDATES = 20
WORD_SEARCH = 3  # a shorter word alone finds too many names to be worth a query
MIN_PHONE_DIGITS = 3
# Dots inside abbreviations go ("S.A.R.L." is "sarl"); any other punctuation separates words.
DOTS = re.compile(r"\.")
PUNCTUATION = re.compile(r"[^\w\s]+|_")


@dataclass(frozen=True)
class Reason:
    """Why a client looks like a duplicate: `kind` is phone, email, tax_id or name; `value` is what matched."""

    kind: str
    value: str

    def __str__(self) -> str:
        texts = {
            "phone": _("same phone %(value)s"),
            "email": _("same email %(value)s"),
            "tax_id": _("same tax id %(value)s"),
            "name": _("similar name %(value)s"),
        }
        return texts[self.kind] % {"value": self.value}


class Duplicate(NamedTuple):
    """A client that may be the same as the one being typed, with every reason found."""

    client: Client
    reasons: list[Reason]


def comparable_name(name: str | None) -> str:
    """A name as duplicates compare it: folded, without punctuation or legal forms.

    "ООО «Ромашка»" → "ромашка"; "ACME S.A.R.L." → "acme". A name made only of a legal
    form keeps it, so that "SARL" is still compared with something.
    """
    words = PUNCTUATION.sub(" ", DOTS.sub("", fold(name, None))).split()
    kept = [word for word in words if word not in LEGAL_FORMS]
    return " ".join(kept or words)


def similarity(first: str, second: str) -> float:
    """How alike two comparable names are, 0 to 1, whatever the order of their words."""
    if not first or not second:
        return 0.0
    as_typed = difflib.SequenceMatcher(None, first, second).ratio()
    reordered = difflib.SequenceMatcher(None, " ".join(sorted(first.split())), " ".join(sorted(second.split())))
    return max(as_typed, reordered.ratio())


def _excluded(exclude) -> set[int]:
    if exclude in (None, ""):
        return set()
    values = exclude if isinstance(exclude, Iterable) and not isinstance(exclude, str) else [exclude]
    return {int(value) for value in values if str(value).strip().isdigit()}


def _phone_matches(phones: Iterable[str], clients) -> list[tuple[int, str]]:
    """(client id, phone shown) for the stored phones equal to one given, by E.164 or else by digits."""
    e164s, digits = set(), set()
    for number in phones:
        if len(digits_of(number)) < MIN_PHONE_DIGITS:
            continue
        normalized = to_e164(number)
        if normalized:
            e164s.add(normalized)
        else:
            digits.add(digits_of(number))
    if not e164s and not digits:
        return []
    found = Q(e164__in=e164s) | Q(e164="", digits__in=digits)
    rows = Phone.objects.filter(found, client__in=clients).values_list("client_id", "e164", "number")
    return [(client_id, e164 or number) for client_id, e164, number in rows]


def _email_matches(emails: Iterable[str], clients) -> list[tuple[int, str]]:
    addresses = {address.strip().lower() for address in emails if address and "@" in address}
    if not addresses:
        return []
    return list(Email.objects.filter(address__in=addresses, client__in=clients).values_list("client_id", "address"))


def _tax_id_matches(tax_ids: Iterable[str], clients) -> list[tuple[int, str]]:
    normalized = {normalized_tax_id(value) for value in tax_ids} - {""}
    if not normalized:
        return []
    return list(TaxId.objects.filter(normalized__in=normalized, client__in=clients).values_list("client_id", "value"))


def _similar_names(actor, name: str, limit: int) -> list[tuple[Client, str]]:
    """Visible clients whose name is very similar, found through the search index (at most three queries).

    The search finds names containing every word of the typed one; the two longest words
    are also looked up alone, so that a typo in one word ("Jean Dupond") still finds
    "Jean Dupont" through the other.
    """
    wanted = comparable_name(name)
    if not wanted:
        return []
    words = [word for word in sorted(wanted.split(), key=len, reverse=True) if len(word) >= WORD_SEARCH]
    searches = [wanted] + (words[:2] if len(wanted.split()) > 1 else [])
    found: dict[int, Client] = {}
    for text in searches:
        for client in find_clients(actor, text, limit):
            found.setdefault(client.pk, client)
    return [
        (client, client.name)
        for client in found.values()
        if similarity(wanted, comparable_name(client.name)) >= SIMILAR_NAME
    ]


def _clients(visible, ids: set[int]) -> dict[int, Client]:
    if not ids:
        return {}
    return {client.pk: client for client in visible.filter(pk__in=ids).select_related("owner", "status")}


def _weight(reasons: list[Reason]) -> int:
    """Same identifiers weigh more than a similar name: a shared phone is rarely a coincidence."""
    return sum(1 if reason.kind == "name" else 10 for reason in reasons)


def likely_duplicates(
    actor,
    *,
    name: str = "",
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    tax_ids: Iterable[str] = (),
    exclude=None,
    limit: int = 5,
) -> list[Duplicate]:
    """The clients the user may see that look like the one described, most reasons first, at most `limit`.

    A client matches on the same normalized phone, the same email (case ignored), the same
    tax id (spaces and punctuation ignored) or a very similar name (see `comparable_name`).
    `exclude` is the id (or ids) of the card being edited. At most seven queries.
    """
    visible = visible_clients(actor)
    skip = _excluded(exclude)
    reasons: dict[int, list[Reason]] = {}
    matches = [
        ("phone", _phone_matches(phones, visible)),
        ("email", _email_matches(emails, visible)),
        ("tax_id", _tax_id_matches(tax_ids, visible)),
    ]
    for kind, rows in matches:
        for client_id, value in rows:
            if client_id not in skip and Reason(kind, value) not in reasons.get(client_id, []):
                reasons.setdefault(client_id, []).append(Reason(kind, value))
    named: dict[int, Client] = {}
    for client, shown in _similar_names(actor, name, NAME_CANDIDATES):
        if client.pk not in skip:
            named[client.pk] = client
            reasons.setdefault(client.pk, []).append(Reason("name", shown))
    clients = named | _clients(visible, set(reasons) - set(named))
    ranked = sorted(reasons, key=lambda pk: (-_weight(reasons[pk]), clients[pk].name.casefold(), pk))
    return [Duplicate(clients[pk], reasons[pk]) for pk in ranked[: max(0, int(limit))]]
