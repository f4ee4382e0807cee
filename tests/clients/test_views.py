import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carte.clients import services
from carte.clients.models import Client, Contact, CustomField, ReferenceValue, TimelineEntry
from carte.clients.services import custom_fields
from carte.core.testing import ClientFactory
from tests.screens import assert_csp_safe

HTMX = {"HX-Request": "true"}


@pytest.fixture
def filled(alice, bob, acme, jean):
    """Acme with a contact person, notes and a history."""
    services.link_contact(actor=alice, company=acme, person=jean, role="purchaser")
    for n in range(40):
        services.add_note(actor=alice, client=acme, text=f"Note {n}")
    return acme


def test_list_shows_the_department_s_clients(login, alice, acme, charlies_client):
    page = login(alice).get("/clients/")
    assert page.status_code == 200
    assert b"Acme Industries" in page.content
    assert b"Charlie&#x27;s Garage" not in page.content
    assert_csp_safe(page.content.decode())


def test_list_answers_htmx_with_the_results_only(login, alice, acme):
    page = login(alice).get("/clients/?q=acme", headers=HTMX)
    assert b"Acme Industries" in page.content
    assert b"<html" not in page.content and b'role="search"' not in page.content


def test_list_refuses_a_sort_key_it_does_not_offer(login, alice):
    page = login(alice).get("/clients/?ordering=owner__password")
    assert page.status_code == 200
    assert b"Please correct the filters" in page.content


@pytest.mark.parametrize("count", [5, 50])
def test_list_page_runs_a_bounded_number_of_queries(login, alice, count, django_assert_max_num_queries):
    browser = login(alice)
    for client in ClientFactory.create_batch(count, owner=alice):
        client.phones.create(number="01 23 45 67 89")
        client.emails.create(address=f"c{client.pk}@example.com")
    with django_assert_max_num_queries(17):
        page = browser.get("/clients/")
    assert page.status_code == 200


def test_card_shows_the_client_its_tabs_and_timeline(login, alice, filled):
    page = login(alice).get(f"/clients/{filled.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "06 12 34 56 78" in html and "sales@acme.example" in html
    assert "Note 39" in html and "Load more" in html
    assert_csp_safe(html)


# Queries of a card page, whatever the card holds: 3 for the session and the rights, 1 for the
# client with its references, 6 for its lists (phones, emails, tax ids, messengers, tags, custom
# values), 1 timeline page, 1 for the visible contacts, 1 for their roles, 2 for the first
# contacts' phones and emails, 1 for the progress panel; plus what the open tab reads: whether
# custom fields exist (overview), the contact roles to choose (contacts), a page of the audit
# log with its count and the labels of the custom fields it names (history).
# Payments add 1: what the client owes, in the header (sales, SalesConfig._register_payments).
CARD_QUERIES = {"overview": 22, "contacts": 23, "history": 24}  # the layout's panels and sales' tab counts included


def test_card_runs_a_bounded_number_of_queries(login, alice, filled, django_assert_max_num_queries):
    browser = login(alice)
    for tab, budget in CARD_QUERIES.items():
        with django_assert_max_num_queries(budget):
            assert browser.get(f"/clients/{filled.pk}/?tab={tab}").status_code == 200


def fill(card, *, alice, bob, ada, size: int) -> None:
    """Give a card `size` of everything: timeline entries, phones, emails, tags, custom values, contacts."""
    for n in range(size):
        services.record_timeline(client=card, kind="note", summary=f"Entry {n}", actor=alice)
    tags = [ReferenceValue.objects.get_or_create(list="tag", key=f"tag-{n}")[0].key for n in range(min(size, 25))]
    fields = [
        custom_fields.create_custom_field(
            actor=ada,
            label=f"{kind} {card.pk}",
            kind=kind,
            options=["A", "B"] if "choice" in kind else [],
            currency="EUR" if kind == "money" else "",
        )
        for kind in CustomField.Kind.values[: min(size, 8)]
    ]
    values = {"text": "x", "number": "3", "money": "4", "date": "2030-01-01", "choice": "A"}
    values |= {"multichoice": ["A", "B"], "boolean": True, "employee": bob.pk}
    custom = {field.key: values[field.kind] for field in fields}
    phones = [(f"01 23 45 67 {n:02d}", "work") for n in range(min(size, 20))]
    emails = [(f"c{n}@example.com", "work") for n in range(min(size, 20))]
    services.update_client(
        actor=alice, client=card, version=card.version, tags=tags, custom=custom, phones=phones, emails=emails
    )
    for n in range(min(size, 12)):
        person = services.create_client(actor=alice, kind="person", first_name="P", last_name=f"{card.pk}-{n}")
        person.phones.create(number="06 00 00 00 00")
        services.link_contact(actor=alice, company=card, person=person, role="purchaser")


@pytest.mark.parametrize("tab", ["overview", "contacts", "history"])
def test_card_queries_do_not_grow_with_what_the_card_holds(login, alice, bob, ada, make_client, tab):
    small, large = make_client(name="Small"), make_client(name="Large")
    fill(small, alice=alice, bob=bob, ada=ada, size=1)
    fill(large, alice=alice, bob=bob, ada=ada, size=300)
    assert TimelineEntry.objects.filter(client=large).count() > 300
    browser = login(alice)
    counts = []
    for card in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(f"/clients/{card.pk}/?tab={tab}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= CARD_QUERIES[tab]


def test_outsider_gets_a_404_for_a_card(login, charlie, acme):
    assert login(charlie).get(f"/clients/{acme.pk}/").status_code == 404


def test_load_more_fetches_the_next_timeline_page_by_htmx(login, alice, filled):
    browser = login(alice)
    first = browser.get(f"/clients/{filled.pk}/")
    cursor = re.search(rb"before=([0-9.]+)", first.content).group(1).decode()
    more = browser.get(f"/clients/{filled.pk}/timeline/?before={cursor}", headers=HTMX)
    assert b"Note 9" in more.content and b"Note 39" not in more.content
    assert b"<html" not in more.content
    without_js = browser.get(f"/clients/{filled.pk}/timeline/?before={cursor}")
    assert without_js.status_code == 302 and f"before={cursor}" in without_js["Location"]


def test_timeline_filtered_by_kind(login, alice, filled):
    page = login(alice).get(f"/clients/{filled.pk}/timeline/?kind=contact", headers=HTMX)
    assert b"Jean Dupont" in page.content and b"Note 1" not in page.content


def test_create_a_client_with_phones_and_emails(login, alice):
    form = {
        "kind": "company",
        "name": "Initech",
        "status": "prospect",
        "owner": alice.pk,
        "phones-TOTAL_FORMS": "2",
        "phones-INITIAL_FORMS": "0",
        "phones-0-kind": "work",
        "phones-0-number": "+33 1 40 00 00 00",
        "phones-1-kind": "work",
        "phones-1-number": "",
        "emails-TOTAL_FORMS": "1",
        "emails-INITIAL_FORMS": "0",
        "emails-0-kind": "work",
        "emails-0-address": "Hello@Initech.example",
    }
    answer = login(alice).post("/clients/new/", form)
    client = Client.objects.get(name="Initech")
    assert answer.status_code == 302 and answer["Location"] == f"/clients/{client.pk}/"
    assert [p.e164 for p in client.phones.all()] == ["+33140000000"]
    assert [e.address for e in client.emails.all()] == ["hello@initech.example"]


def test_the_form_offers_only_owners_the_user_may_assign(login, alice, bob):
    page = login(alice).get("/clients/new/")
    assert page.status_code == 200
    assert b"Alice Seller" in page.content and b"Bob Seller" not in page.content
    assert_csp_safe(page.content.decode())


def test_readonly_employee_cannot_open_the_create_form(login, rita):
    assert login(rita).get("/clients/new/").status_code == 403


def edit_form(client, **changes):
    return {
        "kind": client.kind,
        "name": client.name,
        "status": client.status.key,
        "owner": client.owner_id,
        "version": client.version,
        "phones-TOTAL_FORMS": "0",
        "phones-INITIAL_FORMS": "0",
        "emails-TOTAL_FORMS": "0",
        "emails-INITIAL_FORMS": "0",
        **changes,
    }


def test_edit_saves_and_returns_to_the_card(login, alice, make_client):
    client = make_client(name="Old name")
    answer = login(alice).post(f"/clients/{client.pk}/edit/", edit_form(client, name="New name"))
    assert answer.status_code == 302
    assert Client.objects.get(pk=client.pk).name == "New name"


def test_edit_conflict_shows_the_current_value_beside_theirs(login, alice, mia, make_client):
    client = make_client(name="Old name")
    services.update_client(actor=mia, client=client, version=client.version, name="Mia's name")
    answer = login(alice).post(f"/clients/{client.pk}/edit/", edit_form(client, name="Alice's name"))
    assert answer.status_code == 409
    html = answer.content.decode()
    assert "Mia&#x27;s name" in html and "Alice&#x27;s name" in html
    assert f'name="version" value="{client.version + 1}"' in html
    assert Client.objects.get(pk=client.pk).name == "Mia's name"


def test_teammate_cannot_open_the_edit_form(login, bob, acme):
    assert login(bob).get(f"/clients/{acme.pk}/edit/").status_code == 403


def test_delete_asks_for_confirmation_then_deletes(login, mia, acme):
    browser = login(mia)
    assert b"Delete Acme Industries?" in browser.get(f"/clients/{acme.pk}/delete/").content
    assert browser.post(f"/clients/{acme.pk}/delete/")["Location"] == "/clients/"
    assert not Client.objects.filter(pk=acme.pk).exists()


def test_seller_cannot_delete(login, alice, acme):
    assert login(alice).post(f"/clients/{acme.pk}/delete/").status_code == 403
    assert Client.objects.filter(pk=acme.pk).exists()


def test_note_added_by_htmx_refreshes_the_timeline(login, alice, acme):
    answer = login(alice).post(f"/clients/{acme.pk}/notes/", {"text": "Wants a demo"}, headers=HTMX)
    assert b"Wants a demo" in answer.content and b"<html" not in answer.content
    assert TimelineEntry.objects.filter(client=acme, kind="note").exists()


def test_note_added_without_js_redirects_to_the_card(login, alice, acme):
    answer = login(alice).post(f"/clients/{acme.pk}/notes/", {"text": "Wants a demo"})
    assert answer.status_code == 302


def test_empty_note_shows_the_error_in_the_form(login, alice, acme):
    answer = login(alice).post(f"/clients/{acme.pk}/notes/", {"text": ""}, headers=HTMX)
    assert b"errors" in answer.content
    assert not TimelineEntry.objects.filter(client=acme, kind="note").exists()


def test_link_and_unlink_a_contact_person_from_the_company_card(login, alice, acme, jean):
    browser = login(alice)
    found = browser.get(f"/clients/{acme.pk}/?tab=contacts&find=Dupont")
    assert b"Jean Dupont" in found.content
    answer = browser.post(f"/clients/{acme.pk}/contacts/", {"other": jean.pk, "role": "purchaser"})
    assert answer.status_code == 302
    contact = Contact.objects.get(company=acme, person=jean)
    assert contact.role.key == "purchaser"
    removed = browser.post(f"/clients/{acme.pk}/contacts/{contact.pk}/remove/", headers=HTMX)
    assert removed.status_code == 200
    assert not Contact.objects.exists()


def test_link_from_the_person_card_to_a_company(login, alice, acme, jean):
    browser = login(alice)
    browser.post(f"/clients/{jean.pk}/contacts/", {"other": acme.pk})
    assert Contact.objects.filter(company=acme, person=jean).exists()
    page = browser.get(f"/clients/{jean.pk}/?tab=contacts")
    assert b"Companies" in page.content and b"Acme Industries" in page.content


def test_history_tab_lists_the_changes(login, alice, acme):
    services.update_client(actor=alice, client=acme, version=acme.version, status="customer")
    page = login(alice).get(f"/clients/{acme.pk}/tabs/history/", headers=HTMX)
    assert b"Customer" in page.content or b"customer" in page.content
    assert b"Status: " in page.content


def test_list_pages_keep_the_filters_and_swap_only_the_results(login, alice):
    for n in range(55):
        ClientFactory(name=f"Acme {n:02d}", owner=alice)
    page = login(alice).get("/clients/?q=acme&page=1").content.decode()
    assert 'rel="next" href="?q=acme&amp;page=2"' in page
    assert 'hx-target="#client-results"' in page
    second = login(alice).get("/clients/?q=acme&page=2").content.decode()
    assert "Acme 54" in second and 'rel="prev"' in second and 'rel="next"' not in second


# --- the list: filter panel, columns, pages (carte/clients/views/lists.py) ---------------------------------


def _every_column(alice):
    CustomField.objects.create(key="tier", label="Tier", kind="choice", options=["gold", "silver"])
    CustomField.objects.create(key="manager", label="Manager", kind="employee")
    keys = ["kind", "status", "type", "source", "industry", "owner", "phone", "email", "tags", "created", "updated"]
    services.save_columns(actor=alice, columns=[*keys, "tax_id", "website", "cf_tier", "cf_manager"])


def _list_queries(browser, url="/clients/") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(url).status_code == 200
    return len(queries)


def test_list_with_every_column_runs_as_many_queries_for_5_or_60_clients(login, alice, make_client):
    _every_column(alice)
    browser = login(alice)
    counts = []
    for total in (5, 60):
        while Client.objects.count() < total:
            n = Client.objects.count()
            make_client(
                name=f"Client {n:02d}",
                tags=["vip"],
                phones=[("01 23 45 67 89", "work")],
                emails=[(f"c{n}@example.com", "work")],
                tax_ids=[("other", f"X{n}")],
                custom={"tier": "gold", "manager": alice.pk},
            )
        counts.append(_list_queries(browser, "/clients/?ordering=-updated"))
    assert counts[0] == counts[1] <= 20, counts  # the layout's open-deals strip and won deals included


def test_list_shows_only_the_chosen_columns(login, alice, acme):
    browser = login(alice)
    answer = browser.post("/clients/columns/", {"columns": ["email", "tags"], "filter": "q=acme&segment=3"})
    assert answer["Location"] == "/clients/?q=acme"
    page = browser.get("/clients/").content.decode()
    assert '<th scope="col">Email</th>' in page and '<th scope="col">Phone</th>' not in page
    assert "sales@acme.example" in page


def test_list_offers_every_filter_with_custom_fields_and_shows_refusals_beside_them(login, alice, acme):
    CustomField.objects.create(key="size", label="Size", kind="number")
    page = login(alice).get("/clients/?cf_size_min=lots&status=customer").content.decode()
    assert 'name="cf_size_min"' in page and 'name="cf_size_max"' in page and 'name="tags"' in page
    assert "cf_size_min: “lots” is not a number." in page
    assert "field-invalid" in page
    assert_csp_safe(page)


def test_list_filters_by_several_statuses_and_links_its_pages(login, alice):
    for n in range(120):
        ClientFactory(name=f"Acme {n:03d}", owner=alice, status="prospect" if n % 2 else "lead")
    ClientFactory(name="Other", owner=alice, status="customer")
    page = login(alice).get("/clients/?status=lead&status=prospect&page=2").content.decode()
    assert "120 clients" in page
    assert 'aria-current="page" href="?status=lead&amp;status=prospect&amp;page=2"' in page
    assert 'href="?status=lead&amp;status=prospect&amp;page=3"' in page
    assert "Acme 050" in page and "Other" not in page


def test_list_offers_bulk_actions_only_to_those_who_may_use_them(login, alice, rita, acme):
    assert b'id="bulk-form"' in login(alice).get("/clients/").content
    assert b'id="bulk-form"' not in login(rita).get("/clients/").content
