"""The clients side of the setup checklist: the reference lists."""

from django.utils.translation import gettext_lazy as _

from carte.core.models import AuditEntry
from carte.core.setup import SetupStep, add_step


def reference_lists_adapted() -> bool:
    """A person added, renamed, archived, moved or deleted a value (the built-in values are seeded, not chosen)."""
    return AuditEntry.objects.filter(model="clients.referencevalue", actor__isnull=False).exists()


def register() -> None:
    """Called by ClientsConfig.ready()."""
    add_step(
        SetupStep(
            "reference-lists",
            _("Reference lists"),
            _(
                "Statuses, sources, industries and tags are how your team sorts and filters clients. "
                "Use your company's own words, so that everyone picks the same value for the same thing."
            ),
            "clients:reference_lists",
            reference_lists_adapted,
            order=40,
        )
    )
