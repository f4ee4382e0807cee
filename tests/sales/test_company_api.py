"""The company settings in the API: happy paths, and 400s with messages naming the field."""

import base64
import json
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client as Browser
from PIL import Image

from carte.sales.models import Currency, LegalEntity, Rate, Tax
from carte.sales.testing import legal_entity

API = "/api/v1"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def api():
    def as_(employee) -> Browser:
        browser = Browser()
        browser.force_login(employee)
        return browser

    return as_


def send(browser, method: str, path: str, body=None):
    data = json.dumps(body) if body is not None else None
    return getattr(browser, method)(f"{API}{path}", data=data, content_type="application/json")


def png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (4, 4), "green").save(buffer, "PNG")
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Legal entities
# ---------------------------------------------------------------------------------------------


def test_an_admin_creates_reads_and_changes_a_legal_entity(api, ada):
    browser = api(ada)
    created = send(browser, "post", "/legal-entities", {"name": "Acme", "legal_name": "Acme SAS", "payment_days": 45})
    assert created.status_code == 201
    body = created.json()
    assert (body["default_currency"], body["payment_days"], body["is_default"], body["logo"]) == ("EUR", 45, True, None)
    path = f"/legal-entities/{body['id']}"
    assert send(browser, "get", path).json()["legal_name"] == "Acme SAS"
    changed = send(browser, "patch", path, {"bank_account": "FR76 3000", "default_tax": None})
    assert changed.status_code == 200 and changed.json()["bank_account"] == "FR76 3000"
    listed = send(browser, "get", "/legal-entities").json()
    assert [entity["name"] for entity in listed] == ["Acme"]


def test_bad_entity_values_answer_400_naming_the_fields(api, ada):
    browser = api(ada)
    response = send(
        browser,
        "post",
        "/legal-entities",
        {"name": "Acme", "legal_name": "Acme SAS", "default_currency": "CHF", "invoice_pattern": "INV"},
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == {"default_currency", "invoice_pattern"}
    assert not LegalEntity.objects.exists()


def test_archiving_and_making_default_through_patch(api, ada):
    first = legal_entity()
    second = legal_entity(name="Lyon", legal_name="Lyon SARL")
    browser = api(ada)
    refused = send(browser, "patch", f"/legal-entities/{first.pk}", {"archived": True})
    assert refused.status_code == 409
    assert send(browser, "patch", f"/legal-entities/{second.pk}", {"is_default": True}).json()["is_default"]
    assert send(browser, "patch", f"/legal-entities/{first.pk}", {"archived": True}).json()["archived"]
    assert [entity["name"] for entity in send(browser, "get", "/legal-entities").json()] == ["Lyon"]
    assert len(send(browser, "get", "/legal-entities?archived=true").json()) == 2


def test_an_image_is_uploaded_as_multipart_with_put(api, ada):
    entity = legal_entity()
    browser = api(ada)
    boundary = "BoUnDaRy"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="logo.png"\r\n'
            f"Content-Type: image/png\r\n\r\n"
        ).encode()
        + png()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = browser.put(
        f"{API}/legal-entities/{entity.pk}/logo", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 200, response.content
    assert response.json()["logo"] == f"/settings/company/{entity.pk}/images/logo/"
    assert browser.get(response.json()["logo"]).content == png()


def test_an_image_is_uploaded_as_base64_json_and_removed(api, ada):
    entity = legal_entity()
    browser = api(ada)
    path = f"/legal-entities/{entity.pk}/signature"
    response = send(browser, "put", path, {"content_base64": base64.b64encode(png()).decode()})
    assert response.status_code == 200 and response.json()["signature"]
    assert send(browser, "delete", path).json()["signature"] is None


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"content_base64": base64.b64encode(b"hello, I am text").decode()}, "not accepted"),
        ({"content_base64": "!!!"}, "base64"),
        ({}, "Choose an image"),
    ],
)
def test_a_bad_image_answers_400(api, ada, body, fragment):
    entity = legal_entity()
    response = send(api(ada), "put", f"/legal-entities/{entity.pk}/logo", body)
    assert response.status_code == 400
    assert fragment in response.json()["errors"]["file"][0]
    assert not LegalEntity.objects.get(pk=entity.pk).logo


def test_an_unknown_image_slot_is_not_found(api, ada):
    entity = legal_entity()
    response = send(api(ada), "put", f"/legal-entities/{entity.pk}/avatar", {"content_base64": "aGk="})
    assert response.status_code == 404


# ---------------------------------------------------------------------------------------------
# Currencies and rates
# ---------------------------------------------------------------------------------------------


def test_currencies_are_listed_with_their_latest_rate(api, alice):
    Rate.objects.create(currency_id="USD", base_id="EUR", date=date(2024, 1, 31), rate=Decimal("0.9215"))
    body = send(api(alice), "get", "/currencies?active=true").json()
    assert [currency["code"] for currency in body] == ["EUR", "USD"]
    assert body[0]["is_base"] and Decimal(body[0]["latest_rate"]) == 1
    assert Decimal(body[1]["latest_rate"]) == Decimal("0.9215") and body[1]["latest_rate_date"] == "2024-01-31"
    assert len(send(api(alice), "get", "/currencies").json()) == Currency.objects.count()


def test_a_currency_is_switched_on_and_made_the_base(api, ada):
    browser = api(ada)
    assert send(browser, "patch", "/currencies/chf", {"active": True}).json()["active"]
    body = send(browser, "patch", "/currencies/GBP", {"is_base": True}).json()
    assert body["is_base"] and body["active"]
    assert send(browser, "patch", "/currencies/GBP", {"active": False}).status_code == 409
    assert send(browser, "patch", "/currencies/GBP", {"is_base": False}).status_code == 400
    assert send(browser, "patch", "/currencies/XYZ", {"active": True}).status_code == 404


def test_rates_are_added_listed_corrected_and_deleted(api, ada):
    browser = api(ada)
    created = send(browser, "post", "/currencies/USD/rates", {"date": "2024-01-31", "rate": "0.9215"})
    assert created.status_code == 201
    rate = created.json()
    assert (rate["currency"], rate["base"], Decimal(rate["rate"])) == ("USD", "EUR", Decimal("0.9215"))
    listed = send(browser, "get", "/currencies/USD/rates").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == rate["id"]
    changed = send(browser, "patch", f"/rates/{rate['id']}", {"rate": 0.93})
    assert Decimal(changed.json()["rate"]) == Decimal("0.93")
    assert send(browser, "delete", f"/rates/{rate['id']}").status_code == 204
    assert not Rate.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2024-01-31", "rate": "0"}, "rate"),
        ({"date": "2024-01-31", "rate": "0.123456789012"}, "rate"),
        ({"date": "yesterday", "rate": "1"}, "date"),
    ],
)
def test_a_bad_rate_answers_400(api, ada, body, field):
    response = send(api(ada), "post", "/currencies/USD/rates", body)
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not Rate.objects.exists()


def test_rates_are_imported_from_json_csv_text(api, ada):
    response = send(api(ada), "post", "/rates/import", {"csv": "date,currency,rate\n2024-01-31,USD,0.92\n"})
    assert response.status_code == 200
    assert response.json() | {"detail": ""} == {
        "rows": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "problems": [],
        "more_problems": 0,
        "detail": "",
    }


def test_rates_are_imported_from_a_multipart_file(api, ada):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("rates.csv", b"31.01.2024;GBP;1,17\n")
    response = api(ada).post(f"{API}/rates/import", {"file": upload})
    assert response.status_code == 200 and response.json()["created"] == 1


def test_a_bad_import_answers_400_with_the_rows_to_correct(api, ada):
    response = send(api(ada), "post", "/rates/import", {"csv": "2024-01-31,USD,0.92\n2024-01-31,ABC,1\n"})
    assert response.status_code == 400
    body = response.json()
    assert body["problems"] == [{"row": 2, "messages": ["Unknown currency: ABC."]}]
    assert "nothing was imported" in body["detail"]
    assert not Rate.objects.exists()


@pytest.mark.parametrize(("body", "fragment"), [({}, "Choose a CSV file"), ({"csv": " "}, "empty")])
def test_an_unreadable_import_answers_400_problem(api, ada, body, fragment):
    response = send(api(ada), "post", "/rates/import", body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert fragment in response.json()["errors"]["file"][0]


# ---------------------------------------------------------------------------------------------
# Taxes
# ---------------------------------------------------------------------------------------------


def test_taxes_are_listed_added_and_changed(api, ada, rita):
    assert [tax["name"] for tax in send(api(rita), "get", "/taxes").json()][:2] == ["VAT 20 %", "VAT 10 %"]
    browser = api(ada)
    created = send(browser, "post", "/taxes", {"name": "VAT 7 %", "rate": "7", "included": True})
    assert created.status_code == 201 and created.json()["included"]
    tax_id = created.json()["id"]
    changed = send(browser, "patch", f"/taxes/{tax_id}", {"rate": "7.7", "archived": True})
    assert Decimal(changed.json()["rate"]) == Decimal("7.7") and changed.json()["archived"]
    assert tax_id not in [tax["id"] for tax in send(browser, "get", "/taxes").json()]
    assert tax_id in [tax["id"] for tax in send(browser, "get", "/taxes?archived=true").json()]


def test_a_bad_tax_answers_400(api, ada):
    response = send(api(ada), "post", "/taxes", {"name": "VAT 20 %", "rate": "120"})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"name", "rate"}
    assert Tax.objects.count() == 4


def test_a_seller_reads_but_cannot_change(api, alice):
    browser = api(alice)
    assert send(browser, "get", "/taxes").status_code == 200
    assert send(browser, "post", "/taxes", {"name": "VAT 7 %", "rate": "7"}).status_code == 403
    assert send(browser, "patch", "/currencies/USD", {"is_base": True}).status_code == 403
    assert send(browser, "post", "/rates/import", {"csv": "2024-01-31,USD,0.9"}).status_code == 403
    assert Currency.objects.get(is_base=True).code == "EUR" and not Rate.objects.exists()
