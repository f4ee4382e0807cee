"""Importing clients: companies and private persons, persons linked to their company as contacts.

A row becomes a `NewCard` (carte.clients.services.loading) or, when it matches an existing
card and the user chose to update, a change through `update_client`. Duplicates are found
by normalized email, phone (E.164), tax id or the id the record had in the old system,
against the database and against the earlier rows of the same file, with one query per
kind of key per batch. New cards are written a batch at a time (see `create_cards`).
"""

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carte.clients.models import Client, CustomField, Email, FieldValue, Phone, ReferenceValue, TaxId
from carte.clients.services import cleaning, custom_values, update_client
from carte.clients.services.clients import REFERENCES
from carte.clients.services.loading import NewCard, card_errors, create_cards
from carte.core import policy
from carte.core.audit import Verb, record
from carte.core.errors import Conflict, Invalid, NotAllowed
from carte.core.phones import to_e164
from carte.core.search import fold
from carte.transfer.models import SourceKey
from carte.transfer.targets import finding, lookups
from carte.transfer.targets.base import Context, Field, Outcome, Row, Target
from carte.transfer.targets.clients_fields import (
    EMAIL_FIELDS,
    MESSENGER_FIELDS,
    PHONE_FIELDS,
    TAX_ID_FIELDS,
    card_fields,
    client_fields,
    custom_field,
)
from carte.transfer.values import parse_date, parse_flag, parse_number

TAG = ReferenceValue.List.TAG
UNDO_CHUNK = 1000
GOOGLE_GROUPS = "* "  # Google Contacts' own groups in its Labels column ("* myContacts", "* starred"): not tags
EARLIER = -1  # in a dry run: a card an earlier batch of the file would create
JOINED = {"address_legal", "address_postal", "address_actual", "notes", "bank_details"}  # columns joined, one text
PERSON_PARTS = ("first_name", "middle_name", "last_name")


class ClientsTarget(Target):
    key = "clients"
    label = gettext_lazy("Clients and contacts")
    module = "clients"
    model = Client
    match_keys = {
        "email": gettext_lazy("Email"),
        "phone": gettext_lazy("Phone"),
        "tax_id": gettext_lazy("Tax id"),
        "external_id": gettext_lazy("External id"),
    }
    select_related = ("owner", "status", "type", "source", "industry")
    prefetch_related = ("phones", "emails", "tax_ids", "messengers", "tags", "field_values__employee")

    def fields(self) -> list[Field]:
        return client_fields(custom_values.active_fields())

    def mapping_errors(self, mapped: set[str]) -> list[str]:
        if mapped & {"name", "first_name", "last_name"}:
            return []
        return [_("Choose the column of the name (or of the first or last name).")]

    # --- reading a row ------------------------------------------------------------------------

    def _card(self, context: Context, row: Row) -> tuple[NewCard, dict[str, list[str]]]:
        """The card a row describes, and what is wrong in it by field label (nothing written)."""
        errors: dict[str, list[str]] = {}
        values = row.values
        scalars: dict = {}
        for key in ("name", "legal_name", "position", "website", *PERSON_PARTS, *JOINED):
            texts = values.get(key)
            if texts:
                scalars[key] = (", " if key.startswith("address") else "\n").join(texts) if key in JOINED else texts[0]
        if "website" in scalars:
            scalars["website"] = _read(errors, "website", lambda: cleaning.clean_website(scalars["website"]))
        if values.get("birthday"):
            scalars["birthday"] = _read(errors, "birthday", lambda: _birthday(row.first("birthday"), context))
        company_name = row.first("company")
        scalars["kind"] = _read(errors, "kind", lambda: _kind(context, row, company_name))
        if scalars["kind"] == Client.Kind.PERSON and not scalars.get("name"):
            scalars["name"] = " ".join(scalars.get(part, "") for part in ("first_name", "last_name")).strip()
        for name, reference_list in REFERENCES.items():
            if values.get(name):
                value = _read(errors, name, lambda rl=reference_list, n=name: _reference(context, rl, row.first(n), n))
                if not isinstance(value, finding.Pending):  # a dry run's value to create: the run sets it
                    scalars[name] = value
        scalars["status"] = scalars.get("status") or lookups.default_status(context)
        scalars["owner"] = _read(errors, "owner", lambda: _owner(context, row.first("owner")))
        card = NewCard(fields=scalars)
        card.phones = _read(errors, "phones", lambda: cleaning.clean_phones(_items(values, PHONE_FIELDS))) or []
        card.emails = _read(errors, "emails", lambda: cleaning.clean_emails(_items(values, EMAIL_FIELDS))) or []
        card.tax_ids = (
            _read(errors, "tax_ids", lambda: cleaning.clean_tax_ids(_items(values, TAX_ID_FIELDS, kind_first=True)))
            or []
        )
        card.messengers = (
            _read(
                errors,
                "messengers",
                lambda: cleaning.clean_messengers(_items(values, MESSENGER_FIELDS, kind_first=True)),
            )
            or []
        )
        if values.get("tags"):
            chosen = [text for text in values["tags"] if not text.startswith(GOOGLE_GROUPS)]
            tags = [_read(errors, "tags", lambda t=text: _reference(context, TAG, t, "tags")) for text in chosen]
            card.tags = [tag for tag in tags if isinstance(tag, ReferenceValue)]
        card.custom = self._custom(context, row, errors)
        return card, errors

    def _custom(self, context: Context, row: Row, errors: dict) -> dict[CustomField, list[dict]]:
        custom = {}
        for field in lookups.custom_fields(context):
            texts = row.values.get(custom_field(field))
            if not texts:
                custom[field] = []
                continue
            try:
                custom[field] = custom_values.rows_for(field, _custom_value(field, texts, context))
            except (ValueError, Invalid) as exc:
                errors[f"custom_{field.key}"] = [str(getattr(exc, "message", None) or exc)]
        return custom

    # --- duplicates ---------------------------------------------------------------------------

    def _matches(self, context: Context, keys: list[list[tuple[str, str]]]) -> list[int | None]:
        """The existing client each card matches by its keys (one query per kind of key for the batch).

        A dry run also matches the cards earlier batches of the file would create (EARLIER);
        a run finds those in the database, where they are.
        """
        wanted: dict[str, set[str]] = {}
        for row_keys in keys:
            for kind, value in row_keys:
                wanted.setdefault(kind, set()).add(value)
        found = _existing(wanted)
        matches = []
        for row_keys in keys:
            match = next((found[key] for key in row_keys if key in found), None)
            if match is None and context.dry and any(key in context.seen for key in row_keys):
                match = EARLIER
            matches.append(match)
        return matches

    def _remember(self, context: Context, row: Row, card: NewCard, keys: list, client_id: int) -> None:
        """What later batches of a dry run match a card it would create by: its keys and a company's names."""
        if not context.dry:
            return  # what a run wrote, later batches find in the database
        context.seen.update(keys)
        if card.fields.get("kind") == Client.Kind.COMPANY:
            context.seen.update(("company", name) for name in _company_names(row, card))

    # --- check and save -----------------------------------------------------------------------

    def check(self, context: Context, rows: list[Row]) -> list[Outcome]:
        return self._process(context, rows, write=False)

    def save(self, context: Context, rows: list[Row]) -> list[Outcome]:
        return self._process(context, rows, write=True)

    def _process(self, context: Context, rows: list[Row], *, write: bool) -> list[Outcome]:
        context.cache["batch_companies"] = {}  # folded name → the card of a company this batch creates
        context.cache["companies"] = {}  # what earlier batches wrote is in the database: read again
        read = [(row, *self._card(context, row)) for row in rows]
        lookups.prefetch_companies(context, [row.first("company") for row, _card, _errors in read])
        keys = {row.number: _keys(row, card, context.options.match_by) for row, card, errors in read if not errors}
        matched = dict(zip(keys, self._matches(context, list(keys.values())), strict=True))
        outcomes: dict[int, Outcome] = {}
        to_create: list[tuple[Row, NewCard]] = []
        batch_keys: dict[tuple[str, str], tuple[int, NewCard]] = {}  # keys of the cards this batch creates
        for row, card, errors in read:
            if errors:
                outcomes[row.number] = _failed(row, card_errors(context.actor, card) | errors)
                continue
            match = matched[row.number]
            duplicates = context.options.duplicates
            if match is not None and duplicates == "skip":
                outcomes[row.number] = Outcome(row.number, "skipped", match, message=_("Already in Carte."))
            elif match is not None and duplicates == "update":
                outcomes[row.number] = self._update(context, row, card, match, write=write)
            elif match is None and duplicates != "create" and (twin := _twin(batch_keys, row, keys[row.number])):
                outcomes[row.number] = twin
            else:
                outcome = self._link(context, row, card, write=write)
                if outcome is not None:
                    outcomes[row.number] = outcome
                    continue
                problems = card_errors(context.actor, card)
                if problems:
                    outcomes[row.number] = _failed(row, problems)
                    continue
                to_create.append((row, card))
                for key in keys[row.number]:
                    batch_keys.setdefault(key, (row.number, card))
                if card.fields.get("kind") == Client.Kind.COMPANY:
                    for name in _company_names(row, card):
                        context.cache["batch_companies"].setdefault(name, card)
        # Companies first: the persons of the same batch are then linked to them.
        companies = [(row, card) for row, card in to_create if card.fields.get("kind") == Client.Kind.COMPANY]
        persons = [(row, card) for row, card in to_create if card.fields.get("kind") != Client.Kind.COMPANY]
        self._create(context, companies, outcomes, keys, write=write)
        self._create(context, persons, outcomes, keys, write=write)
        for outcome in outcomes.values():
            if isinstance(outcome.object_id, NewCard):
                outcome.object_id = outcome.object_id.made
        return [outcomes[row.number] for row in rows]

    def _link(self, context: Context, row: Row, card: NewCard, *, write: bool) -> Outcome | None:
        """Find (or make) the company a person row names; an Outcome when the row fails for it."""
        name = row.first("company")
        if not name or card.fields.get("kind") != Client.Kind.PERSON:
            return None
        company = lookups.company(context, name)
        pending = context.cache["batch_companies"].get(fold(name, None))
        if company is None and pending is not None:
            card.companies = [pending]  # made earlier in this batch: its id is known once it is written
            return None
        if company is None:  # a client like the person, not a value of a list: made, owned as the person is
            company = self._new_company(context, row, card, name, write=write)
        if company is None:
            return _failed(row, {"company": [_("The company “%(name)s” cannot be created.") % {"name": name[:100]}]})
        card.companies = [company]
        return None

    def _new_company(self, context: Context, row: Row, card: NewCard, name: str, *, write: bool) -> int | None:
        company = NewCard(
            fields={
                "kind": Client.Kind.COMPANY,
                "name": name,
                "status": lookups.default_status(context),
                "owner": card.fields["owner"],
            }
        )
        if card_errors(context.actor, company):
            return None
        if write:
            made = create_cards(context.actor, [company], summary=context.cache["summary"])[0].pk
            context.cache.setdefault("companies_made", {})[row.number] = made
        else:
            made = context.next_placeholder()
        lookups.remember_company(context, name, made)
        return made

    def _create(
        self, context: Context, rows: list[tuple[Row, NewCard]], outcomes: dict, keys: dict, *, write: bool
    ) -> None:
        for _row, card in rows:
            card.companies = [_id_of(company, context) for company in card.companies]
        if write and rows:
            clients = create_cards(context.actor, [card for _row, card in rows], summary=context.cache["summary"])
            ids = [client.pk for client in clients]
            pairs = zip((row.first("external_id") for row, _card in rows), ids, strict=True)
            finding.remember_keys(self.key, Client, list(pairs))
        else:
            ids = [context.next_placeholder() for _ in rows]
        made = context.cache.setdefault("companies_made", {})
        for (row, card), client_id in zip(rows, ids, strict=True):
            card.made = client_id
            self._remember(context, row, card, keys[row.number], client_id)
            also = [made.pop(row.number)] if row.number in made else []
            shown = {} if write else _shown(card)
            outcomes[row.number] = Outcome(row.number, "created", client_id, stamp="1", shown=shown, also=also)

    def _update(self, context: Context, row: Row, card: NewCard, client_id: int, *, write: bool) -> Outcome:
        if client_id < 0:  # a card an earlier row of this dry run would create
            return Outcome(row.number, "updated", client_id, shown=_shown(card))
        client = Client.objects.filter(pk=client_id).select_related("owner").first()
        if client is None or not policy.can(context.actor, policy.Action.EDIT, client):
            return Outcome(row.number, "failed", client_id, message=_("It matches a client you may not change."))
        changes, before = _changes(row, card, client)
        if not write:
            return Outcome(row.number, "updated", client_id, shown=_shown(card))
        try:
            with transaction.atomic():
                client = update_client(actor=context.actor, client=client, version=client.version, **changes)
        except (Invalid, NotAllowed, Conflict) as exc:
            return Outcome(row.number, "failed", client_id, message=_message(exc))
        return Outcome(row.number, "updated", client_id, stamp=str(client.version), before=before, shown=_shown(card))

    # --- undo ---------------------------------------------------------------------------------

    def moved(self, ids_and_stamps: Iterable[tuple[int, str]]) -> set[int]:
        stamps = dict(ids_and_stamps)
        now = dict(Client.objects.filter(pk__in=list(stamps)).values_list("pk", "version"))
        return {pk for pk, stamp in stamps.items() if str(now.get(pk)) != stamp}

    def undo(self, actor, created: list[int], updated: list[tuple[int, dict]]) -> None:
        for client_id, before in updated:
            client = Client.objects.get(pk=client_id)
            update_client(actor=actor, client=client, version=client.version, **_restored(before))
        for start in range(0, len(created), UNDO_CHUNK):
            chunk = created[start : start + UNDO_CHUNK]
            try:
                Client.objects.filter(pk__in=chunk).delete()  # their lists, links and timeline go with them
            except ProtectedError:
                raise Conflict(
                    _("Deals, documents or other records now refer to clients of this import; nothing was undone.")
                ) from None
        SourceKey.objects.filter(target=self.key, object_id__in=created).delete()
        if created:
            record(actor, Verb.DELETE, label=_("Clients of an import"), changes={"clients": [len(created), 0]})


# --- helpers ------------------------------------------------------------------------------------


def _read(errors: dict, field: str, read):
    """The value `read()` gives, or None with its message kept under `field`."""
    try:
        return read()
    except Invalid as exc:
        errors.update(exc.errors or {field: [exc.message]})
    except ValueError as exc:
        errors[field] = [str(exc)]
    return None


def _message(exc: Exception) -> str:
    errors = getattr(exc, "errors", None) or {}
    texts = [text for messages in errors.values() for text in messages]
    return " ".join(texts) or str(getattr(exc, "message", "") or exc)


def _failed(row: Row, errors: dict[str, list[str]]) -> Outcome:
    """A failed row, its reasons prefixed with the field they are about."""
    labels = {
        "phones": _("Phones"),
        "emails": _("Emails"),
        "tax_ids": _("Tax ids"),
        "messengers": _("Messengers"),
        "tags": _("Tags"),
        **{f"custom_{field.key}": str(field.label) for field in custom_values.active_fields()},
        **{field.key: str(field.label) for field in card_fields()},
    }
    parts = [f"{labels.get(field, field)}: {' '.join(texts)}" for field, texts in errors.items()]
    return Outcome(row.number, "failed", message=" ".join(parts)[:1000])


def _company_names(row: Row, card: NewCard) -> list[str]:
    """What a person row of the same file may name a company by: its name or its old id, folded."""
    return [fold(text, None) for text in (card.fields.get("name"), row.first("external_id")) if text]


def _twin(batch_keys: dict, row: Row, keys: list[tuple[str, str]]) -> Outcome | None:
    """A skip when an earlier row of the batch creates the same card (its id is filled in once it is written)."""
    for key in keys:
        if key in batch_keys:
            number, twin = batch_keys[key]
            message = _("Same as row %(number)d of this file.") % {"number": number}
            return Outcome(row.number, "skipped", twin, message=message)
    return None


def _reference(context: Context, reference_list: str, text: str, field: str):
    return finding.find_reference(context, reference_list, text, field, writing=not context.dry)


def _owner(context: Context, text: str):
    return finding.find_employee(context, text, "owner") if text.strip() else finding.default_employee(context)


def _id_of(company, context: Context) -> int:
    """A company's id, for a company of this batch the one it was just given."""
    return company if isinstance(company, int) else company.made


def _kind(context: Context, row: Row, company_name: str) -> str:
    """The kind the row gives (by key or name in any language), or a person when it names one, else a company."""
    if row.first("kind"):
        return finding.find_choice(context, Client.Kind, row.first("kind"), "kind")
    has_person = any(row.values.get(part) for part in PERSON_PARTS)
    return Client.Kind.PERSON if has_person or company_name else Client.Kind.COMPANY


def _birthday(text: str, context: Context) -> date | None:
    return cleaning.clean_birthday(parse_date(text, context.options.date_order))


def _items(values: dict[str, list[str]], fields: dict[str, str], *, kind_first: bool = False) -> list[tuple]:
    """(value, kind) pairs (or (kind, value)) from the columns of each kind: phone_mobile → ("…", "mobile")."""
    return [
        (kind, text) if kind_first else (text, kind) for key, kind in fields.items() for text in values.get(key, ())
    ]


def _custom_value(field: CustomField, texts: list[str], context: Context):
    kind = CustomField.Kind
    if field.kind in (kind.NUMBER, kind.MONEY):
        return parse_number(texts[0], context.options.decimal)
    if field.kind == kind.DATE:
        return parse_date(texts[0], context.options.date_order)
    if field.kind == kind.BOOLEAN:
        return parse_flag(texts[0])
    if field.kind == kind.EMPLOYEE:
        return finding.find_employee(context, texts[0], f"custom_{field.key}")
    if field.kind == kind.MULTICHOICE:
        return _choices_of(field, texts)
    return texts[0] if field.kind == kind.CHOICE else "\n".join(texts)


def _choices_of(field: CustomField, texts: list[str]) -> list[str]:
    """The choices a cell names. A cell without lines or ";" was split on its commas (split_values): a choice
    with a comma in it ("Repair, maintenance") is put back together, the longest choice first."""
    options = {str(option).casefold() for option in field.options}
    chosen, start = [], 0
    while start < len(texts):
        spans = range(len(texts), start + 1, -1)
        end = next((end for end in spans if ", ".join(texts[start:end]).casefold() in options), start + 1)
        chosen.append(", ".join(texts[start:end]))
        start = end
    return chosen


def _keys(row: Row, card: NewCard, match_by: Iterable[str]) -> list[tuple[str, str]]:
    """The normalized keys a card is matched by, in the order the user ranked them."""
    keys: list[tuple[str, str]] = []
    for kind in match_by:
        if kind == "email":
            keys += [("email", email.address.lower()) for email in card.emails]
        elif kind == "phone":
            keys += [("phone", e164) for phone in card.phones if (e164 := to_e164(phone.number))]
        elif kind == "tax_id":
            keys += [("tax_id", cleaning.normalized_tax_id(tax_id.value)) for tax_id in card.tax_ids]
        elif kind == "external_id" and row.first("external_id"):
            keys.append(("external_id", row.first("external_id")))
    return keys


def _existing(wanted: dict[str, set[str]]) -> dict[tuple[str, str], int]:
    """Clients already in Carte by key: one indexed query per kind of key."""
    found: dict[tuple[str, str], int] = {}
    queries = {
        "email": Email.objects.filter(address__in=wanted.get("email", ())).values_list("address", "client_id"),
        "phone": Phone.objects.filter(e164__in=wanted.get("phone", ())).values_list("e164", "client_id"),
        "tax_id": TaxId.objects.filter(normalized__in=wanted.get("tax_id", ())).values_list("normalized", "client_id"),
        # A key whose client was deleted (or merged away) since names nothing any more.
        "external_id": SourceKey.objects.filter(
            target="clients", key__in=wanted.get("external_id", ()), object_id__in=Client.objects.values("pk")
        ).values_list("key", "object_id"),
    }
    for kind, query in queries.items():
        if wanted.get(kind):
            for value, client_id in query.order_by("client_id" if kind != "external_id" else "object_id"):
                found.setdefault((kind, value), client_id)
    return found


def _shown(card: NewCard) -> dict[str, str]:
    """The card as it will be saved, label → text, for the preview."""
    fields = card.fields
    shown = {
        str(_("Kind")): str(Client.Kind(fields["kind"]).label) if fields.get("kind") else "",
        str(_("Name")): card.client().name,
        str(_("Status")): str(fields.get("status") or ""),
        str(_("Owner")): str(fields.get("owner") or ""),
        str(_("Phones")): ", ".join(phone.number for phone in card.phones),
        str(_("Emails")): ", ".join(email.address for email in card.emails),
        str(_("Tax ids")): ", ".join(tax_id.value for tax_id in card.tax_ids),
    }
    return {label: text for label, text in shown.items() if text}


# --- updating an existing card ------------------------------------------------------------------


def _changes(row: Row, card: NewCard, client: Client) -> tuple[dict, dict]:
    """What the row changes on an existing card (filled cells only; lists gain what they lack), and what it replaces."""
    changes: dict = {}
    before: dict = {}
    for name, value in card.fields.items():
        if name in ("kind", "owner", "status") and not row.values.get(name):
            continue  # defaults of a new card: an existing card keeps its own
        if name == "name" and client.kind == Client.Kind.PERSON and any(row.values.get(p) for p in PERSON_PARTS):
            continue  # a person's name follows from their first and last names
        changes[name] = value
        before[name] = _stored(getattr(client, name))
    for name, given, current, shown in (
        ("phones", card.phones, list(client.phones.all()), lambda p: (p.number, p.kind)),
        ("emails", card.emails, list(client.emails.all()), lambda e: (e.address, e.kind)),
        ("tax_ids", card.tax_ids, list(client.tax_ids.all()), lambda t: (t.kind, t.value)),
        ("messengers", card.messengers, list(client.messengers.all()), lambda m: (m.kind, m.handle)),
    ):
        kept = [shown(item) for item in current]
        added = [tuple(item) for item in given if tuple(item) not in kept]
        if added:
            changes[name], before[name] = kept + added, kept
    if card.tags:
        kept_tags = [tag.key for tag in client.tags.all()]
        added_tags = [tag.key for tag in card.tags if tag.key not in kept_tags]
        if added_tags:
            changes["tags"], before["tags"] = kept_tags + added_tags, kept_tags
    custom = {field: rows for field, rows in card.custom.items() if rows}
    if custom:
        changes["custom"] = {field.key: _custom_input(field, rows) for field, rows in custom.items()}
        before["custom"] = _current_custom(client, {field.key for field in custom})
    return changes, before


def _stored(value):
    """A field's value as JSON keeps it and update_client takes it back."""
    if isinstance(value, ReferenceValue):
        return value.key
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return {"employee": value.pk}
    return value


def _custom_input(field: CustomField, rows: list[dict]):
    """FieldValue columns back to what clean_custom takes: a list of choices, or the one value."""
    values = [value.pk if column == "employee" else value for row in rows for column, value in row.items()]
    return values if field.kind == CustomField.Kind.MULTICHOICE else values[0]


def _current_custom(client: Client, keys: set[str]) -> dict:
    current: dict[str, list] = {key: [] for key in keys}
    for value in FieldValue.objects.filter(client=client, field__key__in=keys).select_related("field"):
        kind = value.field.kind
        if kind in (CustomField.Kind.NUMBER, CustomField.Kind.MONEY):
            current[value.field.key].append(str(value.number))
        elif kind == CustomField.Kind.DATE:
            current[value.field.key].append(value.date.isoformat() if value.date else None)
        elif kind == CustomField.Kind.BOOLEAN:
            current[value.field.key].append(value.flag)
        elif kind == CustomField.Kind.EMPLOYEE:
            current[value.field.key].append(value.employee_id)
        else:
            current[value.field.key].append(value.text)
    return {key: (values if len(values) > 1 else (values[0] if values else None)) for key, values in current.items()}


def _restored(before: dict) -> dict:
    """The values an undo writes back, as update_client takes them."""
    restored = dict(before)
    owner = restored.get("owner")
    if isinstance(owner, dict):
        from django.contrib.auth import get_user_model

        restored["owner"] = get_user_model().objects.get(pk=owner["employee"])
    if "birthday" in restored and restored["birthday"]:
        restored["birthday"] = date.fromisoformat(restored["birthday"])
    return restored
