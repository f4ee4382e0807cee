"""The steps that build the benchmark's data set, in the order they run.

A later module (deals, tasks, calls…) adds a file here with its step functions and a line
below each; its steps run after the clients exist and find them in `load.clients`.
"""

from bench.generate import Step
from bench.steps import accounts, clients, deals, planner, references, timeline

STEPS = [
    Step("employees", accounts.employees),
    Step("reference values", references.reference_values),
    Step("custom fields", references.custom_fields),
    Step("search index off", clients.search_index_off),
    Step("clients", clients.clients),
    Step("phones", clients.phones),
    Step("emails", clients.emails),
    Step("tax ids", clients.tax_ids),
    Step("messengers", clients.messengers),
    Step("tags", clients.tags),
    Step("custom values", clients.custom_values),
    Step("contacts", clients.contacts),
    Step("search index", clients.search_index),
    Step("timeline", timeline.timeline),
    Step("catalogue", deals.catalogue),
    Step("deals", deals.deals),
    Step("extensions", planner.extensions),
    Step("tasks", planner.tasks),
]
