from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "carte.workspace"
    label = "workspace"
    verbose_name = _("Workspace")

    def ready(self):
        from carte.clients import card

        # The demo company's history has calls, emails and meetings before the modules that
        # will own those kinds exist; registering again later simply replaces the label.
        card.register_timeline_kind("call", _("Call"))
        card.register_timeline_kind("email", _("Email"))
        card.register_timeline_kind("meeting", _("Meeting"))
