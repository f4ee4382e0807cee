from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Reports: the adoption view (who uses Carte, how complete the client cards are)."""

    name = "carte.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from carte.core import navigation
        from carte.core.navigation import Link
        from carte.reports import permissions, tasks  # noqa: F401 - register the policies and the jobs

        navigation.add_menu(Link("reports", _("Reports"), "reports:adoption", "reports", icon="reports", order=60))
