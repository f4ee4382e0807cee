"""The accounts side of the setup checklist: employees, departments and roles; outgoing mail.

Mail is here because accounts sends the first emails anyone receives from Carte: invitations
and password resets (notifications by email follow). Its screen is in the knowledge app, which
shows how mail is configured; this module names it by its route only.
"""

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from carte.accounts.models import Employee
from carte.core.setup import SetupStep, add_step


def team_set_up() -> bool:
    """More than one active employee, at least one of them in a department, and every one of them with a role."""
    counts = Employee.objects.filter(is_active=True).aggregate(
        people=Count("pk"),
        without_role=Count("pk", filter=Q(role__isnull=True)),
        departments=Count("department", distinct=True),
    )
    return counts["people"] > 1 and counts["departments"] > 0 and counts["without_role"] == 0


def mail_configured() -> bool:
    """CARTE_EMAIL_URL names a mail server: with console:// (the default) emails only reach the server's log."""
    return not str(settings.EMAIL_URL).startswith("console:")


def register() -> None:
    """Called by AccountsConfig.ready()."""
    add_step(
        SetupStep(
            "team",
            _("Employees, departments and roles"),
            _(
                "Everyone logs in with their own account, and a department decides whose clients a manager sees. "
                "Give each role only the rights its people need: a seller rarely needs to delete or export."
            ),
            "accounts:employee_list",
            team_set_up,
            order=30,
        )
    )
    add_step(
        SetupStep(
            "mail",
            _("Outgoing mail"),
            _(
                "Invitations, password resets and notifications reach people only through a mail server. "
                "Until one is configured, these emails are written to the server's log and nobody receives them."
            ),
            "knowledge:setup_mail",
            mail_configured,
            order=70,
        )
    )
