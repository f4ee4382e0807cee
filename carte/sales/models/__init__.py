"""Sales: our legal entities, money settings, the catalogue, pipelines and deals, documents and payments."""

from carte.sales.models.catalogue import ClientPriceList, Price, PriceList, Product
from carte.sales.models.company import Currency, LegalEntity, Rate, Tax
from carte.sales.models.deals import Deal, DealLine, Pipeline, Stage, StageChange
from carte.sales.models.documents import DocumentLine, NumberSequence, SalesDocument
from carte.sales.models.lines import PricedLine
from carte.sales.models.payments import Payment
from carte.sales.models.targets import Target

__all__ = [
    "ClientPriceList",
    "Currency",
    "Deal",
    "DealLine",
    "DocumentLine",
    "LegalEntity",
    "NumberSequence",
    "Payment",
    "Pipeline",
    "Price",
    "PriceList",
    "PricedLine",
    "Product",
    "Rate",
    "SalesDocument",
    "Stage",
    "StageChange",
    "Target",
    "Tax",
]
