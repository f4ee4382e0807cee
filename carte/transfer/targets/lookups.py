"""Finding what a row names: an employee, a reference value, a company, the default status.

Each lookup reads its table once per import and keeps it in the context's cache, so a
batch of rows costs no query per row. Names are compared folded (no case, no accents), in
every language Carte speaks: a built-in status is found as "Lead", "Prospect" or "Лид".
An unknown reference value is created when the user chose so and may edit reference lists;
in a dry run it is only announced.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext as _

from carte.clients.models import Client, CustomField, ReferenceValue
from carte.clients.queries.references import MODULE as REFERENCE_MODULE
from carte.clients.services import add_reference_value
from carte.clients.services.clients import default_status as first_status
from carte.clients.services.custom_values import active_fields
from carte.core import policy
from carte.core.search import fold
from carte.transfer.targets.base import Context

KIND_NAMES = {
    Client.Kind.COMPANY: {"company", "societe", "entreprise", "organisation", "organization", "компания",
                          "организация", "юрлицо", "юридическое лицо"},
    Client.Kind.PERSON: {"person", "private person", "individual", "particulier", "personne", "personne physique",
                         "частное лицо", "физлицо", "физическое лицо", "контакт"},
}  # fmt: skip


def _cached(context: Context, name: str, load):
    if name not in context.cache:
        context.cache[name] = load()
    return context.cache[name]


def _in_every_language(value) -> set[str]:
    names = {fold(value.key, None), fold(value.label, None)}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add(fold(str(value), None))
    return names - {""}


def _references(context: Context) -> dict[str, dict[str, ReferenceValue]]:
    def load():
        found: dict[str, dict[str, ReferenceValue]] = {}
        for value in ReferenceValue.objects.order_by("archived", "order", "id"):
            for name in _in_every_language(value):
                found.setdefault(value.list, {}).setdefault(name, value)
        return found

    return _cached(context, "references", load)


def reference(context: Context, reference_list: str, text: str) -> ReferenceValue | None:
    """The value of a reference list a cell names (by key or name); created or refused when unknown."""
    text = text.strip()
    if not text:
        return None
    values = _references(context).setdefault(reference_list, {})
    found = values.get(fold(text, None))
    if found is not None and not found.archived:
        return found
    list_name = ReferenceValue.List(reference_list).label.lower()
    if context.options.unknown_values != "create":
        raise ValueError(_("“%(value)s” is not in the list of %(list)s.") % {"value": text[:100], "list": list_name})
    if not policy.can_in_module(context.actor, REFERENCE_MODULE, policy.Action.CREATE):
        raise ValueError(
            _("“%(value)s” is not in the list of %(list)s, and you may not add to it.")
            % {"value": text[:100], "list": list_name}
        )
    if context.dry:
        value = ReferenceValue(list=reference_list, key=text[:60], label=text[:100])
    else:
        value = add_reference_value(actor=context.actor, reference_list=reference_list, label=text[:100])
    values[fold(text, None)] = value
    return value


def default_status(context: Context) -> ReferenceValue | None:
    return _cached(context, "default_status", first_status)


def _employees(context: Context) -> dict[str, object]:
    def load():
        found = {}
        for employee in get_user_model().objects.filter(is_active=True).order_by("id"):
            for name in (employee.email, employee.get_username(), employee.get_full_name(), str(employee.pk)):
                if name:
                    found.setdefault(fold(name, None), employee)
        return found

    return _cached(context, "employees", load)


def employee(context: Context, text: str):
    """The active employee a cell names by email, login, full name or id."""
    found = _employees(context).get(fold(text, None))
    if found is None:
        raise ValueError(_("There is no active employee “%(name)s”.") % {"name": text[:100]})
    return found


def owner(context: Context, text: str):
    """The owner a row names, or the import's default owner (the one who imports, unless they chose another)."""
    if text.strip():
        return employee(context, text)

    def load():
        chosen = context.options.owner
        return get_user_model().objects.filter(pk=chosen).first() if chosen else context.actor

    return _cached(context, "default_owner", load)


def custom_fields(context: Context) -> list[CustomField]:
    return _cached(context, "custom_fields", active_fields)


def prefetch_companies(context: Context, names: list[str]) -> None:
    """Read, in one query, the companies these names may mean that were not read before."""
    known = context.cache.setdefault("companies", {})
    missing = {name.strip() for name in names if name and name.strip() and fold(name, None) not in known}
    if not missing:
        return
    for found in Client.objects.companies().filter(name__in=missing).order_by("id").values("pk", "name"):
        known.setdefault(fold(found["name"], None), found["pk"])
    for name in missing:
        known.setdefault(fold(name, None), None)


def company(context: Context, name: str) -> int | None:
    """The id of the company a person row names: made by an earlier row, or already in Carte."""
    key = fold(name, None)
    made = context.created.get(("company", key))
    if made is not None:
        return made
    if key not in context.cache.get("companies", {}):
        prefetch_companies(context, [name])
    return context.cache["companies"].get(key)
