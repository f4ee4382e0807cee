"""Access policy for clients: a client belongs to its owner and, through them, to a department.

Phones, emails, contact links and timeline entries follow the client they belong to.
"""

from django.utils.translation import gettext_lazy as _

from carte.clients.models import Client, Contact, Email, Phone, TimelineEntry
from carte.core import policy

ALL, DEPT, OWN = policy.Scope.ALL, policy.Scope.DEPARTMENT, policy.Scope.OWN
EVERYTHING = dict.fromkeys(policy.Action.values, ALL)

policy.register_module(
    "clients",
    _("Clients"),
    {
        "manager": EVERYTHING,
        "sales": {"view": DEPT, "create": OWN, "edit": OWN, "export": OWN},
        "marketing": {"view": ALL, "create": OWN, "edit": OWN, "export": ALL},
        "service": {"view": ALL, "create": OWN, "edit": DEPT},
        "readonly": {"view": ALL},
    },
)

# Reference lists and custom fields: every employee reads them (forms and the API need them);
# changing them, and the settings screens with their usage counts, need this module's rights.
policy.register_module("directories", _("Reference lists and custom fields"), {"manager": {"view": ALL}})

policy.register(Client, policy.ModelPolicy("clients"))
for part in (Phone, Email, TimelineEntry):
    policy.register(part, policy.ModelPolicy("clients", "client__owner", "client__owner__department"))
policy.register(Contact, policy.ModelPolicy("clients", "company__owner", "company__owner__department"))
