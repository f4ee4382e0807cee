"""The first-run wizard's saves: the company, the money, the language and time zone, the first invitations.

Each screen saves through the service that owns the data (sales for the company and the
currency, accounts for the profile and the invitations), so the wizard obeys the same rules
and leaves the same audit entries as the settings screens. The rollout's row remembers where
the wizard stands (the screen to go on from), whether it was finished or put aside, and the
company's language and time zone, which invited employees start with. A screen saves all of
its values or none: a refusal leaves everything as it was.
"""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from carte.accounts.models import TIME_ZONES, Employee, Role
from carte.accounts.services import invite_employee, update_profile
from carte.core import audit, policy
from carte.core.errors import Invalid
from carte.core.money import ZERO, parse_decimal
from carte.knowledge.models import Rollout
from carte.knowledge.queries.setup import MODULE, WIZARD_STEPS
from carte.sales.models import Currency, LegalEntity, Tax
from carte.sales.queries.company import default_entity
from carte.sales.services.company import create_legal_entity, update_legal_entity
from carte.sales.services.money import create_tax, restore_tax, review_money_settings

ROLLOUT_FIELDS = ["wizard_step", "wizard_finished_at", "wizard_skipped_at", "language", "time_zone"]
COMPANY_FIELDS = ("name", "legal_name", "address", "email", "phone")
MAX_TAX_RATE = Decimal(100)


def _require(actor) -> None:
    policy.require_in_module(actor, MODULE, policy.Action.EDIT)


def _save_rollout(actor, rollout: Rollout, before: dict) -> Rollout:
    rollout.save()
    changes = audit.diff(before, audit.snapshot(rollout, ROLLOUT_FIELDS))
    if changes:
        audit.record(actor, audit.Verb.UPDATE, rollout, changes=changes)
    return rollout


def _check_step(step: str) -> str:
    if step not in WIZARD_STEPS:
        raise Invalid(errors={"step": [_("There is no such screen in the wizard.")]})
    return step


def _advance(actor, step: str) -> Rollout:
    """Remember the screen the wizard goes on from."""
    rollout = Rollout.locked()
    before = audit.snapshot(rollout, ROLLOUT_FIELDS)
    rollout.wizard_step = _check_step(step)
    return _save_rollout(actor, rollout, before)


def _after(step: str) -> str:
    return WIZARD_STEPS[min(WIZARD_STEPS.index(step) + 1, len(WIZARD_STEPS) - 1)]


# ---------------------------------------------------------------------------------------------
# The screens
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def save_company(*, actor, name, legal_name, address, email="", phone="") -> LegalEntity:
    """Screen 1: create the company's legal entity, or change the default one when there is one already.

    The legal address is required here (documents print it); the rest follows the legal
    entity's own rules (sales.services.company).
    """
    _require(actor)
    if not " ".join(str(address or "").split()):
        raise Invalid(errors={"address": [_("Enter the legal address: documents print it.")]})
    values = dict(zip(COMPANY_FIELDS, (name, legal_name, address, email, phone), strict=True))
    entity = default_entity()
    if entity is None:
        entity = create_legal_entity(actor=actor, **values)
    else:
        entity = update_legal_entity(actor=actor, entity=entity, **values)
    _advance(actor, _after("company"))
    return entity


def _parse_tax_rate(value) -> Decimal | None:
    if value is None or not str(value).strip():
        return None
    rate = parse_decimal(value, "tax_rate", digits=2, minimum=ZERO)
    if rate > MAX_TAX_RATE:
        raise Invalid(errors={"tax_rate": [_("A tax rate is at most 100 %.")]})
    return rate


def _tax_at(actor, rate: Decimal) -> Tax:
    """The tax at this rate (not included in prices): the one there is, restored if archived, or a new one."""
    found = Tax.objects.filter(rate=rate, included=False).order_by("archived", "order", "id").first()
    if found is not None:
        return restore_tax(actor=actor, tax=found) if found.archived else found
    name = _("VAT %(rate)s %%") % {"rate": formats.number_format(rate)}
    try:
        return create_tax(actor=actor, name=name, rate=rate)
    except Invalid as refused:  # a tax of that name exists at another rate or included in prices
        messages = [message for field_messages in refused.errors.values() for message in field_messages]
        raise Invalid(errors={"tax_rate": messages}) from None


@transaction.atomic
def save_money(*, actor, currency, tax_rate=None) -> Currency:
    """Screen 2: the base currency (switched on if it was not) and, optionally, the default tax rate.

    The company's legal entity, when there is one, takes them as its default currency and tax.
    Choosing the base currency it already was counts as reviewing it (see sales.setup_steps).
    """
    _require(actor)
    code = str(getattr(currency, "code", currency) or "").strip().upper()
    errors: dict = {}
    chosen = Currency.objects.filter(code=code[:3]).first() if code else None
    if chosen is None:
        errors["currency"] = [_("Choose the base currency among the known ones.")]
    rate = None
    try:
        rate = _parse_tax_rate(tax_rate)
    except Invalid as refused:
        errors |= refused.errors
    if errors or chosen is None:
        raise Invalid(errors=errors)
    base = review_money_settings(actor=actor, currency=chosen)
    tax = _tax_at(actor, rate) if rate is not None else None
    entity = default_entity()
    if entity is not None:
        values: dict = {"default_currency": base.code}
        if tax is not None:
            values["default_tax"] = tax.pk
        update_legal_entity(actor=actor, entity=entity, **values)
    _advance(actor, _after("money"))
    return base


@transaction.atomic
def save_language(*, actor, language, time_zone) -> Rollout:
    """Screen 3: the administrator's own language and time zone, which also become the company's defaults.

    Employees invited from now on start with them.
    """
    _require(actor)
    errors: dict = {}
    if language not in dict(settings.LANGUAGES):
        choices = ", ".join(code for code, _name in settings.LANGUAGES)
        errors["language"] = [_("Choose one of: %(choices)s.") % {"choices": choices}]
    if time_zone not in TIME_ZONES:
        errors["time_zone"] = [_("“%(zone)s” is not a known time zone.") % {"zone": str(time_zone)[:60]}]
    if errors:
        raise Invalid(errors=errors)
    update_profile(actor=actor, language=language, time_zone=time_zone)
    rollout = Rollout.locked()
    before = audit.snapshot(rollout, ROLLOUT_FIELDS)
    rollout.language, rollout.time_zone, rollout.wizard_step = language, time_zone, _after("language")
    return _save_rollout(actor, rollout, before)


@transaction.atomic
def invite_team(*, actor, people: list[dict]) -> list[Employee]:
    """Screen 4: invite the first employees, each {"first_name", "last_name", "email", "role"}: all or none.

    Each gets an email to choose a password, and the company's language and time zone. A
    refusal names the row's fields as "email_0", "first_name_2"… (the row counts from 0) and
    invites nobody. No one to invite is allowed: the screen may be passed.
    """
    _require(actor)
    rollout = Rollout.locked()
    invited: list[Employee] = []
    errors: dict = {}
    for row, person in enumerate(people):
        role = person.get("role")
        if role is not None and not isinstance(role, Role):
            role = Role.objects.filter(pk=role).first() if str(role).isdigit() else None
            if role is None:
                errors[f"role_{row}"] = [_("This role does not exist.")]
                continue
        try:
            with transaction.atomic():  # a savepoint: the other rows are still checked
                invited.append(
                    invite_employee(
                        actor=actor,
                        email=person.get("email", ""),
                        first_name=person.get("first_name", ""),
                        last_name=person.get("last_name", ""),
                        role=role,
                        language=rollout.language,
                        time_zone=rollout.time_zone,
                    )
                )
        except Invalid as refused:
            errors |= {f"{name}_{row}": messages for name, messages in refused.errors.items()}
    if errors:
        raise Invalid(errors=errors)
    _advance(actor, _after("team"))
    return invited


# ---------------------------------------------------------------------------------------------
# Leaving and finishing
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def skip_wizard(*, actor, step: str) -> Rollout:
    """Put the wizard aside at `step`: the home page no longer leads to it; Getting started resumes it there."""
    _require(actor)
    rollout = Rollout.locked()
    before = audit.snapshot(rollout, ROLLOUT_FIELDS)
    rollout.wizard_step = _check_step(step)
    if rollout.wizard_skipped_at is None:
        rollout.wizard_skipped_at = timezone.now()
    return _save_rollout(actor, rollout, before)


@transaction.atomic
def finish_wizard(*, actor) -> Rollout:
    """The wizard is done: the home page no longer leads to it (it stays open from Getting started)."""
    _require(actor)
    rollout = Rollout.locked()
    before = audit.snapshot(rollout, ROLLOUT_FIELDS)
    rollout.wizard_step = WIZARD_STEPS[-1]
    if rollout.wizard_finished_at is None:
        rollout.wizard_finished_at = timezone.now()
    return _save_rollout(actor, rollout, before)
