"""Rows of the rights matrix for the company settings: legal entities, currencies and rates, taxes.

Everyone reads them (every built-in role holds "view" in the sales settings); only the
administrator changes them.
"""

import base64
from datetime import date
from decimal import Decimal
from io import BytesIO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from carte.core.uploads import stored_name
from carte.sales.models import Rate, Tax
from carte.sales.testing import legal_entity
from tests.rights import ADMIN, row


def _png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()
RATES_CSV = "date;currency;rate\n2024-02-01;USD;0,93\n2024-02-01;GBP;1,17\n"


class Upload:
    """A file for the test client's multipart form that reads the same bytes for every persona."""

    def __init__(self, name: str, content: bytes, content_type: str):
        self.name, self.content, self.content_type = name, content, content_type

    def read(self, *args) -> bytes:
        return self.content


ENTITY_FORM = {
    "name": "Matrix",
    "legal_name": "Matrix SAS",
    "default_currency": "EUR",
    "default_tax": "",
    "language": "en",
    "payment_days": "30",
    "quote_pattern": "Q-{year}-{number:04}",
    "invoice_pattern": "INV-{year}-{number:04}",
    "contract_pattern": "C-{year}-{number:04}",
    "act_pattern": "ACT-{year}-{number:04}",
}
ENTITY = ("@company_entity",)
SPARE = ("@spare_entity",)

ROWS = [
    # Legal entities
    row("sales:entity_list"),
    row("sales:entity_create", allowed=ADMIN),
    row("sales:entity_create", "POST", allowed=ADMIN, data=ENTITY_FORM),
    row("sales:entity_edit", allowed=ADMIN, args=ENTITY),
    row("sales:entity_edit", "POST", allowed=ADMIN, args=ENTITY, data=ENTITY_FORM | {"name": "Renamed"}),
    row("sales:entity_archive", "POST", allowed=ADMIN, args=SPARE),
    row("sales:entity_restore", "POST", allowed=ADMIN, args=("@archived_entity",)),
    row("sales:entity_default", "POST", allowed=ADMIN, args=SPARE),
    row("sales:entity_delete", "POST", allowed=ADMIN, args=SPARE),
    row("sales:entity_image", args=(*ENTITY, "logo")),
    row(
        "sales:entity_image_upload",
        "POST",
        allowed=ADMIN,
        args=(*ENTITY, "stamp"),
        data={"file": Upload("stamp.png", PNG, "image/png")},
    ),
    row("sales:entity_image_remove", "POST", allowed=ADMIN, args=(*ENTITY, "logo")),
    # Currencies and rates
    row("sales:currency_list"),
    row("sales:currency_rates", args=("USD",)),
    row("sales:currency_in_use", "POST", allowed=ADMIN, args=("CHF",), data={"active": "on"}),
    row("sales:currency_base", "POST", allowed=ADMIN, args=("USD",)),
    row("sales:rate_add", "POST", allowed=ADMIN, args=("USD",), data={"date": "2024-02-01", "rate": "0.93"}),
    row("sales:rate_edit", allowed=ADMIN, args=("@usd_rate",)),
    row("sales:rate_edit", "POST", allowed=ADMIN, args=("@usd_rate",), data={"date": "2024-01-31", "rate": "0.95"}),
    row("sales:rate_delete", "POST", allowed=ADMIN, args=("@usd_rate",)),
    row("sales:rate_import", allowed=ADMIN),
    row(
        "sales:rate_import",
        "POST",
        allowed=ADMIN,
        data={"file": Upload("rates.csv", RATES_CSV.encode(), "text/csv")},
    ),
    # Taxes
    row("sales:tax_list"),
    row("sales:tax_create", allowed=ADMIN),
    row("sales:tax_create", "POST", allowed=ADMIN, data={"name": "VAT 7 %", "rate": "7"}),
    row("sales:tax_edit", allowed=ADMIN, args=("@matrix_tax",)),
    row("sales:tax_edit", "POST", allowed=ADMIN, args=("@matrix_tax",), data={"name": "VAT 21 %", "rate": "21"}),
    row("sales:tax_archive", "POST", allowed=ADMIN, args=("@matrix_tax",)),
    row("sales:tax_restore", "POST", allowed=ADMIN, args=("@old_tax",)),
    row("sales:tax_move", "POST", allowed=ADMIN, args=("@matrix_tax",), data={"direction": "up"}),
    # The API
    row("GET /api/v1/legal-entities"),
    row("POST /api/v1/legal-entities", "POST", allowed=ADMIN, data={"name": "Matrix", "legal_name": "Matrix SAS"}),
    row("GET /api/v1/legal-entities/{entity_id}", args=ENTITY),
    row("PATCH /api/v1/legal-entities/{entity_id}", "PATCH", allowed=ADMIN, args=ENTITY, data={"name": "Renamed"}),
    row(
        "PUT /api/v1/legal-entities/{entity_id}/{image}",
        "PUT",
        allowed=ADMIN,
        args=(*ENTITY, "stamp"),
        data={"content_base64": base64.b64encode(PNG).decode()},
    ),
    row("DELETE /api/v1/legal-entities/{entity_id}/{image}", "DELETE", allowed=ADMIN, args=(*ENTITY, "logo")),
    row("GET /api/v1/currencies"),
    row("PATCH /api/v1/currencies/{code}", "PATCH", allowed=ADMIN, args=("CHF",), data={"active": True}),
    row("GET /api/v1/currencies/{code}/rates", args=("USD",)),
    row(
        "POST /api/v1/currencies/{code}/rates",
        "POST",
        allowed=ADMIN,
        args=("USD",),
        data={"date": "2024-02-01", "rate": "0.93"},
    ),
    row("POST /api/v1/rates/import", "POST", allowed=ADMIN, data={"csv": RATES_CSV}),
    row("PATCH /api/v1/rates/{rate_id}", "PATCH", allowed=ADMIN, args=("@usd_rate",), data={"rate": "0.95"}),
    row("DELETE /api/v1/rates/{rate_id}", "DELETE", allowed=ADMIN, args=("@usd_rate",)),
    row("GET /api/v1/taxes"),
    row("POST /api/v1/taxes", "POST", allowed=ADMIN, data={"name": "VAT 7 %", "rate": "7"}),
    row("PATCH /api/v1/taxes/{tax_id}", "PATCH", allowed=ADMIN, args=("@matrix_tax",), data={"rate": "21"}),
]


def records(world: dict) -> dict:
    entity = legal_entity()  # the default one (another part's records may have made it already)
    entity.logo = default_storage.save(stored_name("company", "png"), ContentFile(PNG))
    entity.save(update_fields=["logo"])
    return {
        "company_entity": entity,
        "spare_entity": legal_entity(name="Carte Lyon", legal_name="Carte Lyon SARL"),
        "archived_entity": legal_entity(name="Carte Old", legal_name="Carte Old SA", archived=True),
        "usd_rate": Rate.objects.create(currency_id="USD", base_id="EUR", date=date(2024, 1, 31), rate=Decimal("0.9")),
        "matrix_tax": Tax.objects.create(name="Matrix VAT", rate=Decimal("15"), order=50),
        "old_tax": Tax.objects.create(name="Old VAT", rate=Decimal("19.6"), order=60, archived=True),
    }
