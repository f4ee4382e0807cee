from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    """Each part of sales registers what it adds to the workspace and the card in its own method."""

    name = "carte.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self):
        from carte.sales import permissions  # noqa: F401 - registers the policies

        post_migrate.connect(_seed, sender=self, dispatch_uid="carte-sales-seed")
        self._register_company()
        self._register_catalogue()
        self._register_deals()
        self._register_documents()
        self._register_payments()

    def _register_company(self):
        """Settings: legal entities, currencies and rates, taxes."""

    def _register_catalogue(self):
        """Products and price lists."""

    def _register_deals(self):
        """Pipelines, the board and list of deals, the card's Deals tab, the open-deals strip."""

    def _register_documents(self):
        """Quotes, invoices, contracts and acts; document templates."""

    def _register_payments(self):
        """Payments, what a client owes on the card."""


def _seed(sender, **kwargs):
    """What a new installation starts with: currencies, taxes and a pipeline (never overwriting an admin's)."""
