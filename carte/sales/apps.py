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
        self._register_targets()
        from carte.sales import setup_steps

        setup_steps.register()  # the setup checklist: company, money, pipelines, document templates

    def _register_company(self):
        """Settings: legal entities, currencies and rates, taxes."""
        from carte.core import navigation
        from carte.core.navigation import Link

        for link in (
            Link("company", _("Company details"), "sales:entity_list", "sales_settings", icon="settings", order=40),
            Link("currencies", _("Currencies and rates"), "sales:currency_list", "sales_settings", order=41),
            Link("taxes", _("Taxes"), "sales:tax_list", "sales_settings", order=42),
        ):
            navigation.add_settings_page(link)

    def _register_catalogue(self):
        """Products and price lists: the "Products" menu entry and the client card's "Prices" tab."""
        from carte.clients import card
        from carte.core import navigation
        from carte.core.navigation import Link
        from carte.sales.views.catalogue import prices_tab

        navigation.add_menu(Link("products", _("Products"), "sales:product_list", "catalogue", icon="dot", order=40))
        card.register_tab(
            "prices", _("Prices"), "sales/catalogue/client_tab.html", context=prices_tab, order=60, module="catalogue"
        )

    def _register_deals(self):
        """Pipelines, the board and list of deals, the card's Deals tab, the open-deals strip."""
        from carte.clients import card
        from carte.clients.services.merge import register_merge_hook
        from carte.core import navigation
        from carte.core.navigation import Link, StripSource
        from carte.sales.models import Deal
        from carte.sales.queries import deals as deal_queries
        from carte.sales.services.deals import move_merged_records
        from carte.sales.views import deals as deal_views

        navigation.add_menu(Link("deals", _("Deals"), "sales:deal_board", "deals", icon="deals", order=20))
        navigation.add_action(
            Link("new-deal", _("New deal"), "sales:deal_create", "deals", action="create", order=20, shortcut="d")
        )
        navigation.add_settings_page(
            Link("pipelines", _("Pipelines"), "sales:pipeline_list", "sales_settings", order=43)
        )
        navigation.add_strip(StripSource("deals", _("My open deals"), deal_queries.my_open_deals, order=10))
        navigation.add_search(deal_queries.search_hits)
        card.register_tab(
            "deals",
            _("Deals"),
            "sales/deals/client_tab.html",
            context=deal_views.client_deals_tab,
            order=30,
            count=deal_views.client_deals_count,
            module="deals",
        )
        card.register_timeline_kind("deal", _("Deal"), model=Deal)
        register_merge_hook(move_merged_records)

    def _register_documents(self):
        """Quotes, invoices, contracts and acts; document templates."""
        from carte.clients import card
        from carte.core import navigation
        from carte.core.navigation import Link
        from carte.sales.models import SalesDocument
        from carte.sales.views import documents

        navigation.add_menu(
            Link("documents", _("Documents"), "sales:document_list", "sales_documents", icon="documents", order=35)
        )
        navigation.add_settings_page(
            Link("document-templates", _("Document templates"), "sales:template_list", "sales_settings", order=44)
        )
        card.register_tab(
            "documents",
            _("Documents"),
            "sales/documents/client_tab.html",
            context=documents.client_tab,
            order=40,
            module="sales_documents",
        )
        card.register_timeline_kind("document", _("Document"), model=SalesDocument)

    def _register_payments(self):
        """Payments, what a client owes on the card."""
        from carte.clients import card
        from carte.core import navigation
        from carte.core.navigation import Link
        from carte.sales.models import Payment
        from carte.sales.views import payments

        navigation.add_menu(
            Link("payments", _("Payments"), "sales:payment_list", "payments", icon="documents", order=45)
        )
        card.register_fact("owes", _("Owes"), value=payments.owes_text, order=10, module="payments")
        # A payment's entries point to its invoice (their link too): they follow the payments'
        # rule for that invoice, so who may see a payment of it sees them.
        card.register_timeline_kind("payment", _("Payment"), model=Payment, field="invoice")

    def _register_targets(self):
        """Monthly targets: the settings page where managers set them, the "my progress" figure."""
        from carte.core import navigation
        from carte.core.navigation import Link
        from carte.sales.queries.targets import monthly_progress

        navigation.add_settings_page(Link("targets", _("Sales targets"), "sales:target_list", "deals", order=46))
        navigation.add_progress(monthly_progress)


def _seed(sender, **kwargs):
    """What a new installation starts with: currencies, taxes and a pipeline (never overwriting an admin's)."""
    from carte.sales.services.money import seed_money_settings
    from carte.sales.services.pipelines import seed_pipeline

    seed_money_settings(kwargs.get("using", "default"))
    seed_pipeline()
