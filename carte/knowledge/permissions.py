"""Access policy for the knowledge base and onboardings.

Every employee reads the knowledge base: it is how they learn Carte and the company's ways.
Writing articles is for administrators and managers by default; an admin may grant it to
any role. An onboarding belongs to its new employee: they see their own, a manager their
department's, an administrator everyone's.
"""

from django.utils.translation import gettext_lazy as _

from carte.core import policy
from carte.knowledge.models import Article, Category, FirstTask, Onboarding, OnboardingItem, Rollout

ALL, DEPT, OWN = policy.Scope.ALL, policy.Scope.DEPARTMENT, policy.Scope.OWN
READER = {"view": ALL}

policy.register_module(
    "knowledge",
    _("Knowledge base"),
    {
        "manager": dict.fromkeys(policy.Action.values, ALL),
        "sales": READER,
        "marketing": READER,
        "service": READER,
        "readonly": READER,
    },
)
# The setup checklist and the first-run wizard: administrators only (an empty role map), as
# backups; the rollout has no owner, so only the scope "all" reaches it.
policy.register_module("setup", _("Setup"), {})
policy.register_module(
    "onboarding",
    _("Onboarding of new employees"),
    {
        "manager": {"view": DEPT, "create": DEPT},
        "sales": {"view": OWN},
        "marketing": {"view": OWN},
        "service": {"view": OWN},
        "readonly": {"view": OWN},
    },
)

for model in (Article, Category, FirstTask):
    policy.register(model, policy.ModelPolicy("knowledge", owner_path=None, department_path=None))
policy.register(Onboarding, policy.ModelPolicy("onboarding", "employee", "employee__department"))
policy.register(
    OnboardingItem, policy.ModelPolicy("onboarding", "onboarding__employee", "onboarding__employee__department")
)
policy.register(Rollout, policy.ModelPolicy("setup", owner_path=None, department_path=None))
