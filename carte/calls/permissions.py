"""Access policy for calls: a call follows the employee who took or made it.

Calls that matched no employee (an unknown extension) are reached with scope "all" only.
Telephony connections are settings: only those who hold "telephony" rights see them.
"""

from django.utils.translation import gettext_lazy as _

from carte.calls.models import Call, CallEvent, Connection
from carte.core import policy

ALL, DEPT, OWN = policy.Scope.ALL, policy.Scope.DEPARTMENT, policy.Scope.OWN

policy.register_module(
    "calls",
    _("Calls"),
    {
        "manager": dict.fromkeys(policy.Action.values, DEPT),
        "sales": {"view": OWN, "create": OWN, "edit": OWN, "export": OWN},
        "marketing": {"view": OWN, "create": OWN, "edit": OWN},
        "service": {"view": OWN, "create": OWN, "edit": OWN},
        "readonly": {"view": ALL},
    },
)
policy.register_module("telephony", _("Telephony connections"))

policy.register(Call, policy.ModelPolicy("calls", "employee", "employee__department"))
for setting in (Connection, CallEvent):
    policy.register(setting, policy.ModelPolicy("telephony", None, None))
