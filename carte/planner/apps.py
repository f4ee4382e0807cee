from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlannerConfig(AppConfig):
    """Registers the planner's menu entries, card tab, timeline kinds and progress figures."""

    name = "carte.planner"
    label = "planner"
    verbose_name = _("Planner")

    def ready(self):
        from carte.planner import permissions  # noqa: F401 - registers the policies

        self._register_tasks()
        self._register_calendar()

    def _register_tasks(self):
        """Tasks: the "Planner" menu entry, "New task", the card's Tasks tab and timeline kind, the
        "My tasks today" strip, the progress figure, the search provider and the clients merge hook."""
        from carte.clients import card
        from carte.clients.services.merge import register_merge_hook
        from carte.core import navigation
        from carte.core.navigation import Link, StripSource
        from carte.planner.models import Task
        from carte.planner.queries import tasks as task_queries
        from carte.planner.services.tasks import move_merged_tasks
        from carte.planner.views import tasks as task_views

        navigation.add_menu(Link("planner", _("Planner"), "planner:task_list", "tasks", icon="tasks", order=25))
        navigation.add_action(
            Link("new-task", _("New task"), "planner:task_create", "tasks", action="create", order=30, shortcut="t")
        )
        navigation.add_strip(StripSource("tasks", _("My tasks today"), task_queries.my_day, order=20))
        navigation.add_progress(task_queries.today_figures)
        navigation.add_search(task_queries.search_hits)
        card.register_tab(
            "tasks",
            _("Tasks"),
            "planner/tasks/client_tab.html",
            context=task_views.client_tab,
            order=50,
            count=task_views.client_tab_count,
            module="tasks",
        )
        card.register_timeline_kind("task", _("Task"), model=Task)
        register_merge_hook(move_merged_tasks)

    def _register_calendar(self):
        """The calendar: the "Calendar" menu entry (day, week and month views, the phone feed)."""
        from carte.core import navigation
        from carte.core.navigation import Link

        navigation.add_menu(Link("calendar", _("Calendar"), "planner:calendar", "tasks", icon="calendar", order=26))
