"""Access policy for sales: deals, documents and payments follow their owner; settings are shared.

A Sales employee works on their own deals and documents; a Manager on the department's.
Lines and stage history follow their deal; payments follow their invoice. The catalogue and
the sales settings (legal entities, currencies, taxes, pipelines, templates) have no owner: everyone
reads them (forms and documents need them), and changing them takes the module's rights.
"""

from django.utils.translation import gettext_lazy as _

from carte.core import policy
from carte.documents.models import DocumentTemplate
from carte.sales.models import (
    ClientPriceList,
    Currency,
    Deal,
    DealLine,
    DocumentLine,
    LegalEntity,
    Payment,
    Pipeline,
    Price,
    PriceList,
    Product,
    Rate,
    SalesDocument,
    Stage,
    StageChange,
    Target,
    Tax,
)

ALL, DEPT, OWN = policy.Scope.ALL, policy.Scope.DEPARTMENT, policy.Scope.OWN
DEPARTMENT_WIDE = dict.fromkeys(policy.Action.values, DEPT)
READ = {"view": ALL}
OWN_WORK = {"view": OWN, "create": OWN, "edit": OWN, "delete": OWN, "export": OWN}

policy.register_module(
    "deals",
    _("Deals"),
    {"manager": DEPARTMENT_WIDE, "sales": OWN_WORK, "marketing": READ, "service": READ, "readonly": READ},
)
policy.register_module(
    "sales_documents",
    _("Quotes, invoices, contracts and acts"),
    {"manager": DEPARTMENT_WIDE, "sales": OWN_WORK, "service": READ, "readonly": READ},
)
policy.register_module(
    "payments",
    _("Payments"),
    {"manager": DEPARTMENT_WIDE, "sales": {"view": OWN, "create": OWN}, "readonly": READ},
)
policy.register_module(
    "catalogue",
    _("Products and price lists"),
    {
        "manager": dict.fromkeys(policy.Action.values, ALL),
        "sales": READ,
        "marketing": READ,
        "service": READ,
        "readonly": READ,
    },
)
policy.register_module(
    "sales_settings",
    _("Sales settings: company details, currencies, taxes, pipelines, templates"),
    {"manager": READ, "sales": READ, "marketing": READ, "service": READ, "readonly": READ},
)

policy.register(Deal, policy.ModelPolicy("deals"))
for part in (DealLine, StageChange):
    policy.register(part, policy.ModelPolicy("deals", "deal__owner", "deal__owner__department"))
# A target follows the employee it is for; setting one takes "edit" on deals with department scope.
policy.register(Target, policy.ModelPolicy("deals", "employee", "employee__department"))
policy.register(SalesDocument, policy.ModelPolicy("sales_documents"))
policy.register(DocumentLine, policy.ModelPolicy("sales_documents", "document__owner", "document__owner__department"))
policy.register(Payment, policy.ModelPolicy("payments", "invoice__owner", "invoice__owner__department"))
for shared in (Product, PriceList, Price, ClientPriceList):
    policy.register(shared, policy.ModelPolicy("catalogue", None, None))
for setting in (LegalEntity, Currency, Rate, Tax, DocumentTemplate, Pipeline, Stage):
    policy.register(setting, policy.ModelPolicy("sales_settings", None, None))
