from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    """Backups: registers the policy, the daily job and the Backups page among the settings pages."""

    name = "carte.backups"
    label = "backups"
    verbose_name = _("Backups")

    def ready(self):
        from carte.backups import permissions, tasks  # noqa: F401 - register the policy and the jobs
        from carte.core import navigation
        from carte.core.navigation import Link

        navigation.add_settings_page(
            Link("backups", _("Backups"), "backups:backup_list", "backups", icon="backups", order=70)
        )
        from carte.backups import setup_steps

        setup_steps.register()  # the setup checklist: a verified backup
