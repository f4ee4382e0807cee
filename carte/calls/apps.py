from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    """Registers the call log's menu entry, card tab, timeline kind and progress figures."""

    name = "carte.calls"
    label = "calls"
    verbose_name = _("Calls")

    def ready(self):
        from carte.calls import permissions  # noqa: F401 - registers the policies
