"""Reading the setup: the checklist with its progress, the first-run wizard's state, and whether it is due.

The steps come from the apps (carte.core.setup): each knows from its own data whether it is
done. Only who holds the "setup" rights (administrators by default) reads them; the workspace
asks `may_set_up` before it shows the card, which costs no query (the rights are read once
per request anyway).
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, Q
from django.urls import reverse

from carte.accounts.models import Role
from carte.accounts.setup_steps import mail_configured
from carte.clients.models import Client
from carte.core import policy, setup
from carte.knowledge.models import Rollout
from carte.sales.models import Currency, LegalEntity
from carte.sales.queries.company import default_entity

MODULE = "setup"
NEXT_STEPS = 3  # undone steps the card on the home page names

# The wizard's screens in order; "done" sums up and finishes.
WIZARD_STEPS = ("company", "money", "language", "team", "done")


@dataclass(frozen=True)
class StepState:
    """One step of the checklist as shown: its texts in the reader's language, its screen, whether it is done."""

    key: str
    label: str
    why: str
    url: str
    done: bool


@dataclass(frozen=True)
class Checklist:
    """Every step with its state, in order, and the progress."""

    steps: list[StepState]

    @property
    def done(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.steps else 100

    @property
    def complete(self) -> bool:
        return self.done == self.total

    @property
    def next_steps(self) -> list[StepState]:
        """The first few steps not done yet, for the card on the home page."""
        return [step for step in self.steps if not step.done][:NEXT_STEPS]


def may_set_up(actor) -> bool:
    """May this user read the checklist? No query: the user's rights are read once per request."""
    return policy.can_in_module(actor, MODULE, policy.Action.VIEW)


def checklist_for(actor) -> Checklist:
    """The checklist (one or two small queries per step); NotAllowed without the "setup" view right."""
    policy.require_in_module(actor, MODULE, policy.Action.VIEW)
    return Checklist(
        [
            StepState(key=step.key, label=str(step.label), why=str(step.why), url=reverse(step.url_name), done=done)
            for step, done in setup.checklist()
        ]
    )


def rollout() -> Rollout:
    """The rollout's row, or an unsaved one with the defaults before anything was saved."""
    return Rollout.current()


def wizard_state_for(actor) -> Rollout:
    """Where the wizard stands, for who may run it (NotAllowed otherwise)."""
    policy.require_in_module(actor, MODULE, policy.Action.EDIT)
    return rollout()


def resume_step_for(actor) -> str:
    """The screen the wizard goes on from: the one after the last saved, the first one before any."""
    step = wizard_state_for(actor).wizard_step
    return step if step in WIZARD_STEPS else WIZARD_STEPS[0]


def wizard_due_for(actor) -> bool:
    """Should this user be taken to the first-run wizard? One query for who may run it, none for others.

    Due on a brand-new installation: the wizard was never finished nor put aside, there is no
    legal entity and no client (demo data makes both), and the user is the only active
    employee (the first administrator, as `carte init` makes them: an installation where
    colleagues already have accounts is being set up by someone already).
    """
    if not policy.can_in_module(actor, MODULE, policy.Action.EDIT):
        return False
    employees = get_user_model().objects
    state = (
        employees.filter(pk=actor.pk)
        .values(
            closed=Exists(
                Rollout.objects.filter(Q(wizard_finished_at__isnull=False) | Q(wizard_skipped_at__isnull=False))
            ),
            entity=Exists(LegalEntity.objects.all()),
            clients=Exists(Client.objects.all()),
            colleagues=Exists(employees.filter(is_active=True).exclude(pk=actor.pk)),
        )
        .first()
    )
    return state is not None and not any(state.values())


def company_for(actor) -> LegalEntity | None:
    """The default legal entity the wizard's first screen fills (None before there is one)."""
    policy.require_in_module(actor, MODULE, policy.Action.EDIT)
    return default_entity()


def currencies_for(actor) -> list[Currency]:
    """Every known currency for the base currency's choice: those in use first, then by code."""
    policy.require_in_module(actor, MODULE, policy.Action.EDIT)
    return list(Currency.objects.order_by("-active", "code"))


def roles_for(actor) -> list[Role]:
    """The roles the wizard offers to the people it invites, by name."""
    policy.require_in_module(actor, MODULE, policy.Action.EDIT)
    return list(Role.objects.order_by("name"))


@dataclass(frozen=True)
class MailConfiguration:
    """Outgoing mail as the server is configured (CARTE_EMAIL_URL, CARTE_FROM_EMAIL, CARTE_BASE_URL); no password."""

    configured: bool
    host: str
    port: str
    user: str
    security: str  # "tls", "ssl" or ""
    sender: str
    base_url: str


def mail_configuration_for(actor) -> MailConfiguration:
    """How outgoing mail is configured now, for who may read the checklist."""
    policy.require_in_module(actor, MODULE, policy.Action.VIEW)
    configured = mail_configured()
    security = (
        "tls"
        if getattr(settings, "EMAIL_USE_TLS", False)
        else "ssl"
        if getattr(settings, "EMAIL_USE_SSL", False)
        else ""
    )
    return MailConfiguration(
        configured=configured,
        host=str(getattr(settings, "EMAIL_HOST", "")) if configured else "",
        port=str(getattr(settings, "EMAIL_PORT", "")) if configured else "",
        user=str(getattr(settings, "EMAIL_HOST_USER", "")) if configured else "",
        security=security if configured else "",
        sender=settings.DEFAULT_FROM_EMAIL,
        base_url=settings.BASE_URL,
    )
