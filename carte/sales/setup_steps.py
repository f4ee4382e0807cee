"""The sales side of the setup checklist: the company, money, pipelines and document templates.

Each step is done when the data says so. Pipelines, currencies and taxes are seeded on a new
installation, so what counts there is a person's change in the audit log, never the seeding
(the first-run wizard records a review of the base currency even when it was kept: see
carte.sales.services.money.review_money_settings).
"""

from django.utils.translation import gettext_lazy as _

from carte.core.models import AuditEntry
from carte.core.setup import SetupStep, add_step
from carte.documents.models import DocumentTemplate
from carte.sales.models import LegalEntity

MONEY_RECORDS = ("sales.currency", "sales.tax")
PIPELINE_RECORDS = ("sales.pipeline", "sales.stage")


def company_entered() -> bool:
    """A legal entity in use with its legal name and legal address: what every document prints as the seller."""
    return LegalEntity.objects.filter(archived=False).exclude(legal_name="").exclude(address="").exists()


def money_reviewed() -> bool:
    """Someone chose the base currency, switched a currency on or off, or added or changed a tax."""
    return AuditEntry.objects.filter(model__in=MONEY_RECORDS, actor__isnull=False).exists()


def pipelines_adapted() -> bool:
    """Someone added, renamed or changed a pipeline or a stage (the seeded "Sales" pipeline does not count)."""
    return AuditEntry.objects.filter(model__in=PIPELINE_RECORDS, actor__isnull=False).exists()


def documents_prepared() -> bool:
    """An uploaded document template in use, or the logo of a legal entity in use."""
    if DocumentTemplate.objects.filter(archived=False).exists():
        return True
    return LegalEntity.objects.filter(archived=False).exclude(logo="").exists()


def register() -> None:
    """Called by SalesConfig.ready()."""
    for step in (
        SetupStep(
            "company",
            _("Company details"),
            _(
                "Quotes, invoices, contracts and acts print your legal name, address and bank details. "
                "Enter them once and every document is right from the first one."
            ),
            "sales:entity_list",
            company_entered,
            order=10,
        ),
        SetupStep(
            "money",
            _("Currencies, taxes and the base currency"),
            _(
                "Reports add every amount up in the base currency, and lines are taxed with the rates you offer. "
                "Switch on the currencies you sell in and keep only the taxes that apply to you."
            ),
            "sales:currency_list",
            money_reviewed,
            order=20,
        ),
        SetupStep(
            "pipelines",
            _("Pipelines and stages"),
            _(
                "The board shows deals in the stages your sales really go through. "
                "Rename, add or remove stages so that the probabilities and the forecast mean something."
            ),
            "sales:pipeline_list",
            pipelines_adapted,
            order=50,
        ),
        SetupStep(
            "document-templates",
            _("Document templates"),
            _(
                "Documents come out with your logo and your own wording when you upload templates. "
                "Add at least your logo, so that clients recognise your quotes and invoices."
            ),
            "sales:template_list",
            documents_prepared,
            order=60,
        ),
    ):
        add_step(step)
