from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    """The knowledge base, the onboarding of new employees, the setup checklist and the first-run wizard."""

    name = "carte.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self):
        from carte.knowledge import permissions  # noqa: F401 - registers the policies

        self._register_articles()
        self._register_onboarding()
        self._register_setup()

    def _register_setup(self):
        """Settings → Getting started (first of the settings pages) and the knowledge base's checklist step."""
        from carte.core import navigation
        from carte.core.navigation import Link
        from carte.knowledge import setup_steps

        navigation.add_settings_page(
            Link(
                "getting-started", _("Getting started"), "knowledge:setup_checklist", "setup", icon="settings", order=1
            )
        )
        setup_steps.register()

    def _register_articles(self):
        """The knowledge base's menu entry, its global search, the modules' help links and the starter articles."""
        from django.db.models.signals import post_migrate

        from carte.core import navigation
        from carte.core.navigation import Link
        from carte.knowledge.queries.articles import search_hits
        from carte.knowledge.services.articles import on_post_migrate

        navigation.add_menu(
            Link("knowledge", _("Knowledge base"), "knowledge:article_list", "knowledge", icon="knowledge", order=80)
        )
        navigation.add_search(search_hits)
        navigation.set_help_route("knowledge:help", module="knowledge")
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="carte-knowledge-articles")

    def _register_onboarding(self):
        """Settings → Onboarding, the newcomer's progress line, the events that start and tick onboardings,
        and the default first tasks after migrate."""
        from django.db.models.signals import post_migrate

        from carte.core import events, navigation
        from carte.core.navigation import Link
        from carte.knowledge.queries.onboarding import progress_figures
        from carte.knowledge.services import onboarding

        navigation.add_settings_page(
            Link("onboarding", _("Onboarding"), "knowledge:onboarding_list", "onboarding", "create", "employees", 23)
        )
        navigation.add_progress(progress_figures)
        events.subscribe("employee.created", onboarding.start_for_new_employee)
        events.subscribe("task.completed", onboarding.note_task_completed)
        post_migrate.connect(onboarding.seed_first_tasks, sender=self, dispatch_uid="carte-knowledge-first-tasks")
