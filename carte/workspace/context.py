"""The `workspace` template variable: the menu, actions, strips and panels around the work area."""

from dataclasses import replace
from functools import cached_property

from carte.core import navigation
from carte.workspace import queries


class Workspace:
    """Everything the layout shows around the work area, for the user of one request.

    Each part is read the first time a template asks for it, so a fragment or an error
    page that shows no panel costs no query.
    """

    def __init__(self, request):
        self.user = getattr(request, "user", None)
        self.path = request.path

    @cached_property
    def menu(self) -> list[queries.Entry]:
        # A module's pages live under its menu address: /clients/42/ keeps "Clients" marked.
        return [
            replace(entry, current=entry.url != "/" and self.path.startswith(entry.url))
            for entry in queries.entries_for(self.user, navigation.menu)
        ]

    @cached_property
    def actions(self) -> list[queries.Entry]:
        return queries.entries_for(self.user, navigation.actions)

    @cached_property
    def settings_pages(self) -> list[queries.Entry]:
        return queries.entries_for(self.user, navigation.settings_pages)

    @cached_property
    def progress(self) -> list[navigation.Figure]:
        return queries.progress_for(self.user)

    @cached_property
    def strips(self) -> list[queries.Strip]:
        return queries.strips_for(self.user)


def workspace(request):
    return {"workspace": Workspace(request)}
