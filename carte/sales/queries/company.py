"""Reads of our company's side of a sale: legal entities, currencies and their rates, taxes.

The first group of functions takes no user: other parts of sales call them while they work
(a deal's form offers `currencies_in_use()`, a report converts with `to_base()`). Everyone
may read these settings; the functions that take an `actor` are for the settings screens and
the API, and check the "view" right of the sales settings.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from carte.core import policy
from carte.core.errors import NotFound
from carte.core.money import rounded
from carte.core.uploads import IMAGE_KINDS, kind_of
from carte.sales.models import Currency, LegalEntity, Rate, SalesDocument, Tax

MODULE = "sales_settings"
IMAGES = ("logo", "signature", "stamp")
ONE = Decimal(1)


# ---------------------------------------------------------------------------------------------
# For the other parts of sales (no user: settings are read by everyone)
# ---------------------------------------------------------------------------------------------


def base_currency() -> Currency:
    """The currency reports add up in. Installations always have one (seeded, then chosen by admins)."""
    found = Currency.objects.filter(is_base=True).first()
    if found is None:
        # Only before the seeding ran: the first currency in use stands in for it.
        found = Currency.objects.order_by("-active", "code").first()
    if found is None:
        raise Currency.DoesNotExist("No currency at all: run the migrations, which seed them.")
    return found


def currencies_in_use() -> list[Currency]:
    """The currencies switched on, by code: what deals, price lists and documents may use."""
    return list(Currency.objects.filter(active=True).order_by("code"))


def rate_on(currency_code: str, day: date) -> Decimal | None:
    """How many units of the base currency one unit of `currency_code` was worth on `day`.

    The rate of that day, or else the latest one before it; None when there is none. The base
    currency's own rate is 1. Rates count only against the current base currency.
    """
    base = base_currency()
    code = str(currency_code or "").upper()
    if code == base.code:
        return ONE
    return (
        Rate.objects.filter(currency_id=code, base=base, date__lte=day)
        .order_by("-date")
        .values_list("rate", flat=True)
        .first()
    )


def to_base(amount: Decimal, currency_code: str, day: date) -> Decimal | None:
    """`amount` in the base currency at the rate of `day` (see `rate_on`), rounded to the base's minor units.

    None when no rate is known on or before that day.
    """
    rate = rate_on(currency_code, day)
    if rate is None:
        return None
    return rounded(Decimal(amount) * rate, base_currency().digits)


def default_entity() -> LegalEntity | None:
    """The legal entity documents are issued by unless another is chosen (None before one is entered)."""
    return (
        LegalEntity.objects.filter(is_default=True, archived=False)
        .select_related("default_currency", "default_tax")
        .first()
    )


def entities_in_use() -> list[LegalEntity]:
    """The legal entities that may issue documents (not archived), the default one first."""
    return list(
        LegalEntity.objects.filter(archived=False)
        .select_related("default_currency", "default_tax")
        .order_by("-is_default", "name", "id")
    )


def taxes_in_use() -> list[Tax]:
    """The taxes offered on lines and products (not archived), in the order admins chose."""
    return list(Tax.objects.filter(archived=False).order_by("order", "id"))


# ---------------------------------------------------------------------------------------------
# For the settings screens and the API
# ---------------------------------------------------------------------------------------------


def _require_view(actor) -> None:
    policy.require_in_module(actor, MODULE, policy.Action.VIEW)


def legal_entities_for(actor, *, archived: bool = True) -> QuerySet:
    """The legal entities, the default first, each with `has_documents` (one query).

    Without the archived ones when `archived` is False.
    """
    _require_view(actor)
    entities = policy.visible(actor, LegalEntity.objects.all())
    if not archived:
        entities = entities.filter(archived=False)
    return (
        entities.select_related("default_currency", "default_tax")
        .annotate(has_documents=Exists(SalesDocument.objects.filter(legal_entity=OuterRef("pk"))))
        .order_by("archived", "-is_default", "name", "id")
    )


def get_legal_entity_for(actor, pk) -> LegalEntity:
    """One legal entity (archived or not); NotFound when there is none or it is not visible."""
    entity = legal_entities_for(actor).filter(pk=_whole(pk)).first()
    if entity is None:
        raise NotFound()
    return entity


def entity_has_documents(entity: LegalEntity) -> bool:
    return SalesDocument.objects.filter(legal_entity=entity).exists()


def entity_image(actor, entity: LegalEntity, which: str) -> tuple[bytes, str]:
    """The bytes and kind ("png"…) of an entity's logo, signature or stamp; NotFound when there is none.

    Only files saved by the services are read: a generated name under "company/" whose content
    is still one of the accepted image kinds.
    """
    _require_view(actor)
    if which not in IMAGES:
        raise NotFound()
    stored = getattr(entity, which)
    if not stored or not is_stored_image_name(stored.name):
        raise NotFound()
    try:
        with stored.storage.open(stored.name, "rb") as handle:
            content = handle.read()
    except OSError:
        raise NotFound() from None
    kind = kind_of(content)
    if kind not in IMAGE_KINDS:
        raise NotFound()
    return content, kind


def is_stored_image_name(name: str) -> bool:
    """Is `name` one the services give ("company/<32 hex digits>.png"): nothing else is ever opened."""
    folder, _slash, filename = (name or "").partition("/")
    stem, _dot, extension = filename.partition(".")
    return (
        folder == "company"
        and len(stem) == 32
        and all(char in "0123456789abcdef" for char in stem)
        and extension in ("png", "jpg", "gif", "webp")
    )


def currencies_for(actor, *, active: bool | None = None) -> QuerySet:
    """Every currency (those in use first), each with `latest_rate` and `latest_rate_date` against the base.

    One query. `active` True or False keeps only the currencies in use, or those not in use.
    """
    _require_view(actor)
    currencies = policy.visible(actor, Currency.objects.all())
    if active is not None:
        currencies = currencies.filter(active=active)
    latest = Rate.objects.filter(currency=OuterRef("pk"), base_id=Subquery(_base_code())).order_by("-date")
    return currencies.annotate(
        latest_rate=Subquery(latest.values("rate")[:1]),
        latest_rate_date=Subquery(latest.values("date")[:1]),
    ).order_by("-is_base", "-active", "code")


def _base_code() -> QuerySet:
    return Currency.objects.filter(is_base=True).values("code")[:1]


def get_currency_for(actor, code) -> Currency:
    """One currency by its ISO code (any case); NotFound when unknown."""
    _require_view(actor)
    found = policy.visible(actor, Currency.objects.all()).filter(code=str(code or "").strip().upper()[:3]).first()
    if found is None:
        raise NotFound(_("Unknown currency: %(code)s.") % {"code": str(code)[:10]})
    return found


def rates_of(actor, currency: Currency) -> QuerySet:
    """The rates of a currency against the base currency, newest first."""
    _require_view(actor)
    rates = policy.visible(actor, Rate.objects.filter(currency=currency, base_id=Subquery(_base_code())))
    return rates.select_related("currency", "base").order_by("-date", "-id")


def get_rate_for(actor, pk) -> Rate:
    """One rate (against any base); NotFound when there is none."""
    _require_view(actor)
    rate = policy.visible(actor, Rate.objects.select_related("currency", "base")).filter(pk=_whole(pk)).first()
    if rate is None:
        raise NotFound()
    return rate


def taxes_for(actor, *, archived: bool = True) -> QuerySet:
    """The taxes in the order admins chose; without the archived ones when `archived` is False."""
    _require_view(actor)
    taxes = policy.visible(actor, Tax.objects.all())
    if not archived:
        taxes = taxes.filter(archived=False)
    return taxes.order_by("order", "id")


def get_tax_for(actor, pk) -> Tax:
    """One tax (archived or not); NotFound when there is none."""
    tax = taxes_for(actor).filter(pk=_whole(pk)).first()
    if tax is None:
        raise NotFound()
    return tax


def _whole(pk) -> int:
    """A record id from a URL or the API; anything else finds nothing."""
    try:
        return int(pk)
    except (TypeError, ValueError):
        return 0
