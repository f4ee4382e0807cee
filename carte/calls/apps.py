from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    """Registers the call log's menu entry, card tab, timeline kind and progress figures."""

    name = "carte.calls"
    label = "calls"
    verbose_name = _("Calls")

    def ready(self):
        from carte.calls import (
            permissions,  # noqa: F401 - registers the policies
            queries,
        )
        from carte.calls.models import Call
        from carte.calls.services import move_merged_calls
        from carte.calls.views import calls as call_views
        from carte.clients import card
        from carte.clients.services.merge import register_merge_hook
        from carte.core import navigation
        from carte.core.navigation import Link

        navigation.add_menu(Link("calls", _("Calls"), "calls:call_list", "calls", icon="calls", order=27))
        navigation.add_action(
            Link("new-call", _("New call"), "calls:call_log", "calls", action="create", order=27, shortcut="k")
        )
        navigation.add_settings_page(
            Link("telephony", _("Telephony"), "calls:connection_list", "telephony", icon="calls", order=50)
        )
        navigation.add_progress(queries.calls_today)
        card.register_tab(
            "calls",
            _("Calls"),
            "calls/client_tab.html",
            context=call_views.client_calls_tab,
            order=45,
            count=call_views.client_calls_count,
            module="calls",
        )
        card.register_timeline_kind("call", _("Call"), model=Call)
        register_merge_hook(move_merged_calls)
        from carte.calls import setup_steps

        setup_steps.register()  # the setup checklist: telephony
