"""Access policy for imports: an import belongs to who uploaded it.

Running an import needs the "imports" right, and every row still goes through the policy of
the records it writes (an "own"-scope seller imports clients they own themselves). Undoing
an import is deleting it. Exports need no module of their own: each list's "export" right
decides, and a prepared file is only ever handed to who asked for it.
"""

from django.utils.translation import gettext_lazy as _

from carte.core import policy
from carte.transfer.models import Import

ALL, DEPT, OWN = policy.Scope.ALL, policy.Scope.DEPARTMENT, policy.Scope.OWN
OWN_IMPORTS = {"view": OWN, "create": OWN, "delete": OWN}

policy.register_module(
    "imports",
    _("Imports"),
    {
        "manager": {"view": DEPT, "create": DEPT, "delete": DEPT},
        "sales": OWN_IMPORTS,
        "marketing": OWN_IMPORTS,
        "service": OWN_IMPORTS,
    },
)
policy.register(Import, policy.ModelPolicy("imports"))
