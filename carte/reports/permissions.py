"""Access policy for reports: the adoption view.

Everyone sees their own figures; a manager their department's employees and client cards;
an administrator the whole company.
"""

from django.utils.translation import gettext_lazy as _

from carte.core import policy

policy.register_module(
    "reports",
    _("Reports"),
    {
        "manager": {"view": policy.Scope.DEPARTMENT},
        "sales": {"view": policy.Scope.OWN},
        "marketing": {"view": policy.Scope.OWN},
        "service": {"view": policy.Scope.OWN},
        "readonly": {"view": policy.Scope.OWN},
    },
)
