from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlannerConfig(AppConfig):
    """Registers the planner's menu entries, card tab, timeline kinds and progress figures."""

    name = "carte.planner"
    label = "planner"
    verbose_name = _("Planner")

    def ready(self):
        from carte.planner import permissions  # noqa: F401 - registers the policies
