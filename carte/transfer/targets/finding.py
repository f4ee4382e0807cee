"""What the deals, products, tasks and notes targets share: finding what a row names, reading its values, and
saying why a row cannot be saved.

A row names records that already exist: the client a deal or a note is about (by name, tax id,
email or the id it had in the old system), the employee who owns or does it, a value of a
reference list, a pipeline and its stage, a tax, a currency. Each finder looks only among what
the importing employee may see, and keeps what it read in the context's cache, so a batch of 500
rows reads the employees, the lists, the pipelines and the taxes once (a client once per text).

A value the file names that Carte lacks (a source, a stage, a pipeline) is created when the user
chose "create" for unknown values, and only by someone who may edit that list, through the same
service the settings screens use. A dry run creates nothing: it answers a `Pending` value instead.
What a row created is forgotten from the cache again when the row fails, since its savepoint
takes the record back.
"""

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from carte.clients import search
from carte.clients.models import BUILTIN_VALUES, Client, ReferenceValue
from carte.clients.queries.references import MODULE as DIRECTORIES
from carte.clients.services.cleaning import normalized_tax_id
from carte.clients.services.references import add_reference_value
from carte.core import policy
from carte.core.errors import DomainError, Invalid
from carte.core.search import fold
from carte.sales.models import Currency, Pipeline, Stage, Tax
from carte.sales.services.deals import default_pipeline
from carte.sales.services.pipelines import FIRST_STAGES, SEED_STAGES, add_stage, create_pipeline
from carte.sales.services.pipelines import MODULE as SALES_SETTINGS
from carte.transfer.models import ImportRow, SourceKey
from carte.transfer.targets.base import Context, Field, Outcome, Row
from carte.transfer.values import parse_date, parse_datetime, parse_flag, parse_number

Action = policy.Action
MADE = "made in this row"  # the cache entries the current row created, forgotten if it fails
# The names the first pipeline and its stages are seeded with: a file from a Carte in another
# language names them in that language ("Ventes", "Gagné").
SEED_NAMES = ("Sales", *(name for name, *_rest in SEED_STAGES))


class Pending:
    """A value a dry run would create (a new stage, a new source…): never written, shown by its name."""

    pk = None

    def __init__(self, name: str):
        self.name = name

    def __str__(self) -> str:
        return self.name


def company_zone() -> ZoneInfo:
    """Times in a file without a zone are the company's (CARTE_TIME_ZONE), whoever imports it."""
    return ZoneInfo(settings.TIME_ZONE)


def one_line(text: str) -> str:
    return " ".join(str(text or "").split())


# ---------------------------------------------------------------------------------------------
# Rows: each in its own savepoint, a refusal becomes the row's message
# ---------------------------------------------------------------------------------------------


def refusal(error: DomainError, labels: dict[str, str]) -> str:
    """A service's refusal as one line for the report: "Amount: Enter a number." (the field by its label)."""
    parts = []
    for field, messages in (error.errors or {}).items():
        text = " ".join(str(message) for message in (messages if isinstance(messages, list) else [messages]))
        label = labels.get(field)
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts) or str(error.message)


def each_row(
    context: Context, rows: list[Row], handle: Callable[[Row], Outcome], labels: dict[str, str], *, writing: bool
) -> list[Outcome]:
    """The outcome of `handle` for each row; a row it refuses fails alone, with the reason.

    When `writing`, each row runs in a savepoint: a row that fails half way leaves nothing behind
    (and what it added to the cache is forgotten), while the rows before it stay in the batch.
    """
    outcomes = []
    for row in rows:
        made: list[tuple[dict, object]] = []
        context.cache[MADE] = made
        try:
            if writing:
                with transaction.atomic():
                    outcome = handle(row)
            else:
                outcome = handle(row)
        except DomainError as refused:
            outcome = Outcome(row.number, ImportRow.Outcome.FAILED, message=refusal(refused, labels)[:1000])
        except IntegrityError:
            # A unique value taken by someone saving at the same moment: the savepoint took the row back.
            outcome = Outcome(
                row.number, ImportRow.Outcome.FAILED, message=_("Another record was saved with the same values.")
            )
        if outcome.outcome == ImportRow.Outcome.FAILED:
            for store, key in made:
                store.pop(key, None)
        outcomes.append(outcome)
    context.cache.pop(MADE, None)
    return outcomes


def _remember(context: Context, store: dict, key, value) -> None:
    """Cache a record this row created (forgotten if the row fails: its savepoint takes the record back)."""
    store[key] = value
    context.cache.setdefault(MADE, []).append((store, key))


def match_keys(context: Context, offered: Iterable[str]) -> list[str]:
    """The keys duplicates are found by: those of the target's the user chose."""
    return [key for key in offered if key in context.options.match_by]


def raw_shown(fields: list[Field], row: Row) -> dict[str, str]:
    """The row's texts by field label, as the file has them (for a row that is skipped or fails)."""
    return {str(field.label): "; ".join(row.values[field.key]) for field in fields if row.values.get(field.key)}


def yes_no(value: bool) -> str:
    """A flag in words an import reads back in any language (see carte.transfer.values.parse_flag)."""
    return _("yes") if value else _("no")


def skipped_message(record, key_label) -> str:
    return _("Already in Carte: “%(record)s” (same %(key)s).") % {"record": record, "key": str(key_label).lower()}


# ---------------------------------------------------------------------------------------------
# Reading values per the options: each raises Invalid naming the field
# ---------------------------------------------------------------------------------------------


def number(context: Context, text: str, field: str) -> Decimal:
    try:
        return parse_number(text, context.options.decimal)
    except ValueError as refused:
        raise Invalid(errors={field: [str(refused)]}) from None


def day(context: Context, text: str, field: str) -> date:
    try:
        return parse_date(text, context.options.date_order)
    except ValueError as refused:
        raise Invalid(errors={field: [str(refused)]}) from None


def flag(text: str, field: str) -> bool:
    try:
        return parse_flag(text)
    except ValueError as refused:
        raise Invalid(errors={field: [str(refused)]}) from None


def moment(context: Context, text: str, field: str) -> tuple[date, time | None]:
    """A date with its time when the text has one: "31/12/2024 10:00" → (2024-12-31, 10:00).

    Midnight reads as no time: that is how spreadsheets write a date alone.
    """
    try:
        found = parse_datetime(text, context.options.date_order)
    except ValueError as refused:
        raise Invalid(errors={field: [str(refused)]}) from None
    return found.date(), (None if found.time() == time(0, 0) else found.time())


def whole_percent(context: Context, text: str, field: str) -> int:
    """A percentage from 0 to 100: "40", "40 %", "40,0"."""
    value = number(context, text.replace("%", "").strip(), field)
    if value != value.to_integral_value() or not 0 <= value <= 100:
        raise Invalid(errors={field: [_("Enter a whole number from 0 to 100.")]})
    return int(value)


def text_within(text: str, model: type[models.Model], name: str, field: str, *, lines: bool = False) -> str:
    """A text as the model stores it (on one line unless `lines`); Invalid when longer than its column."""
    text = str(text or "").strip() if lines else one_line(text)
    limit = getattr(model._meta.get_field(name), "max_length", None)
    if limit and len(text) > limit:
        raise Invalid(errors={field: [_("At most %(count)d characters.") % {"count": limit}]})
    return text


def names_in_every_language(name: str | Promise) -> set[str]:
    """A translatable name (a lazy label, or a message id) as each language of Carte says it, folded."""
    names = set()
    for language, _label in settings.LANGUAGES:
        with translation.override(language):
            names.add(fold(str(name) if isinstance(name, Promise) else gettext(name), None))
    return names


def find_choice(context: Context, choices: type[models.TextChoices], text: str, field: str) -> str:
    """A choice of a model field by its value or its label in any language ("service", "Prestation", "Услуга")."""
    index = context.cache.get(f"choices:{choices.__qualname__}")
    if index is None:
        index = {}
        for value, label in zip(choices.values, choices.labels, strict=True):
            index[fold(value, None)] = value
            for name in names_in_every_language(label):
                index.setdefault(name, value)
        context.cache[f"choices:{choices.__qualname__}"] = index
    found = index.get(fold(text, None))
    if found is None:
        offered = ", ".join(str(label) for label in choices.labels)
        raise Invalid(
            errors={field: [_("“%(text)s” is not one of: %(choices)s.") % {"text": text, "choices": offered}]}
        )
    return found


# ---------------------------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------------------------


def find_client(context: Context, text: str, field: str = "client") -> Client:
    """The client a row names, among those the importer may see: by the id it had in the old system
    (an earlier client import), its email, its tax id, or its name. Invalid when none or several match."""
    text = one_line(text)
    store = context.cache.setdefault("clients", {})
    if text not in store:
        store[text] = _client_named(context.actor, text)
    found = store[text]
    if isinstance(found, str):
        raise Invalid(errors={field: [found]})
    return found


def _client_named(actor, text: str) -> Client | str:
    """The one client matching the text, or why there is none."""
    visible = policy.visible(actor, Client.objects.all())
    keyed = SourceKey.objects.filter(target="clients", key=text[:200]).values_list("object_id", flat=True).first()
    if keyed is not None:
        found = visible.filter(pk=keyed).first()
        if found is not None:
            return found
    candidates: list[Client] = []
    if "@" in text:
        candidates = list(visible.filter(emails__address=text.lower()).distinct()[:2])
    else:
        tax_id = normalized_tax_id(text)
        if len(tax_id) >= 5 and any(char.isdigit() for char in tax_id):
            candidates = list(visible.filter(tax_ids__normalized=tax_id).distinct()[:2])
        if not candidates:
            candidates = list(visible.filter(name__iexact=text)[:2])
        if not candidates and not text.isascii():
            # SQLite compares only ASCII letters without case: search, then compare the names folded.
            folded = fold(text, None)
            candidates = [client for client in search.matching(visible, text)[:50] if fold(client.name, None) == folded]
    if len(candidates) > 1:
        return _("Several clients match “%(text)s”: give the tax id or the email instead.") % {"text": text}
    if not candidates:
        return _("No client “%(text)s” (looked for by name, tax id, email and old id).") % {"text": text}
    return candidates[0]


# ---------------------------------------------------------------------------------------------
# Employees
# ---------------------------------------------------------------------------------------------


def _employees(context: Context) -> dict[str, list]:
    """Active employees by folded email, user name and full name (both orders), read once per file."""
    index = context.cache.get("employees")
    if index is None:
        index = {}
        for employee in get_user_model().objects.filter(is_active=True).select_related("department"):
            names = {
                fold(employee.email, None),
                fold(employee.username, None),
                fold(f"{employee.first_name} {employee.last_name}", None),
                fold(f"{employee.last_name} {employee.first_name}", None),
                f"#{employee.pk}",
            }
            for name in names - {""}:
                index.setdefault(name, []).append(employee)
        context.cache["employees"] = index
    return index


def find_employee(context: Context, text: str, field: str):
    """An active employee by email, user name or full name; Invalid when none or several match."""
    found = _employees(context).get(fold(text, None), [])
    if len(found) > 1:
        raise Invalid(errors={field: [_("Several employees are named “%(text)s”: give their email.") % {"text": text}]})
    if not found:
        message = _("No active employee “%(text)s” (give their email, user name or full name).") % {"text": text}
        raise Invalid(errors={field: [message]})
    return found[0]


def default_employee(context: Context):
    """Who owns or does what a row gives no one for: the employee chosen in the options, or the importer."""
    if context.options.owner is None:
        return context.actor
    found = _employees(context).get(f"#{context.options.owner}")
    if not found:
        raise Invalid(errors={"owner": [_("Choose an active employee as owner.")]})
    return found[0]


# ---------------------------------------------------------------------------------------------
# Reference lists
# ---------------------------------------------------------------------------------------------


def _reference_index(context: Context, reference_list: str) -> dict[str, ReferenceValue | Pending]:
    """A list's values by folded key, label, and built-in name in every language."""
    index = context.cache.get(f"references:{reference_list}")
    if index is None:
        index = {}
        builtin = BUILTIN_VALUES.get(ReferenceValue.List(reference_list), {})
        for value in ReferenceValue.objects.filter(list=reference_list).order_by("archived", "order", "id"):
            names = {fold(value.key, None)}
            if value.label:
                names.add(fold(value.label, None))
            elif value.key in builtin:
                names |= names_in_every_language(builtin[value.key])
            for name in names:
                index.setdefault(name, value)
        context.cache[f"references:{reference_list}"] = index
    return index


def find_reference(
    context: Context, reference_list: str, text: str, field: str, *, writing: bool, current=None
) -> ReferenceValue | Pending:
    """A value of a reference list by key or label in any language.

    An unknown value is created (a dry run answers Pending) when the options say so and the
    importer may edit reference lists; otherwise the row is refused. An archived value is
    refused unless the record has it already (`current`), as the forms refuse it.
    """
    text = one_line(text)
    index = _reference_index(context, reference_list)
    found = index.get(fold(text, None))
    list_name = str(ReferenceValue.List(reference_list).label).lower()
    if isinstance(found, ReferenceValue) and found.archived and found != current:
        raise Invalid(
            errors={
                field: [_("“%(value)s” is archived in the list of %(list)s.") % {"value": found, "list": list_name}]
            }
        )
    if found is not None:
        return found
    if context.options.unknown_values != "create":
        raise Invalid(
            errors={field: [_("“%(value)s” is not in the list of %(list)s.") % {"value": text, "list": list_name}]}
        )
    if not policy.can_in_module(context.actor, DIRECTORIES, Action.CREATE):
        message = _("“%(value)s” is not in the list of %(list)s, and you may not add values to it.")
        raise Invalid(errors={field: [message % {"value": text, "list": list_name}]})
    made: ReferenceValue | Pending = Pending(text)
    if writing:
        try:
            made = add_reference_value(actor=context.actor, reference_list=reference_list, label=text)
        except Invalid as refused:
            raise Invalid(errors={field: _messages(refused)}) from None
    _remember(context, index, fold(text, None), made)
    return made


def _messages(refused: DomainError) -> list[str]:
    return [str(message) for messages in refused.errors.values() for message in messages] or [str(refused.message)]


# ---------------------------------------------------------------------------------------------
# Pipelines and stages
# ---------------------------------------------------------------------------------------------


@cache
def _seed_translations() -> dict[str, set[str]]:
    """Each seeded pipeline and stage name (folded, in any language) → its names in every language."""
    found: dict[str, set[str]] = {}
    for name in SEED_NAMES:
        names = names_in_every_language(name)
        for folded in names:
            found[folded] = names
    return found


def _names_of(name: str, seeded: dict[str, set[str]]) -> set[str]:
    folded = fold(name, None)
    return seeded.get(folded, set()) | {folded}


def _pipelines(context: Context) -> dict[str, Pipeline | Pending]:
    index = context.cache.get("pipelines")
    if index is None:
        index, seeded = {}, _seed_translations()
        for pipeline in Pipeline.objects.order_by("archived", "order", "id"):
            index.setdefault(f"#{pipeline.pk}", pipeline)
            for name in _names_of(pipeline.name, seeded):
                index.setdefault(name, pipeline)
        context.cache["pipelines"] = index
    return index


def find_pipeline(context: Context, text: str, field: str = "pipeline", *, writing: bool) -> Pipeline | Pending:
    """A pipeline by name (in any language for the seeded one) or id; the default pipeline for an empty text.

    An unknown one is created, with the first stages every pipeline starts with, when the options
    say so and the importer may change the sales settings.
    """
    text = one_line(text)
    index = _pipelines(context)
    if not text:
        if "default pipeline" not in context.cache:
            context.cache["default pipeline"] = default_pipeline()
        found = context.cache["default pipeline"]
        if found is None:
            raise Invalid(errors={field: [_("Create a pipeline first (Settings → Pipelines).")]})
        return found
    found = index.get(f"#{text}") if text.isdigit() else None
    found = found or index.get(fold(text, None))
    if found is not None:
        return found
    if context.options.unknown_values != "create":
        raise Invalid(errors={field: [_("There is no pipeline “%(name)s”.") % {"name": text}]})
    if not policy.can_in_module(context.actor, SALES_SETTINGS, Action.CREATE):
        message = _("There is no pipeline “%(name)s”, and you may not add pipelines.")
        raise Invalid(errors={field: [message % {"name": text}]})
    made: Pipeline | Pending = Pending(text)
    if writing:
        try:
            made = create_pipeline(actor=context.actor, name=text)
        except Invalid as refused:
            raise Invalid(errors={field: _messages(refused)}) from None
    _remember(context, index, fold(text, None), made)
    return made


def _stage_index(stages: Iterable[Stage]) -> dict[str, Stage | Pending]:
    index: dict[str, Stage | Pending] = {}
    seeded = _seed_translations()
    for stage in stages:
        index.setdefault(f"#{stage.pk}", stage)
        for name in _names_of(stage.name, seeded):
            index.setdefault(name, stage)
    return index


def _stages(context: Context, pipeline: Pipeline) -> dict[str, Stage | Pending]:
    """A pipeline's stages by folded name (in any language for the seeded ones) and id.

    Every pipeline's stages are read in one query on the first look; a pipeline made by the
    import since is read when first asked for.
    """
    every = context.cache.get("stages")
    if every is None:
        grouped: dict[int, list[Stage]] = {}
        for stage in Stage.objects.order_by("order", "id"):
            grouped.setdefault(stage.pipeline_id, []).append(stage)
        every = context.cache["stages"] = {pk: _stage_index(stages) for pk, stages in grouped.items()}
    if pipeline.pk not in every:
        # Forgotten if the row fails: the pipeline may be one it made, and its id may come back.
        _remember(
            context, every, pipeline.pk, _stage_index(Stage.objects.filter(pipeline=pipeline).order_by("order", "id"))
        )
    return every[pipeline.pk]


def find_stage(
    context: Context, pipeline: Pipeline | Pending, text: str, field: str = "stage", *, writing: bool
) -> Stage | Pending | None:
    """A stage of the pipeline by name (in any language for the seeded ones) or id; None for an empty text.

    An unknown stage is added to the pipeline (as an open stage, before won and lost) when the
    options say so and the importer may change the sales settings.
    """
    text = one_line(text)
    if not text:
        return None
    found: Stage | Pending | None
    if isinstance(pipeline, Pending):
        # The pipeline is still to be made: it will start with the first stages every pipeline has.
        seeded = _seed_translations()
        first = set().union(*(seeded[fold(name, None)] for name, *_rest in FIRST_STAGES))
        found = Pending(text) if fold(text, None) in first else None
    else:
        index = _stages(context, pipeline)
        found = (index.get(f"#{text}") if text.isdigit() else None) or index.get(fold(text, None))
    if found is not None:
        return found
    if context.options.unknown_values != "create":
        message = _("“%(stage)s” is not a stage of the pipeline “%(pipeline)s”.")
        raise Invalid(errors={field: [message % {"stage": text, "pipeline": pipeline}]})
    if not policy.can_in_module(context.actor, SALES_SETTINGS, Action.EDIT):
        message = _("“%(stage)s” is not a stage of the pipeline “%(pipeline)s”, and you may not add stages.")
        raise Invalid(errors={field: [message % {"stage": text, "pipeline": pipeline}]})
    if not writing or isinstance(pipeline, Pending):
        return Pending(text)
    try:
        made = add_stage(actor=context.actor, pipeline=pipeline, name=text)
    except Invalid as refused:
        raise Invalid(errors={field: _messages(refused)}) from None
    _remember(context, _stages(context, pipeline), fold(text, None), made)
    return made


# ---------------------------------------------------------------------------------------------
# Taxes and currencies
# ---------------------------------------------------------------------------------------------


def _rate(text: str) -> Decimal | None:
    """ "20", "20 %", "20,0%", "5.5" → the rate; None when the text is no number."""
    cleaned = text.replace("%", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        rate = Decimal(cleaned)
    except InvalidOperation:
        return None
    return rate if rate.is_finite() else None


def find_tax(context: Context, text: str, field: str = "tax", *, current: Tax | None = None) -> Tax:
    """A tax by name, or by rate when one tax in use has it; an archived one only if the product has it already."""
    text = one_line(text)
    taxes = context.cache.get("taxes")
    if taxes is None:
        taxes = context.cache["taxes"] = list(Tax.objects.order_by("archived", "order", "id"))
    folded = fold(text, None)
    found = [tax for tax in taxes if fold(tax.name, None) == folded]
    rate = _rate(text) if not found else None
    if rate is not None:
        found = [tax for tax in taxes if tax.rate == rate and (not tax.archived or tax == current)]
        if len(found) > 1:
            message = _("Several taxes have the rate “%(rate)s”: give the tax's name.") % {"rate": text}
            raise Invalid(errors={field: [message]})
    if not found:
        raise Invalid(errors={field: [_("No tax is named or rated “%(text)s”.") % {"text": text}]})
    tax = found[0]
    if tax.archived and tax != current:
        raise Invalid(errors={field: [_("The tax “%(tax)s” is archived: choose one in use.") % {"tax": tax}]})
    return tax


def find_currency(context: Context, text: str, field: str = "currency") -> Currency:
    """A currency in use by its ISO code, or by its symbol when only one currency in use has it."""
    index = context.cache.get("currencies")
    if index is None:
        index = {}
        by_symbol: dict[str, list[Currency]] = {}
        for currency in Currency.objects.filter(active=True):
            index[currency.code] = currency
            if currency.symbol:
                by_symbol.setdefault(currency.symbol.upper(), []).append(currency)
        for symbol, currencies in by_symbol.items():
            if len(currencies) == 1:
                index.setdefault(symbol, currencies[0])
        context.cache["currencies"] = index
    code = one_line(text).upper()
    found = index.get(code)
    if found is None:
        raise Invalid(errors={field: [_("Unknown currency: %(code)s.") % {"code": code or "—"}]})
    return found


# ---------------------------------------------------------------------------------------------
# External ids (the ids records had in the system they come from)
# ---------------------------------------------------------------------------------------------


def keyed_ids(target: str, keys: Iterable[str]) -> dict[str, int]:
    """{external id: record id} for the keys an earlier import of this target recorded."""
    keys = list({key[:200] for key in keys if key})
    if not keys:
        return {}
    return dict(SourceKey.objects.filter(target=target, key__in=keys).values_list("key", "object_id"))


def remember_keys(target: str, model: type[models.Model], pairs: list[tuple[str, int]]) -> None:
    """Record the external ids of saved records; a key kept for a record since deleted moves to the new one.

    A key that still names a live record keeps it: "create anyway" does not take the old
    record's id away from it.
    """
    wanted = {key[:200]: object_id for key, object_id in pairs if key}
    if not wanted:
        return
    existing = dict(SourceKey.objects.filter(target=target, key__in=list(wanted)).values_list("key", "object_id"))
    alive = set(model._default_manager.filter(pk__in=list(existing.values())).values_list("pk", flat=True))
    stale = [key for key, object_id in existing.items() if object_id not in alive]
    if stale:
        SourceKey.objects.filter(target=target, key__in=stale).delete()
    SourceKey.objects.bulk_create(
        [
            SourceKey(target=target, key=key, object_id=object_id)
            for key, object_id in wanted.items()
            if key not in existing or key in stale
        ],
        ignore_conflicts=True,
    )


def forget_keys(target: str, ids: Iterable[int]) -> None:
    """Drop the external ids of records an undo removed: a later import must not find them."""
    SourceKey.objects.filter(target=target, object_id__in=list(ids)).delete()


def stamp_of(moment: datetime | None) -> str:
    """A record's update time as the stamp undo compares, in UTC (as the database gives it back)."""
    return moment.astimezone(UTC).isoformat() if moment else ""
