"""Custom fields: their definitions (Settings and the API) and the values clients get in them."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from carte.clients import queries, services
from carte.clients.models import Client, CustomField, FieldValue
from carte.clients.services.custom_fields import MAX_ACTIVE_FIELDS
from carte.core.errors import Conflict, Invalid, NotAllowed
from carte.core.models import AuditEntry
from carte.core.testing import EmployeeFactory

API = "/api/v1/custom-fields"
Kind = CustomField.Kind


def state():
    """Every field and value as stored, to prove a refusal changed nothing."""
    return (
        list(CustomField.objects.order_by("pk").values()),
        list(FieldValue.objects.order_by("pk").values()),
    )


@pytest.fixture
def field(ada):
    """Make a field as an administrator."""

    def make(label="Field", kind=Kind.TEXT, **values):
        return services.create_custom_field(actor=ada, label=label, kind=kind, **values)

    return make


@pytest.fixture
def level(field):
    return field("Level", Kind.CHOICE, options=["Bronze", "Silver", "Gold"])


@pytest.fixture
def channels(field):
    return field("Channels", Kind.MULTICHOICE, options=["Mail", "Phone", "Visit"])


def values_of(client, custom_field):
    return sorted(FieldValue.objects.filter(client=client, field=custom_field).values_list("text", flat=True))


# ---------------------------------------------------------------------------------------------
# Definitions
# ---------------------------------------------------------------------------------------------


def test_admin_adds_a_field_of_each_kind_at_the_end(field):
    made = [
        field("Notes on delivery"),
        field("Employees count", Kind.NUMBER),
        field("Budget", Kind.MONEY, currency="eur"),
        field("Contract ends", Kind.DATE),
        field("Level", Kind.CHOICE, options=[" Bronze ", "Gold", ""]),
        field("Channels", Kind.MULTICHOICE, options=["Mail", "Phone"]),
        field("Newsletter", Kind.BOOLEAN, options=["ignored"], currency="EUR"),
        field("Account manager", Kind.EMPLOYEE, required=True),
    ]
    assert [f.key for f in made] == [
        "notes-on-delivery",
        "employees-count",
        "budget",
        "contract-ends",
        "level",
        "channels",
        "newsletter",
        "account-manager",
    ]
    assert [f.key for f in queries.custom_fields()] == [f.key for f in made]
    assert (made[2].currency, made[4].options, made[6].options, made[6].currency) == ("EUR", ["Bronze", "Gold"], [], "")
    assert made[7].required
    entry = AuditEntry.objects.filter(model="clients.customfield", verb="create").order_by("pk").first()
    assert entry.changes["label"] == [None, "Notes on delivery"]


def test_keys_are_made_unique_or_given(field):
    assert field("Budget").key == "budget"
    assert field("Budget!").key == "budget-2"
    assert field("Бюджет").key == "field"  # the key is Latin: give one for a name in another script
    assert field("Бюджет 2", key="byudzhet").key == "byudzhet"


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"label": "", "kind": "text"}, {"label"}),
        ({"label": "x" * 101, "kind": "text"}, {"label"}),
        ({"label": "Colour", "kind": "colour"}, {"kind"}),
        ({"label": "Level", "kind": "choice"}, {"options"}),
        ({"label": "Level", "kind": "choice", "options": ["  ", ""]}, {"options"}),
        ({"label": "Level", "kind": "choice", "options": ["Gold", "gold"]}, {"options"}),
        ({"label": "Level", "kind": "multichoice", "options": [str(n) for n in range(51)]}, {"options"}),
        ({"label": "Level", "kind": "choice", "options": ["x" * 101]}, {"options"}),
        ({"label": "Budget", "kind": "money"}, {"currency"}),
        ({"label": "Budget", "kind": "money", "currency": "EURO"}, {"currency"}),
        ({"label": "Budget", "kind": "money", "currency": "€"}, {"currency"}),
        ({"label": "Budget", "kind": "text", "key": "not a slug"}, {"key"}),
        ({"label": "Budget", "kind": "text", "key": "бюджет"}, {"key"}),
        ({"label": "", "kind": "money", "currency": "E1"}, {"label", "currency"}),
    ],
)
def test_a_bad_definition_is_refused_whole_with_a_message_per_field(ada, values, errors):
    before = state()
    with pytest.raises(Invalid) as refused:
        services.create_custom_field(actor=ada, **values)
    assert set(refused.value.errors) == errors
    assert all(refused.value.errors[name] for name in errors)
    assert state() == before


def test_a_taken_key_is_refused(field, ada):
    field("Budget")
    with pytest.raises(Invalid) as refused:
        services.create_custom_field(actor=ada, label="Other", kind="text", key="budget")
    assert "key" in refused.value.errors


def test_at_most_fifty_fields_are_in_use(field, ada):
    made = [field(f"Field {n}") for n in range(MAX_ACTIVE_FIELDS)]
    with pytest.raises(Conflict):
        field("One too many")
    services.archive_custom_field(actor=ada, field=made[0])
    extra = field("Now there is room")
    with pytest.raises(Conflict):
        services.restore_custom_field(actor=ada, field=made[0])
    assert extra.key == "now-there-is-room"
    assert CustomField.objects.get(pk=made[0].pk).archived


@pytest.mark.parametrize("persona", ["mia", "alice", "rita"])
def test_only_those_with_the_right_define_fields(people, level, persona):
    actor = people[persona]
    before = state()
    attempts = [
        lambda: services.create_custom_field(actor=actor, label="Mine", kind="text"),
        lambda: services.update_custom_field(actor=actor, field=level, label="Tier"),
        lambda: services.archive_custom_field(actor=actor, field=level),
        lambda: services.reorder_custom_fields(actor=actor, keys=["level"]),
        lambda: services.delete_custom_field(actor=actor, field=level),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed):
            attempt()
    assert state() == before


def test_updating_changes_what_is_given_and_is_audited(ada, level):
    changed = services.update_custom_field(actor=ada, field=level, label="Tier", required=True)
    assert (changed.label, changed.required, changed.options, changed.key) == ("Tier", True, level.options, "level")
    entry = AuditEntry.objects.get(model="clients.customfield", verb="update")
    assert entry.changes == {"label": ["Level", "Tier"], "required": [False, True]}


def test_the_kind_changes_only_while_no_card_has_a_value(ada, alice, field):
    notes = field("Notes")
    services.update_custom_field(actor=ada, field=notes, kind="number")
    services.create_client(actor=alice, name="Valued", custom={"notes": "42"})
    before = state()
    with pytest.raises(Conflict) as refused:
        services.update_custom_field(actor=ada, field=notes, kind="text", label="Renamed too")
    assert "kind" in refused.value.errors
    assert state() == before


def test_a_choice_cards_have_cannot_be_removed(ada, alice, level):
    services.create_client(actor=alice, name="Golden", custom={"level": "Gold"})
    before = state()
    with pytest.raises(Conflict) as refused:
        services.update_custom_field(actor=ada, field=level, options=["Bronze", "Silver"])
    assert "Gold" in refused.value.message and "1 card" in refused.value.message
    assert state() == before
    # A choice nobody has goes.
    assert services.update_custom_field(actor=ada, field=level, options=["Silver", "Gold"]).options == [
        "Silver",
        "Gold",
    ]


def test_renaming_a_choice_updates_the_cards(ada, alice, level):
    golden = services.create_client(actor=alice, name="Golden", custom={"level": "Gold"})
    silver = services.create_client(actor=alice, name="Silver", custom={"level": "Silver"})
    changed = services.update_custom_field(
        actor=ada, field=level, options=["Bronze", "Silver", "Platinum"], rename={"Gold": "Platinum"}
    )
    assert changed.options == ["Bronze", "Silver", "Platinum"]
    assert (values_of(golden, level), values_of(silver, level)) == (["Platinum"], ["Silver"])
    assert "Gold → Platinum" in AuditEntry.objects.get(model="clients.customfield", verb="update").changes["renamed"][1]


def test_a_rename_alone_renames_in_place_and_swaps_work(ada, alice, level):
    golden = services.create_client(actor=alice, name="Golden", custom={"level": "Gold"})
    silver = services.create_client(actor=alice, name="Silver", custom={"level": "Silver"})
    changed = services.update_custom_field(actor=ada, field=level, rename={"Gold": "Silver", "Silver": "Gold"})
    assert changed.options == ["Bronze", "Gold", "Silver"]
    assert (values_of(golden, level), values_of(silver, level)) == (["Silver"], ["Gold"])


def test_renaming_onto_another_choice_merges_multichoice_values(ada, alice, channels):
    both = services.create_client(actor=alice, name="Both", custom={"channels": ["Mail", "Phone"]})
    services.update_custom_field(actor=ada, field=channels, options=["Phone", "Visit"], rename={"Mail": "Phone"})
    assert values_of(both, channels) == ["Phone"]


@pytest.mark.parametrize("rename", [{"Diamond": "Gold"}, {"Gold": "Diamond"}])
def test_a_rename_must_go_from_a_choice_to_a_new_choice(ada, level, rename):
    with pytest.raises(Invalid) as refused:
        services.update_custom_field(actor=ada, field=level, options=["Bronze", "Silver", "Gold"], rename=rename)
    assert "rename" in refused.value.errors


def test_a_field_with_values_is_archived_not_deleted(ada, alice, field):
    budget = field("Budget", Kind.MONEY, currency="EUR")
    client = services.create_client(actor=alice, name="Rich", custom={"budget": "1000"})
    with pytest.raises(Conflict) as refused:
        services.delete_custom_field(actor=ada, field=budget)
    assert "1 client card" in refused.value.message
    services.archive_custom_field(actor=ada, field=budget)
    with pytest.raises(Conflict):
        services.delete_custom_field(actor=ada, field=budget)
    assert FieldValue.objects.filter(client=client).count() == 1
    # Archived: the card no longer takes it.
    with pytest.raises(Invalid) as refused:
        services.update_client(actor=alice, client=client, version=client.version, custom={"budget": "5"})
    assert "custom_budget" in refused.value.errors


def test_a_field_without_values_is_deleted(ada, field):
    notes = field("Notes")
    services.delete_custom_field(actor=ada, field=notes)
    assert not CustomField.objects.exists()
    assert AuditEntry.objects.filter(model="clients.customfield", verb="delete").exists()


def test_reordering_and_moving_fields(ada, field):
    first, second, third = field("One"), field("Two"), field("Three")
    services.reorder_custom_fields(actor=ada, keys=["three"])
    assert [f.key for f in queries.custom_fields()] == ["three", "one", "two"]
    services.move_custom_field(actor=ada, field=second, step=-1)
    assert [f.key for f in queries.custom_fields()] == ["three", "two", "one"]
    with pytest.raises(Invalid):
        services.reorder_custom_fields(actor=ada, keys=["four"])
    assert {first.key, third.key} < {f.key for f in queries.custom_fields()}


def test_counts_of_values_per_field(ada, alice, channels, level, django_assert_max_num_queries):
    services.create_client(actor=alice, name="A", custom={"channels": ["Mail", "Phone"], "level": "Gold"})
    services.create_client(actor=alice, name="B", custom={"channels": ["Visit"]})
    queries.custom_fields_with_counts(ada)  # rights are read once per request
    with django_assert_max_num_queries(1):
        counts = {f.key: f.value_count for f in queries.custom_fields_with_counts(ada)}
    assert counts == {"channels": 2, "level": 1}
    with pytest.raises(NotAllowed):
        queries.custom_fields_with_counts(alice)


# ---------------------------------------------------------------------------------------------
# Values on clients, kind by kind
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def every_kind(field, bob):
    return {
        "notes": field("Notes"),
        "staff": field("Staff", Kind.NUMBER),
        "budget": field("Budget", Kind.MONEY, currency="EUR"),
        "renewal": field("Renewal", Kind.DATE),
        "level": field("Level", Kind.CHOICE, options=["Bronze", "Gold"]),
        "channels": field("Channels", Kind.MULTICHOICE, options=["Mail", "Phone", "Visit"]),
        "newsletter": field("Newsletter", Kind.BOOLEAN),
        "manager": field("Manager", Kind.EMPLOYEE),
    }


def test_a_client_gets_a_value_of_each_kind(alice, bob, every_kind):
    custom = {
        "notes": "  Ring twice ",
        "staff": "1 250,5",
        "budget": 1200.5,
        "renewal": "2027-02-28",
        "level": "gold",
        "channels": ["Phone", "Mail", "Phone"],
        "newsletter": "oui",
        "manager": str(bob.pk),
    }
    client = services.create_client(actor=alice, name="Full", custom=custom)
    rows = {row.field.key: row for row in FieldValue.objects.filter(client=client).select_related("field")}
    assert rows["notes"].text == "Ring twice"
    assert rows["staff"].number == Decimal("1250.5")
    assert rows["budget"].number == Decimal("1200.50")
    assert rows["renewal"].date == date(2027, 2, 28)
    assert rows["level"].text == "Gold"  # the choice as the field spells it
    assert values_of(client, every_kind["channels"]) == ["Mail", "Phone"]
    assert rows["newsletter"].flag is True
    assert rows["manager"].employee == bob


def test_a_french_amount_with_a_narrow_no_break_space_is_a_number(alice, every_kind):
    client = services.create_client(actor=alice, name="Paris", custom={"budget": "12\u202f500,00", "staff": "1\xa0000"})
    numbers = dict(FieldValue.objects.filter(client=client).values_list("field__key", "number"))
    assert numbers == {"budget": Decimal("12500"), "staff": Decimal("1000")}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("notes", "x" * 1001),
        ("staff", "twelve"),
        ("staff", "1e20"),
        ("staff", "NaN"),
        ("budget", "12,5,0"),
        ("renewal", "2027-02-30"),
        ("renewal", "next year"),
        ("level", "Platinum"),
        ("level", ["Bronze", "Gold"]),
        ("channels", ["Mail", "Fax"]),
        ("newsletter", "maybe"),
        ("manager", "someone"),
        ("manager", "99999999999999999999999"),
        ("manager", "²"),
        ("manager", "-1"),
    ],
)
def test_a_wrong_value_is_refused_with_the_field_named_and_nothing_saved(alice, every_kind, key, value):
    with pytest.raises(Invalid) as refused:
        services.create_client(actor=alice, name="Wrong", custom={key: value})
    assert list(refused.value.errors) == [f"custom_{key}"]
    assert not Client.objects.exists() and not FieldValue.objects.exists()


def test_an_inactive_employee_cannot_be_chosen(alice, every_kind):
    retired = EmployeeFactory(username="retired", is_active=False)
    with pytest.raises(Invalid):
        services.create_client(actor=alice, name="Wrong", custom={"manager": retired.pk})


def test_an_unknown_or_archived_field_is_refused(ada, alice, every_kind):
    services.archive_custom_field(actor=ada, field=every_kind["notes"])
    with pytest.raises(Invalid) as refused:
        services.create_client(actor=alice, name="Wrong", custom={"notes": "x", "colour": "red"})
    assert set(refused.value.errors) == {"custom_notes", "custom_colour"}


def test_a_required_field_needs_a_value_and_blank_text_is_no_value(alice, field):
    field("Siret note", required=True)
    for blank in (None, "", "   ", []):
        with pytest.raises(Invalid) as refused:
            services.create_client(actor=alice, name="Blank", custom={"siret-note": blank})
        assert refused.value.errors == {"custom_siret-note": ["This field is required."]}
    with pytest.raises(Invalid):
        services.create_client(actor=alice, name="Missing")
    assert services.create_client(actor=alice, name="Given", custom={"siret-note": "ok"}).pk


def test_blank_values_are_no_values(alice, every_kind):
    client = services.create_client(
        actor=alice, name="Blank", custom={"notes": "  ", "staff": " ", "renewal": "", "channels": [" "]}
    )
    assert not FieldValue.objects.filter(client=client).exists()


def test_saving_the_same_values_again_changes_nothing(alice, every_kind, bob):
    custom = {"budget": "99.9", "staff": "100", "renewal": "2027-01-01", "manager": bob.pk, "channels": ["Mail"]}
    client = services.create_client(actor=alice, name="Stable", custom=custom)
    again = services.update_client(actor=alice, client=client, version=client.version, custom=custom)
    assert again.version == client.version
    assert not AuditEntry.objects.filter(model="clients.client", verb="update").exists()


def test_updating_changes_only_the_fields_given(alice, every_kind):
    client = services.create_client(actor=alice, name="Partial", custom={"notes": "Keep", "staff": "3"})
    services.update_client(actor=alice, client=client, version=client.version, custom={"staff": ""})
    assert list(FieldValue.objects.filter(client=client).values_list("field__key", "text")) == [("notes", "Keep")]


# ---------------------------------------------------------------------------------------------
# Screens
# ---------------------------------------------------------------------------------------------


def test_the_list_page_shows_fields_with_their_counts(login, ada, alice, level, django_assert_max_num_queries):
    services.create_client(actor=alice, name="Golden", custom={"level": "Gold"})
    browser = login(ada)
    browser.get(reverse("clients:custom_fields"))
    with django_assert_max_num_queries(12):
        html = browser.get(reverse("clients:custom_fields")).content.decode()
    assert "Level" in html and "<code>level</code>" in html and ">1</td>" in html
    assert reverse("clients:custom_field_delete", args=["level"]) not in html  # it has values


def test_creating_a_field_from_the_form(login, ada):
    form = {"label": "Level", "kind": "choice", "options": "Bronze\r\n\r\nGold\r\n", "currency": "", "key": ""}
    answer = login(ada).post(reverse("clients:custom_field_create"), form)
    assert answer.status_code == 302
    assert CustomField.objects.get().options == ["Bronze", "Gold"]


def test_a_bad_form_shows_every_problem_and_saves_nothing(login, ada):
    answer = login(ada).post(
        reverse("clients:custom_field_create"), {"label": "Budget", "kind": "money", "currency": "E"}
    )
    assert answer.status_code == 400
    assert "three-letter code" in answer.content.decode()
    assert not CustomField.objects.exists()


def test_editing_renames_a_choice_with_an_arrow_line(login, ada, alice, level):
    golden = services.create_client(actor=alice, name="Golden", custom={"level": "Gold"})
    browser = login(ada)
    page = browser.get(reverse("clients:custom_field_edit", args=["level"])).content.decode()
    assert "disabled" in page  # the kind is fixed once cards have values
    form = {"label": "Level", "kind": "text", "options": "Bronze\nSilver\nPlatinum", "rename": "Gold -> Platinum"}
    answer = browser.post(reverse("clients:custom_field_edit", args=["level"]), form)
    assert answer.status_code == 302
    assert values_of(golden, level) == ["Platinum"]
    assert CustomField.objects.get().kind == "choice"


def test_removing_a_used_choice_in_the_form_says_why(login, ada, alice, level):
    services.create_client(actor=alice, name="Golden", custom={"level": "Gold"})
    form = {"label": "Level", "options": "Bronze\nSilver"}
    answer = login(ada).post(reverse("clients:custom_field_edit", args=["level"]), form)
    assert answer.status_code == 400 and "Gold" in answer.content.decode()
    assert CustomField.objects.get().options == ["Bronze", "Silver", "Gold"]


def test_archive_restore_delete_and_move_from_the_list(login, ada, field):
    one, two = field("One"), field("Two")
    browser = login(ada)
    browser.post(reverse("clients:custom_field_archive", args=["one"]))
    assert CustomField.objects.get(pk=one.pk).archived
    browser.post(reverse("clients:custom_field_restore", args=["one"]))
    assert not CustomField.objects.get(pk=one.pk).archived
    browser.post(reverse("clients:custom_field_move", args=["two"]), {"direction": "up"})
    assert [f.key for f in queries.custom_fields()] == ["two", "one"]
    browser.post(reverse("clients:custom_field_delete", args=["two"]))
    assert not CustomField.objects.filter(pk=two.pk).exists()


def test_sellers_cannot_open_the_settings_pages(login, alice, level):
    assert login(alice).get(reverse("clients:custom_fields")).status_code == 403
    assert login(alice).get(reverse("clients:custom_field_edit", args=["level"])).status_code == 403


# ---------------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------------


def test_every_employee_reads_what_custom_accepts(login, ada, rita, level, field):
    services.archive_custom_field(actor=ada, field=field("Old"))
    body = login(rita).get(API).json()
    assert body == [
        {
            "key": "level",
            "label": "Level",
            "kind": "choice",
            "options": ["Bronze", "Silver", "Gold"],
            "currency": "",
            "required": False,
            "order": 10,
            "archived": False,
        }
    ]
    assert len(login(rita).get(API, {"archived": "true"}).json()) == 2
    assert login(rita).get(f"{API}/level").json()["kind"] == "choice"
    assert login(rita).get(f"{API}/nothing").status_code == 404


def test_the_api_defines_changes_and_deletes_fields(login, ada):
    browser = login(ada)
    made = browser.post(API, {"label": "Budget", "kind": "money", "currency": "usd"}, content_type="application/json")
    assert made.status_code == 201 and made.json()["currency"] == "USD"
    changed = browser.patch(
        f"{API}/budget", {"label": "Yearly budget", "required": True}, content_type="application/json"
    )
    assert (changed.json()["label"], changed.json()["required"]) == ("Yearly budget", True)
    assert browser.delete(f"{API}/budget").status_code == 204


def test_the_api_refuses_bad_definitions_and_kind_changes_with_problems(login, ada, alice, level):
    browser = login(ada)
    bad = browser.post(API, {"label": "", "kind": "choice"}, content_type="application/json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"label", "options"}
    services.create_client(actor=alice, name="Golden", custom={"level": "Gold"})
    before = state()
    kind = browser.patch(f"{API}/level", {"kind": "text"}, content_type="application/json")
    assert kind.status_code == 409 and "kind" in kind.json()["errors"]
    delete = browser.delete(f"{API}/level")
    assert delete.status_code == 409
    assert state() == before
    renamed = browser.patch(f"{API}/level", {"rename": {"Gold": "Platinum"}}, content_type="application/json")
    assert renamed.json()["options"] == ["Bronze", "Silver", "Platinum"]


def test_sellers_cannot_define_fields(login, alice, level):
    before = state()
    browser = login(alice)
    assert browser.post(API, {"label": "Mine", "kind": "text"}, content_type="application/json").status_code == 403
    assert browser.patch(f"{API}/level", {}, content_type="application/json").status_code == 403
    assert browser.delete(f"{API}/level").status_code == 403
    assert state() == before
