"""Merging duplicate cards: values chosen, lists united, every related record moved, all or nothing."""

import pytest

from carte.clients import search, services
from carte.clients.models import Client, Contact, CustomField, FieldValue, TimelineEntry
from carte.clients.services.merge import register_merge_hook, unregister_merge_hook
from carte.core.errors import Conflict, Invalid, NotAllowed
from carte.core.models import AuditEntry
from carte.core.testing import database_state


def audit_of(client_id):
    return AuditEntry.objects.filter(model="clients.client", object_id=str(client_id))


@pytest.fixture
def acme(mia, alice):
    return services.create_client(
        actor=mia,
        owner=alice,
        name="Acme",
        website="acme.example",
        phones=[services.PhoneData("06 12 34 56 78", "mobile")],
        emails=[services.EmailData("sales@acme.example")],
        tax_ids=[("vat", "FR40303265045")],
        tags=["vip"],
        notes="Pays on time.",
    )


@pytest.fixture
def acme_sarl(mia, bob):
    return services.create_client(
        actor=mia,
        owner=bob,
        name="ACME SARL",
        legal_name="Acme Société à responsabilité limitée",
        status="customer",
        phones=[services.PhoneData("+33 6 12 34 56 78"), services.PhoneData("01 23 45 67 89")],
        emails=[services.EmailData("SALES@acme.example"), services.EmailData("boss@acme.example")],
        tax_ids=[("vat", "FR 40 303 265 045"), ("siren", "732 829 320")],
        messengers=[("telegram", "@acme")],
        notes="Call before noon.",
    )


@pytest.fixture
def person(mia, alice):
    def make(first, last):
        return services.create_client(actor=mia, owner=alice, kind="person", name="", first_name=first, last_name=last)

    return make


@pytest.fixture
def hook():
    """Register merge hooks for one test only."""
    registered = []

    def register(function):
        register_merge_hook(function)
        registered.append(function)

    yield register
    for function in registered:
        unregister_merge_hook(function)


def merge(actor, survivor, *others, **options):
    return services.merge_clients(actor=actor, survivor=survivor, others=list(others), **options)


def test_manager_merges_a_duplicate_into_the_card_kept(mia, acme, acme_sarl):
    result = merge(mia, acme, acme_sarl)
    assert not Client.objects.filter(pk=acme_sarl.pk).exists()
    kept = Client.objects.get(pk=acme.pk)
    assert result.survivor == kept
    assert result.merged == [f"ACME SARL (#{acme_sarl.pk})"]
    assert kept.version == acme.version + 1


def test_unchosen_fields_keep_the_survivor_s_value_or_else_the_first_other_one(mia, alice, acme, acme_sarl):
    merge(mia, acme, acme_sarl)
    kept = Client.objects.get(pk=acme.pk)
    assert (kept.name, kept.status.key, kept.owner, kept.notes) == ("Acme", "lead", alice, "Pays on time.")
    assert kept.legal_name == "Acme Société à responsabilité limitée"  # the survivor had none


def test_chosen_values_are_kept(mia, bob, acme, acme_sarl):
    choices = {"name": acme_sarl.pk, "status": acme_sarl.pk, "owner": acme_sarl.pk, "website": acme.pk}
    merge(mia, acme, acme_sarl, choices=choices)
    kept = Client.objects.get(pk=acme.pk)
    assert (kept.name, kept.status.key, kept.owner, kept.website) == ("ACME SARL", "customer", bob, acme.website)


def test_notes_of_both_cards_can_be_kept(mia, acme, acme_sarl):
    merge(mia, acme, acme_sarl, choices={"notes": "both"})
    assert Client.objects.get(pk=acme.pk).notes == "Pays on time.\n\nCall before noon."


def test_lists_are_united_without_repeats(mia, acme, acme_sarl):
    result = merge(mia, acme, acme_sarl)
    kept = Client.objects.get(pk=acme.pk)
    assert [p.number for p in kept.phones.all()] == ["06 12 34 56 78", "01 23 45 67 89"]
    assert [e.address for e in kept.emails.all()] == ["sales@acme.example", "boss@acme.example"]
    assert [(t.kind, t.value) for t in kept.tax_ids.all()] == [("vat", "FR40303265045"), ("siren", "732 829 320")]
    assert [(m.kind, m.handle) for m in kept.messengers.all()] == [("telegram", "@acme")]
    assert [tag.key for tag in kept.tags.all()] == ["vip"]
    assert {key: result.moved[key] for key in ("phones", "emails", "tax_ids", "messengers", "tags")} == {
        "phones": 1,
        "emails": 1,
        "tax_ids": 1,
        "messengers": 1,
        "tags": 0,
    }


def test_custom_fields_are_chosen_per_field(mia, acme, acme_sarl):
    size = CustomField.objects.create(key="size", label="Size", kind=CustomField.Kind.TEXT)
    sector = CustomField.objects.create(key="sector", label="Sector", kind=CustomField.Kind.TEXT)
    services.update_client(actor=mia, client=acme, version=acme.version, custom={"size": "small"})
    services.update_client(
        actor=mia, client=acme_sarl, version=acme_sarl.version, custom={"size": "big", "sector": "IT"}
    )
    merge(mia, acme, acme_sarl, choices={"custom_size": acme_sarl.pk})
    values = {value.field: value.text for value in FieldValue.objects.filter(client=acme)}
    assert values == {size: "big", sector: "IT"}


def test_contacts_move_and_a_person_linked_to_both_companies_keeps_one_link(mia, acme, acme_sarl, person):
    paul, nina = person("Paul", "Martin"), person("Nina", "Petit")
    services.link_contact(actor=mia, company=acme, person=paul)
    services.link_contact(actor=mia, company=acme_sarl, person=paul, role="purchaser")
    services.link_contact(actor=mia, company=acme_sarl, person=nina)
    result = merge(mia, acme, acme_sarl)
    links = {(link.company_id, link.person_id): link.role for link in Contact.objects.all()}
    assert set(links) == {(acme.pk, paul.pk), (acme.pk, nina.pk)}
    assert links[(acme.pk, paul.pk)].key == "purchaser"  # the link kept had no role: it takes the other's
    assert result.moved["contacts"] == 1
    # Paul's timeline said he became a contact of ACME SARL: it now leads to the card kept.
    assert not TimelineEntry.objects.filter(link=f"/clients/{acme_sarl.pk}/").exists()
    assert TimelineEntry.objects.filter(client=paul, link=f"/clients/{acme.pk}/").count() == 2


def test_persons_merge_with_their_companies(mia, acme, acme_sarl, person):
    first, second = person("Jean", "Dupont"), person("Jean", "Dupond")
    services.link_contact(actor=mia, company=acme, person=first)
    services.link_contact(actor=mia, company=acme, person=second, role="accountant")
    services.link_contact(actor=mia, company=acme_sarl, person=second)
    merge(mia, first, second, choices={"last_name": second.pk})
    kept = Client.objects.get(pk=first.pk)
    assert kept.name == "Jean Dupond"  # a person's name follows the first and last names kept
    links = {(link.company_id, link.person_id): link.role for link in Contact.objects.all()}
    assert set(links) == {(acme.pk, first.pk), (acme_sarl.pk, first.pk)}
    assert links[(acme.pk, first.pk)].key == "accountant"


def test_timeline_moves_and_says_what_was_merged(mia, acme, acme_sarl):
    services.add_note(actor=mia, client=acme_sarl, text="Met at the fair")
    entries = TimelineEntry.objects.filter(client=acme_sarl).count()
    result = merge(mia, acme, acme_sarl)
    assert result.moved["timeline"] == entries
    assert TimelineEntry.objects.filter(client=acme, summary="Met at the fair").exists()
    merged = TimelineEntry.objects.get(client=acme, kind="merged")
    assert merged.summary == f"Merged with ACME SARL (#{acme_sarl.pk})"


def test_both_histories_record_the_merge(mia, acme, acme_sarl):
    merge(mia, acme, acme_sarl, choices={"status": acme_sarl.pk})
    kept = audit_of(acme.pk).filter(verb="update").get()
    assert kept.changes["merged"] == [None, f"ACME SARL (#{acme_sarl.pk})"]
    assert kept.changes["status"] == ["Lead", "Customer"]
    assert kept.changes["phones"][1] == "Mobile: 06 12 34 56 78; Work: 01 23 45 67 89"
    assert "name" not in kept.changes
    removed = audit_of(acme_sarl.pk).filter(verb="delete").get()
    assert removed.changes["name"] == ["ACME SARL", None]
    assert removed.changes["emails"] == ["Work: sales@acme.example; Work: boss@acme.example", None]
    assert removed.changes["merged_into"] == [None, f"Acme (#{acme.pk})"]


def test_three_cards_merge_at_once(mia, acme, acme_sarl):
    third = services.create_client(actor=mia, name="Acme Ltd", phones=[("+44 20 7946 0958", "work")], tags=["vip"])
    result = merge(mia, acme, acme_sarl, third, choices={"name": third.pk})
    assert list(Client.objects.values_list("name", flat=True)) == ["Acme Ltd"]
    kept = Client.objects.get()
    assert kept.pk == acme.pk
    assert kept.phones.count() == 3
    assert len(result.merged) == 2
    assert TimelineEntry.objects.filter(client=kept, kind="merged").count() == 2


def test_the_card_kept_is_found_by_what_the_merged_cards_brought(mia, acme, acme_sarl):
    merge(mia, acme, acme_sarl)
    assert [client.pk for client in search.find_clients(mia, "boss@acme")] == [acme.pk]


def test_a_seller_without_the_delete_right_cannot_merge_and_nothing_changes(alice, acme, person):
    first, second = person("Jean", "Dupont"), person("Jean", "Dupond")  # Alice owns both
    before = database_state()
    with pytest.raises(NotAllowed) as refused:
        merge(alice, first, second)
    assert "Jean Dupond" in str(refused.value.message)
    assert database_state() == before


def test_a_company_and_a_person_cannot_merge(mia, acme, person):
    jean = person("Jean", "Dupont")
    before = database_state()
    with pytest.raises(Invalid) as refused:
        merge(mia, acme, jean)
    assert "company and a private person" in str(refused.value.message)
    assert database_state() == before


def test_a_card_changed_since_it_was_read_makes_a_conflict(mia, acme, acme_sarl):
    read = {acme.pk: acme.version, acme_sarl.pk: acme_sarl.version}
    services.add_note(actor=mia, client=acme_sarl, text="Something new")  # notes do not change the card
    services.update_client(actor=mia, client=acme_sarl, version=acme_sarl.version, position="HQ")
    before = database_state()
    with pytest.raises(Conflict) as refused:
        merge(mia, acme, acme_sarl, versions=read)
    assert "ACME SARL" in str(refused.value.message)
    assert database_state() == before


def test_current_versions_let_the_merge_through(mia, acme, acme_sarl):
    merge(mia, acme, acme_sarl, versions={str(acme.pk): acme.version, str(acme_sarl.pk): acme_sarl.version})
    assert Client.objects.count() == 1


@pytest.mark.parametrize(
    "choices",
    [{"kind": 1}, {"password": 1}, {"name": 999_999}, {"status": "both"}, {"name": "first"}],
    ids=["kind", "unknown field", "other card", "both for a field without both", "not an id"],
)
def test_choices_must_name_a_field_and_one_of_the_cards(mia, acme, acme_sarl, choices):
    before = database_state()
    with pytest.raises(Invalid):
        merge(mia, acme, acme_sarl, choices=choices)
    assert database_state() == before


def test_a_card_cannot_be_merged_into_itself(mia, acme):
    with pytest.raises(Invalid):
        merge(mia, acme, acme)
    with pytest.raises(Invalid):
        merge(mia, acme)


def test_hooks_move_other_apps_records_and_report_them(mia, acme, acme_sarl, hook):
    calls = []

    def move_deals(survivor, others, actor):
        calls.append((survivor.pk, [other.pk for other in others], actor))
        return {"deals": 3}

    hook(move_deals)
    result = merge(mia, acme, acme_sarl)
    assert calls == [(acme.pk, [acme_sarl.pk], mia)]
    assert result.moved["deals"] == 3


def test_a_hook_that_fails_rolls_everything_back(mia, acme, acme_sarl, person, hook):
    paul = person("Paul", "Martin")
    services.link_contact(actor=mia, company=acme_sarl, person=paul)

    def broken(survivor, others, actor):
        raise RuntimeError("the deals table is on fire")

    hook(broken)
    before = database_state()
    with pytest.raises(RuntimeError):
        merge(mia, acme, acme_sarl, choices={"name": acme_sarl.pk, "notes": "both"})
    assert database_state() == before


def test_a_hook_may_refuse_the_merge(mia, acme, acme_sarl, hook):
    def refuse(survivor, others, actor):
        raise Conflict("An open invoice is in the way.")

    hook(refuse)
    before = database_state()
    with pytest.raises(Conflict):
        merge(mia, acme, acme_sarl)
    assert database_state() == before


# The merge screen


def test_screen_shows_the_cards_side_by_side_with_the_defaults_chosen(login, mia, acme, acme_sarl):
    page = login(mia).get("/clients/merge/", {"ids": [acme.pk, acme_sarl.pk]})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'name="survivor" value="{acme.pk}" checked' in html
    assert f'name="choice_name" value="{acme.pk}" checked' in html
    assert f'name="choice_name" value="{acme_sarl.pk}">' in html
    assert 'name="choice_notes" value="both"' in html
    assert 'name="choice_kind"' not in html and 'name="choice_position"' not in html  # same everywhere
    assert f'name="version_{acme_sarl.pk}" value="{acme_sarl.version}"' in html
    assert html.count('type="submit">Merge</button>') == 1
    assert "01 23 45 67 89" in html  # the lists each card brings


def test_screen_runs_a_bounded_number_of_queries(login, mia, acme, acme_sarl, person, django_assert_max_num_queries):
    for number in range(5):
        services.link_contact(actor=mia, company=acme_sarl, person=person("Paul", f"Martin {number}"))
    browser = login(mia)
    with django_assert_max_num_queries(30):
        assert browser.get("/clients/merge/", {"ids": [acme.pk, acme_sarl.pk]}).status_code == 200


def test_screen_adds_a_card_found_by_search_or_suggested(login, mia, acme, acme_sarl):
    html = login(mia).get("/clients/merge/", {"ids": [acme.pk], "find": "acme"}).content.decode()
    assert "Add at least one other card" in html
    assert "Merge</button>" not in html
    add = f"/clients/merge/?ids={acme.pk}&amp;ids={acme_sarl.pk}&amp;survivor={acme.pk}"
    assert html.count(f'href="{add}"') == 2  # as a possible duplicate and as a search result


def test_merging_from_the_screen_opens_the_card_kept(login, mia, acme, acme_sarl):
    browser = login(mia)
    form = {
        "ids": [acme.pk, acme_sarl.pk],
        "survivor": acme_sarl.pk,
        "choice_name": acme.pk,
        f"version_{acme.pk}": acme.version,
        f"version_{acme_sarl.pk}": acme_sarl.version,
    }
    answer = browser.post("/clients/merge/", form, follow=True)
    assert answer.redirect_chain == [(f"/clients/{acme_sarl.pk}/", 302)]
    assert f"Acme (#{acme.pk}) was merged into this card." in answer.content.decode()
    assert list(Client.objects.values_list("pk", "name")) == [(acme_sarl.pk, "Acme")]


def test_a_refused_merge_comes_back_to_the_screen_with_the_reason(login, mia, acme, acme_sarl):
    services.update_client(actor=mia, client=acme_sarl, version=acme_sarl.version, position="HQ")
    form = {"ids": [acme.pk, acme_sarl.pk], f"version_{acme_sarl.pk}": acme_sarl.version}
    browser = login(mia)
    before = database_state()
    answer = browser.post("/clients/merge/", form)
    assert database_state() == before
    answer = browser.get(answer["Location"])
    assert answer.request["QUERY_STRING"] == f"ids={acme.pk}&ids={acme_sarl.pk}&survivor={acme.pk}"
    assert "ACME SARL changed since you opened the merge" in answer.content.decode()


def test_screen_says_a_company_and_a_person_cannot_merge(login, mia, acme, person):
    html = login(mia).get("/clients/merge/", {"ids": [acme.pk, person("Jean", "Dupont").pk]}).content.decode()
    assert "A company and a private person cannot be merged." in html
    assert "Merge</button>" not in html


def test_screen_refuses_a_seller_with_the_reason(login, alice, acme, acme_sarl):
    page = login(alice).get("/clients/merge/", {"ids": [acme.pk]})
    assert page.status_code == 403
    assert "you do not have the right to delete clients" in page.content.decode()


# The API


def test_api_merges_and_answers_the_card_kept(login, mia, acme, acme_sarl):
    payload = {
        "survivor": acme.pk,
        "others": [acme_sarl.pk],
        "choices": {"status": acme_sarl.pk, "notes": "both"},
        "versions": {str(acme.pk): acme.version},
    }
    answer = login(mia).post("/api/v1/clients/merge", payload, content_type="application/json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["survivor"]["id"], body["survivor"]["status"]["key"]) == (acme.pk, "customer")
    assert len(body["survivor"]["phones"]) == 2
    assert body["merged"] == [f"ACME SARL (#{acme_sarl.pk})"]
    assert body["moved"]["emails"] == 1


@pytest.mark.parametrize(
    ("change", "status"),
    [("stale", 409), ("alone", 400), ("bad choice", 400)],
)
def test_api_refusals_are_problems_and_change_nothing(login, mia, acme, acme_sarl, change, status):
    payload = {"survivor": acme.pk, "others": [acme_sarl.pk]}
    payload |= {
        "stale": {"versions": {str(acme_sarl.pk): acme_sarl.version - 1}},
        "alone": {"others": []},
        "bad choice": {"choices": {"owner": 0}},
    }[change]
    browser = login(mia)
    before = database_state()
    answer = browser.post("/api/v1/clients/merge", payload, content_type="application/json")
    assert answer.status_code == status, answer.content
    assert answer["Content-Type"] == "application/problem+json"
    assert database_state() == before
