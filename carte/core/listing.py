"""Sorting, filtering and paging conventions shared by the HTML lists and the REST API.

Sort keys are checked against each list's allowlist: a user-supplied value never reaches
order_by() unless it is one of the names the list offers (and indexes).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.paginator import EmptyPage, Paginator
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from carte.core.errors import Invalid

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def ordered(queryset: QuerySet, value: str | None, allowed: dict[str, str], default: str) -> QuerySet:
    """Apply "name" or "-name" from `allowed` (public key → field path); always ends with id for a stable order."""
    value = (value or default).strip()
    key = value.removeprefix("-")
    if key not in allowed:
        raise Invalid(
            _("Cannot sort by “%(key)s”. Choose one of: %(keys)s.") % {"key": key, "keys": ", ".join(sorted(allowed))}
        )
    sign = "-" if value.startswith("-") else ""
    return queryset.order_by(f"{sign}{allowed[key]}", f"{sign}id")


def address_of(name: str) -> Callable[[object], str] | None:
    """A function giving the address of record `pk` of the view `name`, from one reverse() for a whole
    list rather than one per row; None when the view is not installed."""
    try:
        address = reverse(name, args=[0])
    except NoReverseMatch:
        return None
    cut = address.rindex("0")
    return lambda pk: f"{address[:cut]}{pk}{address[cut + 1 :]}"


def period_error(start, end) -> str | None:
    """What is wrong with a filter period, the same words on the screens and in the API: its end
    before its start; None when it holds (either end may be missing)."""
    if start and end and start > end:
        return _("The end of the period is before its start.")
    return None


@dataclass
class Page:
    items: list
    number: int
    size: int
    count: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.size))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_of(queryset: QuerySet, number, size=DEFAULT_PAGE_SIZE) -> Page:
    """One page of a queryset: two queries (count and slice) whatever the data size."""
    try:
        number = max(1, int(number or 1))
        size = min(MAX_PAGE_SIZE, max(1, int(size or DEFAULT_PAGE_SIZE)))
    except (TypeError, ValueError):
        raise Invalid(_("Page and page size must be whole numbers.")) from None
    paginator = Paginator(queryset, size)
    try:
        page = paginator.page(number)
    except EmptyPage:
        page = paginator.page(paginator.num_pages)
    return Page(items=list(page.object_list), number=page.number, size=size, count=paginator.count)
