from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "carte.workspace"
    label = "workspace"
    verbose_name = _("Workspace")

    def ready(self):
        from carte.clients import card

        # The demo company's history has emails and meetings before the modules that will own
        # those kinds exist; registering again later simply replaces the label. ("call" is
        # registered by carte.calls.)
        card.register_timeline_kind("email", _("Email"))
        card.register_timeline_kind("meeting", _("Meeting"))

        from carte.workspace.notifications import subscribers

        subscribers.subscribe_all()
