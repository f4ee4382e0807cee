"""The kinds of records an import can write, by key: clients, deals, products, tasks, notes."""

from functools import cache

from django.utils.module_loading import import_string

from carte.transfer.targets.base import Target

# key → the Target class; imported on first use so that loading the app loads no domain services.
PATHS = {
    "clients": "carte.transfer.targets.clients.ClientsTarget",
    "deals": "carte.transfer.targets.deals.DealsTarget",
    "products": "carte.transfer.targets.products.ProductsTarget",
    "tasks": "carte.transfer.targets.tasks.TasksTarget",
    "notes": "carte.transfer.targets.notes.NotesTarget",
}


@cache
def target(key: str) -> Target:
    """The target of this key; KeyError for an unknown one."""
    return import_string(PATHS[key])()


def targets() -> list[Target]:
    return [target(key) for key in PATHS]
