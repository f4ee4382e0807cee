from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "carte.clients"
    label = "clients"
    verbose_name = _("Clients")

    def ready(self):
        from carte.clients import permissions  # noqa: F401 - registers the policies
        from carte.clients.search import restore_index
        from carte.clients.services.references import on_post_migrate

        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="carte-reference-values")
        post_migrate.connect(restore_index, sender=self, dispatch_uid="carte-search-index")

        self._register_card()
        self._register_navigation()
        from carte.clients import setup_steps

        setup_steps.register()  # the setup checklist: reference lists

    def _register_card(self):
        """The card's own tabs and timeline kinds; other apps add theirs the same way."""
        from carte.clients import card
        from carte.clients.queries.references import change_labels
        from carte.clients.views import card as views
        from carte.core.models import register_field_labels

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
        register_field_labels("clients.client", change_labels)  # custom fields and merges in the audit log
        card.register_timeline_kind("created", _("Created"))
        card.register_timeline_kind("updated", _("Updated"))
        card.register_timeline_kind("note", _("Note"))
        card.register_timeline_kind("contact", _("Contact"))
        card.register_timeline_kind("merged", _("Merged"))

    def _register_navigation(self):
        from carte.clients.queries import progress_of, search_hits
        from carte.core import navigation
        from carte.core.navigation import Link

        navigation.add_menu(Link("clients", _("Clients"), "clients:list", "clients", icon="clients", order=10))
        navigation.add_action(
            Link("new-client", _("New client"), "clients:create", "clients", action="create", order=10, shortcut="c")
        )
        navigation.add_search(search_hits)
        # Settings: whoever holds the "directories" view right sees the pages; changes need more.
        navigation.add_settings_page(
            Link("reference-lists", _("Reference lists"), "clients:reference_lists", "directories", order=30)
        )
        navigation.add_settings_page(
            Link("custom-fields", _("Custom fields"), "clients:custom_fields", "directories", order=31)
        )
        navigation.add_progress(progress_of)
