"""The settings screens: thin pages over the services, bounded queries, messages instead of errors.

Query budgets: the layout's own queries (session, user, rights, menus) plus a few for the page,
the same however many records the page lists (each test makes more records than one).
"""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as Browser
from django.urls import reverse
from PIL import Image

from carte.core import navigation
from carte.sales.models import Currency, LegalEntity, Rate, Tax
from carte.sales.services import company as services
from carte.sales.testing import DealFactory, currency, legal_entity

ENTITY_FORM = {
    "name": "Acme Paris",
    "legal_name": "Acme SAS",
    "default_currency": "EUR",
    "default_tax": "",
    "language": "fr",
    "payment_days": "15",
    "quote_pattern": "D-{year}-{number:03}",
    "invoice_pattern": "F-{year}-{number:04}",
    "contract_pattern": "C-{number}",
    "act_pattern": "A-{number}",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def login():
    def log_in(employee) -> Browser:
        browser = Browser()
        browser.force_login(employee)
        return browser

    return log_in


def png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def test_the_three_pages_are_in_settings_for_everyone_who_may_read_them(alice):
    links = {link.url_name for link in navigation.visible_links(navigation.settings_pages, alice)}
    assert {"sales:entity_list", "sales:currency_list", "sales:tax_list"} <= links


# ---------------------------------------------------------------------------------------------
# Legal entities
# ---------------------------------------------------------------------------------------------


def test_the_entity_list_runs_a_bounded_number_of_queries(login, ada, django_assert_max_num_queries):
    for number in range(12):
        legal_entity(name=f"Entity {number}", legal_name=f"Entity {number} SAS", is_default=number == 0)
    browser = login(ada)
    with django_assert_max_num_queries(10):
        response = browser.get(reverse("sales:entity_list"))
    assert response.status_code == 200
    assert response.content.count(b"Entity ") >= 12


def test_a_reader_sees_the_entities_but_no_buttons(login, rita):
    legal_entity()
    response = login(rita).get(reverse("sales:entity_list"))
    assert b"Carte Test" in response.content
    assert reverse("sales:entity_create").encode() not in response.content


def test_an_admin_enters_an_entity_through_the_form(login, ada):
    browser = login(ada)
    assert browser.get(reverse("sales:entity_create")).status_code == 200
    response = browser.post(reverse("sales:entity_create"), ENTITY_FORM)
    entity = LegalEntity.objects.get(name="Acme Paris")
    assert response.status_code == 302 and response["Location"] == reverse("sales:entity_edit", args=[entity.pk])
    assert (entity.language, entity.payment_days, entity.is_default) == ("fr", 15, True)


def test_a_bad_pattern_is_shown_beside_its_field_and_nothing_is_saved(login, ada):
    response = login(ada).post(reverse("sales:entity_create"), ENTITY_FORM | {"invoice_pattern": "F-{year}"})
    assert response.status_code == 400
    assert "must contain {number}" in response.content.decode()
    assert not LegalEntity.objects.exists()


def test_the_edit_page_saves_and_shows_the_images(login, ada, django_assert_max_num_queries):
    entity = legal_entity()
    services.set_entity_image(actor=ada, entity=entity, which="logo", file=BytesIO(png()))
    browser = login(ada)
    with django_assert_max_num_queries(12):
        page = browser.get(reverse("sales:entity_edit", args=[entity.pk]))
    assert reverse("sales:entity_image", args=[entity.pk, "logo"]).encode() in page.content
    response = browser.post(reverse("sales:entity_edit", args=[entity.pk]), ENTITY_FORM | {"name": "Renamed"})
    assert response.status_code == 302
    assert LegalEntity.objects.get(pk=entity.pk).name == "Renamed"


def test_an_image_is_uploaded_and_removed_from_the_page(login, ada):
    entity = legal_entity()
    browser = login(ada)
    upload = SimpleUploadedFile("logo.png", png(), content_type="image/png")
    response = browser.post(reverse("sales:entity_image_upload", args=[entity.pk, "stamp"]), {"file": upload})
    assert response.status_code == 302
    assert LegalEntity.objects.get(pk=entity.pk).stamp
    browser.post(reverse("sales:entity_image_remove", args=[entity.pk, "stamp"]))
    assert not LegalEntity.objects.get(pk=entity.pk).stamp


def test_a_text_file_named_png_is_refused_on_the_page(login, ada):
    entity = legal_entity()
    upload = SimpleUploadedFile("logo.png", b"just some text", content_type="image/png")
    response = login(ada).post(reverse("sales:entity_image_upload", args=[entity.pk, "logo"]), {"file": upload})
    assert response.status_code == 400
    assert "not accepted" in response.content.decode()
    assert not LegalEntity.objects.get(pk=entity.pk).logo


def test_archiving_the_default_entity_comes_back_with_a_message(login, ada):
    entity = legal_entity()
    response = login(ada).post(reverse("sales:entity_archive", args=[entity.pk]), follow=True)
    assert "make another one the default" in response.content.decode()
    assert not LegalEntity.objects.get(pk=entity.pk).archived


def test_a_seller_cannot_change_anything(login, alice):
    entity = legal_entity()
    browser = login(alice)
    assert browser.get(reverse("sales:entity_list")).status_code == 200
    assert browser.get(reverse("sales:entity_create")).status_code == 403
    assert browser.post(reverse("sales:entity_edit", args=[entity.pk]), ENTITY_FORM).status_code == 403
    assert browser.post(reverse("sales:currency_base", args=["USD"])).status_code == 403
    assert browser.post(reverse("sales:tax_create"), {"name": "X", "rate": "1"}).status_code == 403
    assert LegalEntity.objects.get(pk=entity.pk).name == "Carte Test"
    assert Currency.objects.get(is_base=True).code == "EUR"


# ---------------------------------------------------------------------------------------------
# Currencies and rates
# ---------------------------------------------------------------------------------------------


def test_the_currency_list_runs_a_bounded_number_of_queries(login, rita, django_assert_max_num_queries):
    for day in range(1, 29):
        Rate.objects.create(currency_id="USD", base_id="EUR", date=date(2024, 2, day), rate=Decimal("0.9"))
        Rate.objects.create(currency_id="GBP", base_id="EUR", date=date(2024, 2, day), rate=Decimal(f"1.1{day}"))
    browser = login(rita)
    with django_assert_max_num_queries(10):
        response = browser.get(reverse("sales:currency_list"))
    text = response.content.decode()
    assert "1.128" in text  # the latest GBP rate, without its trailing zeros
    assert "Switch on" not in text  # Rita reads only


def test_switching_a_currency_on_and_off(login, ada):
    browser = login(ada)
    browser.post(reverse("sales:currency_in_use", args=["chf"]), {"active": "on"})
    assert Currency.objects.get(code="CHF").active
    browser.post(reverse("sales:currency_in_use", args=["CHF"]))
    assert not Currency.objects.get(code="CHF").active


def test_a_used_currency_stays_on_with_a_message(login, ada, alice):
    DealFactory(owner=alice, currency=currency("GBP"))
    response = login(ada).post(reverse("sales:currency_in_use", args=["GBP"]), follow=True)
    assert "cannot be switched off: deals use it" in response.content.decode()
    assert Currency.objects.get(code="GBP").active


def test_making_a_currency_the_base(login, ada):
    login(ada).post(reverse("sales:currency_base", args=["USD"]))
    assert Currency.objects.get(is_base=True).code == "USD"


def test_the_rates_page_is_paged_and_adds_rates(login, ada, django_assert_max_num_queries):
    Rate.objects.bulk_create(
        Rate(currency_id="USD", base_id="EUR", date=date(2023, 1, 1) + timedelta(days=n), rate=Decimal("0.9"))
        for n in range(120)
    )
    browser = login(ada)
    with django_assert_max_num_queries(13):
        page = browser.get(reverse("sales:currency_rates", args=["USD"]), {"page": 2})
    assert page.status_code == 200 and "Page 2 of 3" in page.content.decode()
    response = browser.post(reverse("sales:rate_add", args=["USD"]), {"date": "2030-01-31", "rate": "0,95"})
    assert response.status_code == 302
    assert Rate.objects.get(date=date(2030, 1, 31)).rate == Decimal("0.95")
    refused = browser.post(reverse("sales:rate_add", args=["USD"]), {"date": "2030-01-31", "rate": "abc"})
    assert refused.status_code == 400 and "Enter a number" in refused.content.decode()


def test_a_rate_is_corrected_and_deleted(login, ada):
    rate = Rate.objects.create(currency_id="USD", base_id="EUR", date=date(2024, 1, 31), rate=Decimal("0.9"))
    browser = login(ada)
    assert 'value="0.9"' in browser.get(reverse("sales:rate_edit", args=[rate.pk])).content.decode()
    browser.post(reverse("sales:rate_edit", args=[rate.pk]), {"date": "2024-01-31", "rate": "0.91"})
    assert Rate.objects.get(pk=rate.pk).rate == Decimal("0.91")
    browser.post(reverse("sales:rate_delete", args=[rate.pk]))
    assert not Rate.objects.exists()


def test_importing_a_good_file_says_how_many(login, ada):
    upload = SimpleUploadedFile("rates.csv", b"2024-01-31;USD;0,92\n2024-01-31;GBP;1,17\n")
    response = login(ada).post(reverse("sales:rate_import"), {"file": upload}, follow=True)
    assert "2 rates imported: 2 new, 0 changed." in response.content.decode()
    assert Rate.objects.count() == 2


def test_importing_a_bad_file_lists_the_rows_to_correct_and_saves_nothing(login, ada):
    upload = SimpleUploadedFile("rates.csv", b"date;currency;rate\n2024-01-31;USD;0,92\n2024-01-31;XYZ;1\n")
    response = login(ada).post(reverse("sales:rate_import"), {"file": upload})
    text = response.content.decode()
    assert response.status_code == 400
    assert "Rows to correct" in text and "Unknown currency: XYZ" in text and '<td class="number">3</td>' in text
    assert not Rate.objects.exists()


def test_importing_a_binary_file_gets_a_message(login, ada):
    upload = SimpleUploadedFile("rates.csv", png())
    response = login(ada).post(reverse("sales:rate_import"), {"file": upload})
    assert response.status_code == 400 and "binary data" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Taxes
# ---------------------------------------------------------------------------------------------


def test_the_tax_list_runs_a_bounded_number_of_queries(login, mia, django_assert_max_num_queries):
    Tax.objects.bulk_create(Tax(name=f"Tax {n}", rate=n, order=100 + n) for n in range(20))
    browser = login(mia)
    with django_assert_max_num_queries(10):
        response = browser.get(reverse("sales:tax_list"))
    assert "VAT 5.5 %" in response.content.decode() and "Tax 19" in response.content.decode()


def test_taxes_are_added_edited_archived_and_moved(login, ada):
    browser = login(ada)
    assert browser.get(reverse("sales:tax_create")).status_code == 200
    browser.post(reverse("sales:tax_create"), {"name": "VAT 7 %", "rate": "7", "included": "on"})
    tax = Tax.objects.get(name="VAT 7 %")
    assert tax.included
    assert 'value="7"' in browser.get(reverse("sales:tax_edit", args=[tax.pk])).content.decode()
    refused = browser.post(reverse("sales:tax_edit", args=[tax.pk]), {"name": "VAT 7 %", "rate": "101"})
    assert refused.status_code == 400 and "at most 100" in refused.content.decode()
    browser.post(reverse("sales:tax_archive", args=[tax.pk]))
    assert Tax.objects.get(pk=tax.pk).archived
    browser.post(reverse("sales:tax_restore", args=[tax.pk]))
    browser.post(reverse("sales:tax_move", args=[tax.pk]), {"direction": "up"})
    assert list(Tax.objects.order_by("order").values_list("name", flat=True))[-2] == "VAT 7 %"
