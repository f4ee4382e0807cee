"""What only the clients import looks up: the default status, the custom fields, companies.

Each lookup reads its table once per import (companies: once per batch) and keeps it in
the context's cache, so a batch of rows costs no query per row. Employees and reference
values are found as for every target (carte.transfer.targets.finding).
"""

from django.db.models.functions import Lower

from carte.clients.models import Client, CustomField, ReferenceValue
from carte.clients.services.clients import default_status as first_status
from carte.clients.services.custom_values import active_fields
from carte.core.search import fold
from carte.transfer.models import SourceKey
from carte.transfer.targets.base import Context


def _cached(context: Context, name: str, load):
    if name not in context.cache:
        context.cache[name] = load()
    return context.cache[name]


def default_status(context: Context) -> ReferenceValue | None:
    return _cached(context, "default_status", first_status)


def custom_fields(context: Context) -> list[CustomField]:
    return _cached(context, "custom_fields", active_fields)


def prefetch_companies(context: Context, names: list[str]) -> None:
    """Read, in two queries, the companies these texts may mean that were not read before.

    A text names a company by the id it had in the old system (an earlier import, or a
    company row of this one), else by its name, compared without case.
    """
    known = context.cache.setdefault("companies", {})
    missing = {name.strip() for name in names if name and name.strip() and fold(name, None) not in known}
    if not missing:
        return
    companies = Client.objects.companies()
    keyed = SourceKey.objects.filter(target="clients", key__in=missing, object_id__in=companies.values("pk"))
    for key, company_id in keyed.values_list("key", "object_id"):
        known.setdefault(fold(key, None), company_id)
    named = companies.annotate(lowered=Lower("name")).filter(lowered__in={name.lower() for name in missing})
    for found in named.order_by("id").values("pk", "name"):
        known.setdefault(fold(found["name"], None), found["pk"])
    for name in missing:
        known.setdefault(fold(name, None), None)


def company(context: Context, text: str) -> int | None:
    """The id of the company a person row names (in a dry run, a placeholder for one it would create)."""
    key = fold(text, None)
    if context.dry and ("company", key) in context.seen:
        return context.next_placeholder()
    if key not in context.cache.get("companies", {}):
        prefetch_companies(context, [text])
    return context.cache["companies"].get(key)


def remember_company(context: Context, text: str, company_id: int) -> None:
    """A company a row just made for its person: the next rows naming it find it."""
    context.cache.setdefault("companies", {})[fold(text, None)] = company_id
    if context.dry:
        context.seen.add(("company", fold(text, None)))
