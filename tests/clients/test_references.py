"""Reference lists ("directories"): adding, renaming, ordering, archiving and deleting values."""

import pytest
from django.urls import reverse
from django.utils import translation

from carte.clients import queries, services
from carte.clients.models import Client, Contact, ReferenceValue
from carte.core.errors import Conflict, Invalid, NotAllowed, NotFound
from carte.core.models import AuditEntry
from carte.core.testing import ClientFactory, reference

API = "/api/v1/reference-lists"
STATUS, TAG, ROLE = ReferenceValue.List.STATUS, ReferenceValue.List.TAG, ReferenceValue.List.CONTACT_ROLE


def keys_of(reference_list):
    return list(queries.values_of(reference_list).values_list("key", flat=True))


def state():
    """Every value as stored, to prove a refusal changed nothing."""
    return list(ReferenceValue.objects.order_by("pk").values())


# ---------------------------------------------------------------------------------------------
# Adding
# ---------------------------------------------------------------------------------------------


def test_admin_adds_a_value_at_the_end_with_a_key_made_from_the_label(ada):
    value = services.add_reference_value(actor=ada, reference_list="source", label="  Trade   fair Lyon ")
    assert (value.key, value.label, str(value)) == ("trade-fair-lyon", "Trade fair Lyon", "Trade fair Lyon")
    assert keys_of("source")[-1] == "trade-fair-lyon"
    entry = AuditEntry.objects.get(model="clients.referencevalue", verb="create")
    assert entry.changes["label"] == [None, "Trade fair Lyon"]


@pytest.mark.parametrize(
    ("label", "key"), [("Énergie verte", "énergie-verte"), ("Оптовая торговля", "оптовая-торговля"), ("!!!", "value")]
)
def test_keys_keep_accented_and_cyrillic_letters(ada, label, key):
    assert services.add_reference_value(actor=ada, reference_list="industry", label=label).key == key


def test_a_taken_key_gets_a_number(ada):
    assert services.add_reference_value(actor=ada, reference_list="status", label="Lead!").key == "lead-2"
    assert services.add_reference_value(actor=ada, reference_list="status", label="Lead?").key == "lead-3"
    # Another list may use the same key.
    assert services.add_reference_value(actor=ada, reference_list="tag", label="Lead").key == "lead"


def test_a_key_may_be_given_and_is_checked(ada):
    assert (
        services.add_reference_value(actor=ada, reference_list="tag", label="Gold", key="gold_2024").key == "gold_2024"
    )
    before = state()
    for key in ("two words", "vip", "x" * 61):
        with pytest.raises(Invalid) as refused:
            services.add_reference_value(actor=ada, reference_list="tag", label="Other", key=key)
        assert "key" in refused.value.errors
    assert state() == before


@pytest.mark.parametrize("label", ["", "   ", "x" * 101, "lead", "LEAD", "Vip"])
def test_a_label_is_required_short_and_not_already_in_the_list(ada, label):
    reference_list = "tag" if label.lower() == "vip" else "status"
    before = state()
    with pytest.raises(Invalid) as refused:
        services.add_reference_value(actor=ada, reference_list=reference_list, label=label)
    assert "label" in refused.value.errors
    assert state() == before


def test_an_unknown_list_does_not_exist(ada):
    with pytest.raises(NotFound):
        services.add_reference_value(actor=ada, reference_list="planets", label="Mars")


@pytest.mark.parametrize("persona", ["mia", "alice", "rita"])
def test_only_those_with_the_right_change_the_lists(people, persona):
    actor = people[persona]
    lead = reference("status", "lead")
    before = state()
    attempts = [
        lambda: services.add_reference_value(actor=actor, reference_list="tag", label="Gold"),
        lambda: services.rename_reference_value(actor=actor, value=lead, label="New"),
        lambda: services.archive_reference_value(actor=actor, value=lead),
        lambda: services.restore_reference_value(actor=actor, value=lead),
        lambda: services.reorder_reference_values(actor=actor, reference_list="status", keys=["former"]),
        lambda: services.delete_reference_value(actor=actor, value=reference("tag", "vip")),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed):
            attempt()
    assert state() == before


# ---------------------------------------------------------------------------------------------
# Renaming and ordering
# ---------------------------------------------------------------------------------------------


def test_renaming_keeps_the_key_and_the_cards(ada, alice):
    client = ClientFactory(owner=alice, status="customer")
    customer = services.rename_reference_value(actor=ada, value=reference("status", "customer"), label="Client")
    assert customer.key == "customer"
    client.refresh_from_db()
    assert str(client.status) == "Client"
    assert AuditEntry.objects.get(verb="update", model="clients.referencevalue").changes == {"label": ["", "Client"]}


def test_a_renamed_builtin_shows_its_new_name_in_every_language_until_the_name_is_cleared(ada):
    lead = reference("status", "lead")
    with translation.override("ru"):
        assert str(lead) == "Лид"
    services.rename_reference_value(actor=ada, value=lead, label="New enquiry")
    for language in ("en", "fr", "ru"):
        with translation.override(language):
            assert str(reference("status", "lead")) == "New enquiry"
    services.rename_reference_value(actor=ada, value=lead, label="")
    lead.refresh_from_db()
    assert (lead.label, str(lead)) == ("", "Lead")


def test_a_value_of_an_admin_cannot_lose_its_name(ada):
    gold = services.add_reference_value(actor=ada, reference_list="tag", label="Gold")
    with pytest.raises(Invalid):
        services.rename_reference_value(actor=ada, value=gold, label=" ")
    gold.refresh_from_db()
    assert gold.label == "Gold"


def test_reorder_puts_the_named_keys_first_and_keeps_the_others_in_order(ada):
    services.reorder_reference_values(actor=ada, reference_list="status", keys=["former", "customer"])
    assert keys_of("status") == ["former", "customer", "lead", "prospect", "partner"]


def test_reorder_refuses_unknown_keys_and_changes_nothing(ada):
    before = state()
    with pytest.raises(Invalid):
        services.reorder_reference_values(actor=ada, reference_list="status", keys=["former", "vip"])
    assert state() == before


def test_moving_a_value_up_and_down(ada):
    services.move_reference_value(actor=ada, value=reference("status", "prospect"), step=-1)
    assert keys_of("status")[:2] == ["prospect", "lead"]
    services.move_reference_value(actor=ada, value=reference("status", "former"), step=1)  # already last
    assert keys_of("status")[-1] == "former"


# ---------------------------------------------------------------------------------------------
# Archiving
# ---------------------------------------------------------------------------------------------


def test_an_archived_value_is_refused_for_new_cards_but_kept_on_cards_that_have_it(ada, alice):
    client = services.create_client(actor=alice, name="Kept", status="partner", tags=["vip"], source="website")
    for value in (reference("status", "partner"), reference("tag", "vip"), reference("source", "website")):
        services.archive_reference_value(actor=ada, value=value)
    for field, given in (
        ("status", {"status": "partner"}),
        ("tags", {"tags": ["vip"]}),
        ("source", {"source": "website"}),
    ):
        with pytest.raises(Invalid) as refused:
            services.create_client(actor=alice, name="New", **given)
        assert field in refused.value.errors
    assert Client.objects.count() == 1
    kept = services.update_client(
        actor=alice, client=client, version=client.version, name="Kept and renamed", status="partner", tags=["vip"]
    )
    assert (kept.name, kept.status.key, [tag.key for tag in kept.tags.all()]) == (
        "Kept and renamed",
        "partner",
        ["vip"],
    )


def test_a_restored_value_is_offered_again(ada, alice):
    vip = reference("tag", "vip")
    services.archive_reference_value(actor=ada, value=vip)
    services.restore_reference_value(actor=ada, value=vip)
    assert [tag.key for tag in services.create_client(actor=alice, name="Again", tags=["vip"]).tags.all()] == ["vip"]


def test_archiving_the_default_status_makes_the_first_status_offered_the_default(ada, alice):
    services.archive_reference_value(actor=ada, value=reference("status", "lead"))
    assert services.create_client(actor=alice, name="Without status").status.key == "prospect"


def test_the_last_status_offered_cannot_be_archived_or_deleted(ada):
    for key in ("lead", "prospect", "customer", "partner"):
        services.archive_reference_value(actor=ada, value=reference("status", key))
    former = reference("status", "former")
    with pytest.raises(Conflict):
        services.archive_reference_value(actor=ada, value=former)
    with pytest.raises(Conflict):
        services.delete_reference_value(actor=ada, value=former)
    former.refresh_from_db()
    assert not former.archived


# ---------------------------------------------------------------------------------------------
# Deleting
# ---------------------------------------------------------------------------------------------


def test_an_unused_value_is_deleted_and_audited(ada):
    services.delete_reference_value(actor=ada, value=reference("source", "advertising"))
    assert "advertising" not in keys_of("source")
    entry = AuditEntry.objects.get(verb="delete", model="clients.referencevalue")
    assert entry.changes["key"] == ["advertising", None]


def test_a_status_in_use_cannot_be_deleted_and_the_message_says_how_many_cards(ada, alice):
    ClientFactory.create_batch(2, owner=alice, status="partner")
    before = state()
    with pytest.raises(Conflict) as refused:
        services.delete_reference_value(actor=ada, value=reference("status", "partner"))
    assert "2 client cards" in refused.value.message and "archive" in refused.value.message
    assert state() == before
    assert not AuditEntry.objects.filter(verb="delete").exists()


def test_a_tag_in_use_cannot_be_deleted(ada, alice):
    services.create_client(actor=alice, name="Tagged", tags=["vip"])
    with pytest.raises(Conflict) as refused:
        services.delete_reference_value(actor=ada, value=reference("tag", "vip"))
    assert "1 client card;" in refused.value.message
    assert reference("tag", "vip").tagged_clients.count() == 1


def test_a_contact_role_in_use_cannot_be_deleted(ada, alice):
    company, person = ClientFactory(owner=alice), ClientFactory(owner=alice, kind="person")
    Contact.objects.create(company=company, person=person, role=reference(ROLE, "accountant"))
    with pytest.raises(Conflict) as refused:
        services.delete_reference_value(actor=ada, value=reference(ROLE, "accountant"))
    assert "1 contact person" in refused.value.message
    services.archive_reference_value(actor=ada, value=reference(ROLE, "accountant"))
    assert Contact.objects.get().role.key == "accountant"


# ---------------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------------


def test_values_with_usage_count_every_kind_of_use_in_one_query(ada, alice, django_assert_max_num_queries):
    ClientFactory.create_batch(3, owner=alice, status="customer")
    tagged = ClientFactory(owner=alice)
    tagged.tags.add(reference(TAG, "vip"))
    Contact.objects.create(
        company=tagged, person=ClientFactory(owner=alice, kind="person"), role=reference(ROLE, "purchaser")
    )
    queries.values_with_usage(ada, STATUS)  # rights are read once per request
    with django_assert_max_num_queries(1):
        statuses = {value.key: value.usage for value in queries.values_with_usage(ada, STATUS)}
    assert statuses == {"lead": 2, "prospect": 0, "customer": 3, "partner": 0, "former": 0}
    assert {value.key: value.usage for value in queries.values_with_usage(ada, TAG)} == {"vip": 1}
    assert {value.key: value.usage for value in queries.values_with_usage(ada, ROLE)}["purchaser"] == 1


def test_usage_counts_are_for_those_who_hold_the_right(mia, alice):
    assert len(queries.values_with_usage(mia, STATUS)) == 5
    with pytest.raises(NotAllowed):
        queries.values_with_usage(alice, STATUS)


# ---------------------------------------------------------------------------------------------
# Screens
# ---------------------------------------------------------------------------------------------

PAGE = "clients:reference_lists"


def test_the_settings_index_links_the_reference_lists_for_managers_only(login, ada, mia, alice):
    assert reverse(PAGE) in login(ada).get(reverse("workspace:settings")).content.decode()
    assert reverse(PAGE) in login(mia).get(reverse("workspace:settings")).content.decode()
    assert login(alice).get(reverse(PAGE)).status_code == 403


def test_the_page_shows_one_list_with_usage_and_actions(login, ada, alice, django_assert_max_num_queries):
    ClientFactory.create_batch(4, owner=alice, status="customer")
    browser = login(ada)
    browser.get(reverse(PAGE))
    with django_assert_max_num_queries(12):
        page = browser.get(reverse(PAGE), {"list": "status"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Customer" in html and "<code>customer</code>" in html and ">4</td>" in html
    assert reverse("clients:reference_value_archive", args=["status", "customer"]) in html
    assert reverse("clients:reference_value_delete", args=["status", "prospect"]) in html
    assert reverse("clients:reference_value_delete", args=["status", "customer"]) not in html  # in use


def test_a_manager_sees_the_lists_without_actions(login, mia):
    html = login(mia).get(reverse(PAGE), {"list": "tag"}).content.decode()
    assert "VIP" in html and "/archive/" not in html and "Add a value" not in html


def test_an_unknown_list_is_not_found(login, ada):
    assert login(ada).get(reverse(PAGE), {"list": "planets"}).status_code == 404


def test_adding_a_value_from_the_page(login, ada):
    answer = login(ada).post(reverse("clients:reference_value_add", args=["tag"]), {"label": "Gold"})
    assert answer.status_code == 302 and answer["Location"].endswith("?list=tag")
    assert "gold" in keys_of("tag")


def test_a_bad_value_shows_the_problem_beside_the_field(login, ada):
    answer = login(ada).post(reverse("clients:reference_value_add", args=["tag"]), {"label": "VIP"})
    assert answer.status_code == 400
    assert "already has a value named" in answer.content.decode()


def test_renaming_inline_with_htmx(login, ada):
    browser = login(ada)
    url = reverse("clients:reference_value_rename", args=["status", "lead"])
    form = browser.get(url, headers={"HX-Request": "true"})
    assert form.status_code == 200 and b"<form" in form.content and b"<html" not in form.content
    saved = browser.post(url, {"label": "Enquiry"}, headers={"HX-Request": "true"})
    assert (
        saved.status_code == 200
        and b"Enquiry" in saved.content
        and b'<form class="inline-form" method="post" action="' + url.encode() not in saved.content
    )
    assert str(reference("status", "lead")) == "Enquiry"
    refused = browser.post(
        reverse("clients:reference_value_rename", args=["tag", "vip"]),
        {"label": "Enquiry" * 20},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 400 and b"errors" in refused.content


def test_renaming_without_javascript_shows_the_form_in_the_page(login, ada):
    html = login(ada).get(reverse("clients:reference_value_rename", args=["status", "lead"])).content.decode()
    assert "<html" in html and "New name for" in html


def test_deleting_a_value_in_use_from_the_page_says_why_and_keeps_it(login, ada, alice):
    ClientFactory(owner=alice, status="partner")
    browser = login(ada)
    url = reverse("clients:reference_value_delete", args=["status", "partner"])
    answer = browser.post(url, follow=True)
    assert "archive it instead" in answer.content.decode()
    fragment = browser.post(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 409 and b"data-error-fragment" in fragment.content
    assert "partner" in keys_of("status")


def test_actions_with_htmx_answer_the_list(login, ada):
    browser = login(ada)
    archived = browser.post(
        reverse("clients:reference_value_archive", args=["tag", "vip"]), headers={"HX-Request": "true"}
    )
    assert archived.status_code == 200 and b"Archived" in archived.content and b"<html" not in archived.content
    moved = browser.post(
        reverse("clients:reference_value_move", args=["status", "former"]),
        {"direction": "up"},
        headers={"HX-Request": "true"},
    )
    assert moved.status_code == 200
    assert keys_of("status")[-2:] == ["former", "partner"]


# ---------------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------------


def test_every_employee_reads_the_lists(login, rita, ada):
    services.rename_reference_value(actor=ada, value=reference("tag", "vip"), label="Very important")
    body = login(rita).get(API).json()
    assert [item["key"] for item in body] == list(ReferenceValue.List.values)
    tags = next(item for item in body if item["key"] == "tag")
    assert tags["values"] == [
        {"key": "vip", "label": "Very important", "order": 10, "archived": False, "builtin": True}
    ]
    one = login(rita).get(f"{API}/status").json()
    assert one["label"] == "Statuses" and one["values"][0]["key"] == "lead"
    assert login(rita).get(f"{API}/planets").status_code == 404


def test_the_api_adds_renames_archives_and_deletes(login, ada):
    browser = login(ada)
    added = browser.post(f"{API}/tag", {"label": "Gold"}, content_type="application/json")
    assert added.status_code == 201 and added.json()["key"] == "gold"
    changed = browser.patch(f"{API}/tag/gold", {"label": "Gold+", "archived": True}, content_type="application/json")
    assert (changed.json()["label"], changed.json()["archived"]) == ("Gold+", True)
    ordered = browser.put(f"{API}/tag/order", {"keys": ["gold", "vip"]}, content_type="application/json")
    assert [value["key"] for value in ordered.json()["values"]] == ["gold", "vip"]
    assert browser.delete(f"{API}/tag/gold").status_code == 204
    assert browser.delete(f"{API}/tag/gold").status_code == 404


def test_the_api_refuses_with_problems_and_changes_nothing(login, ada, alice):
    ClientFactory(owner=alice, status="partner")
    browser = login(ada)
    in_use = browser.delete(f"{API}/status/partner")
    assert in_use.status_code == 409 and "1 client card" in in_use.json()["detail"]
    for key in ("lead", "prospect", "customer", "partner"):
        browser.patch(f"{API}/status/{key}", {"archived": True}, content_type="application/json")
    before = state()
    last = browser.patch(f"{API}/status/former", {"label": "Gone", "archived": True}, content_type="application/json")
    assert last.status_code == 409
    assert state() == before  # the rename in the same request was not kept
    bad = browser.post(f"{API}/tag", {"label": ""}, content_type="application/json")
    assert bad.status_code == 400 and "label" in bad.json()["errors"]


def test_sellers_read_but_cannot_change_the_lists(login, alice):
    before = state()
    assert login(alice).post(f"{API}/tag", {"label": "Gold"}, content_type="application/json").status_code == 403
    assert login(alice).delete(f"{API}/tag/vip").status_code == 403
    assert state() == before
