from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransferConfig(AppConfig):
    """Import and export: registers the policies and the Import screen in the menu."""

    name = "carte.transfer"
    label = "transfer"
    verbose_name = _("Import and export")

    def ready(self):
        from carte.core import navigation
        from carte.core.navigation import Link
        from carte.transfer import permissions  # noqa: F401 - registers the policies

        # Imports: "Import" among the quick actions, and the list of imports among the settings pages.
        navigation.add_action(
            Link("new-import", _("Import"), "transfer:import_new", "imports", action="create", icon="import", order=90)
        )
        navigation.add_settings_page(
            Link("imports", _("Imports"), "transfer:import_list", "imports", action="create", icon="import", order=60)
        )
        from carte.transfer import setup_steps

        setup_steps.register()  # the setup checklist: import of the old data
