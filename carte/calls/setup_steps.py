"""The calls side of the setup checklist: the telephony connection."""

from django.utils.translation import gettext_lazy as _

from carte.calls.models import Connection
from carte.core.setup import SetupStep, add_step


def telephony_connected() -> bool:
    """A phone system is connected (an active connection, webhook or Asterisk)."""
    return Connection.objects.filter(active=True).exists()


def register() -> None:
    """Called by CallsConfig.ready()."""
    add_step(
        SetupStep(
            "telephony",
            _("Telephony"),
            _(
                "Connected to your phone system, Carte logs every call on the client's card and shows who is calling. "
                "Without it, people have to write their calls down by hand."
            ),
            "calls:connection_list",
            telephony_connected,
            order=80,
        )
    )
