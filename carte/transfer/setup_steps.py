"""The import side of the setup checklist: the old data brought in."""

from django.utils.translation import gettext_lazy as _

from carte.core.setup import SetupStep, add_step
from carte.transfer.models import Import


def old_data_imported() -> bool:
    """An import ran to its end and was not undone."""
    return Import.objects.filter(status=Import.Status.DONE, undone_at__isnull=True).exists()


def register() -> None:
    """Called by TransferConfig.ready()."""
    add_step(
        SetupStep(
            "import",
            _("Import of the old data"),
            _(
                "Clients and contacts from your spreadsheets or old CRM belong in Carte from the first day. "
                "A dry run shows what would be created before anything is written, and an import can be undone."
            ),
            "transfer:import_new",
            old_data_imported,
            order=90,
        )
    )
