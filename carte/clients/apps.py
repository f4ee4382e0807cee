from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "carte.clients"
    label = "clients"
    verbose_name = _("Clients")

    def ready(self):
        from carte.clients import permissions  # noqa: F401 - registers the policies

        self._register_card()
        self._register_navigation()

    def _register_card(self):
        """The card's own tabs and timeline kinds; other apps add theirs the same way."""
        from carte.clients import card, views

        card.register_tab("overview", _("Overview"), "clients/tabs/overview.html", context=views.overview_tab, order=10)
        card.register_tab(
            "contacts",
            _("Contacts"),
            "clients/tabs/contacts.html",
            context=views.contacts_tab,
            order=20,
            count=views.contacts_count,
        )
        card.register_tab("history", _("History"), "clients/tabs/history.html", context=views.history_tab, order=900)
        card.register_timeline_kind("created", _("Created"))
        card.register_timeline_kind("updated", _("Updated"))
        card.register_timeline_kind("note", _("Note"))
        card.register_timeline_kind("contact", _("Contact"))

    def _register_navigation(self):
        from carte.clients.queries import progress_of, search_hits
        from carte.core import navigation
        from carte.core.navigation import Link

        navigation.add_menu(Link("clients", _("Clients"), "clients:list", "clients", icon="clients", order=10))
        navigation.add_action(
            Link("new-client", _("New client"), "clients:create", "clients", action="create", order=10, shortcut="c")
        )
        navigation.add_search(search_hits)
        navigation.add_progress(progress_of)
