"""Likely duplicates: the same phone, email or tax id however typed, or a very similar name; never a hidden client."""

import pytest

from carte.clients import queries, services
from carte.clients.queries.duplicates import comparable_name, similarity


@pytest.fixture
def acme(make_client):
    return make_client(
        name="Acme",
        phones=[services.PhoneData("06 12 34 56 78", "mobile")],
        emails=[services.EmailData("sales@acme.example")],
        tax_ids=[("vat", "FR40303265045")],
    )


def found(actor, **typed):
    return {client.name: [(reason.kind, reason.value) for reason in reasons] for client, reasons in
            queries.likely_duplicates(actor, **typed)}  # fmt: skip


@pytest.mark.parametrize("number", ["+33 6 12 34 56 78", "0033612345678", "06.12.34.56.78", "(0)6 12 34 56 78"])
def test_the_same_phone_typed_another_way_is_a_duplicate(alice, acme, number):
    assert found(alice, phones=[number]) == {"Acme": [("phone", "+33612345678")]}


def test_a_phone_that_cannot_be_read_matches_by_its_digits(alice, make_client):
    make_client(name="Short", phones=[("12-34", "work")])
    assert found(alice, phones=["12 34"]) == {"Short": [("phone", "12-34")]}


def test_a_longer_or_shorter_phone_is_no_duplicate(alice, acme):
    assert found(alice, phones=["06 12 34 56 7", "06 12 34 56 78 9", "12"]) == {}


def test_the_same_email_in_other_case_is_a_duplicate(alice, acme):
    assert found(alice, emails=["  SALES@Acme.Example "]) == {"Acme": [("email", "sales@acme.example")]}


def test_the_same_tax_id_with_spaces_is_a_duplicate(alice, acme):
    assert found(alice, tax_ids=["fr 40 303-265 045"]) == {"Acme": [("tax_id", "FR40303265045")]}


@pytest.mark.parametrize("name", ["ACME SARL", "acme", "Acmé S.A.R.L.", "ACME, Inc.", "Acme Ltd"])
def test_a_very_similar_name_is_a_duplicate(alice, acme, name):
    assert found(alice, name=name) == {"Acme": [("name", "Acme")]}


@pytest.mark.parametrize("name", ["Acme Industries", "Acme Bakery", "Apex", "SARL"])
def test_a_name_that_only_shares_a_word_is_no_duplicate(alice, acme, name):
    assert found(alice, name=name) == {}


def test_similar_person_names_in_any_order_or_with_a_typo(alice, make_client):
    make_client(kind="person", name="", first_name="Jean", last_name="Dupont")
    assert list(found(alice, name="Dupont Jean")) == ["Jean Dupont"]
    assert list(found(alice, name="Jean Dupond")) == ["Jean Dupont"]
    assert found(alice, name="Jeanne Durand") == {}


def test_russian_legal_forms_are_ignored(alice, make_client):
    make_client(name="ООО «Ромашка»")
    assert list(found(alice, name="Ромашка АО")) == ["ООО «Ромашка»"]


def test_every_reason_is_given_and_identifiers_rank_first(alice, acme, make_client):
    make_client(name="Acmee")
    make_client(name="Zenith", emails=[services.EmailData("sales@acme.example")])
    result = found(alice, name="Acme", phones=["+33612345678"], emails=["sales@acme.example"])
    assert list(result) == ["Acme", "Zenith", "Acmee"]
    assert result["Acme"] == [("phone", "+33612345678"), ("email", "sales@acme.example"), ("name", "Acme")]


def test_the_card_being_edited_is_not_its_own_duplicate(alice, acme):
    assert found(alice, name="Acme", exclude=acme.pk) == {}
    assert found(alice, name="Acme", exclude=str(acme.pk)) == {}


def test_clients_the_user_cannot_see_are_never_reported(alice, charlie, make_client):
    make_client(
        actor=charlie,
        name="Acme",
        phones=[("06 12 34 56 78", "work")],
        emails=[("sales@acme.example", "work")],
        tax_ids=[("vat", "FR40303265045")],
    )
    typed = {"name": "Acme", "phones": ["0612345678"], "emails": ["sales@acme.example"], "tax_ids": ["FR40303265045"]}
    assert found(alice, **typed) == {}
    assert list(found(charlie, **typed)) == ["Acme"]


def test_the_limit_is_kept(alice, make_client):
    for number in range(7):
        make_client(name=f"Twin {number}", emails=[(f"twin{number}@example.com", "work")])
    emails = [f"twin{number}@example.com" for number in range(7)]
    assert len(queries.likely_duplicates(alice, emails=emails)) == 5
    assert len(queries.likely_duplicates(alice, emails=emails, limit=2)) == 2


def test_a_bounded_number_of_queries(alice, acme, make_client, django_assert_max_num_queries):
    for number in range(10):
        make_client(name=f"Acme {number}", phones=[("06 12 34 56 78", "work")], emails=[("sales@acme.example", "work")])
    typed = {"name": "Acme", "phones": ["0612345678", "0123456789"], "emails": ["sales@acme.example"]}
    queries.likely_duplicates(alice, **typed)  # the user's rights are read once, then kept
    with django_assert_max_num_queries(6):
        assert len(queries.likely_duplicates(alice, **typed, tax_ids=["FR40303265045"], limit=20)) == 11


def test_nothing_typed_finds_nothing_without_a_query(alice, django_assert_num_queries):
    queries.likely_duplicates(alice)  # the user's rights are read once, then kept
    with django_assert_num_queries(0):
        assert queries.likely_duplicates(alice, name="  ", phones=["", "12"], emails=["nope"], tax_ids=[" - "]) == []


@pytest.mark.parametrize(
    ("name", "comparable"),
    [
        ("ACME S.A.R.L.", "acme"),
        ("Société Générale SA", "societe generale"),
        ("ООО «Ромашка»", "ромашка"),
        ("ИП Иванов И.И.", "иванов ии"),
        ("Müller GmbH & Co. KG", "muller"),
        ("SARL", "sarl"),
    ],
)
def test_comparable_names_drop_case_accents_punctuation_and_legal_forms(name, comparable):
    assert comparable_name(name) == comparable


def test_similarity_ignores_the_order_of_words():
    assert similarity("jean dupont", "dupont jean") == 1.0
    assert similarity("", "acme") == 0.0


# The screen: the warning beside the client form


def test_the_form_s_warning_names_the_duplicate_and_why(login, alice, acme):
    typed = {"name": "Acme SARL", "phones-0-number": "+33 6 12 34 56 78", "emails-0-address": "x@y.example"}
    page = login(alice).get("/clients/duplicates/", typed, headers={"HX-Request": "true"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Possible duplicates:" in html
    assert f'href="/clients/{acme.pk}/"' in html
    assert "same phone +33612345678" in html and "similar name Acme" in html
    assert "/clients/merge/" not in html  # creating: nothing to merge yet


def test_the_form_s_warning_reads_persons_names_and_skips_deleted_rows(login, alice, acme, make_client):
    make_client(kind="person", name="", first_name="Jean", last_name="Dupont")
    typed = {"first_name": "Jean", "last_name": "Dupont", "phones-0-number": "0612345678", "phones-0-DELETE": "on"}
    html = login(alice).get("/clients/duplicates/", typed).content.decode()
    assert "Jean Dupont" in html and "Acme" not in html


def test_editing_offers_to_merge_when_the_user_may(login, mia, alice, acme, make_client):
    edited = make_client(name="Acme SARL")
    typed = {"name": "Acme SARL", "pk": edited.pk}
    html = login(mia).get("/clients/duplicates/", typed).content.decode()
    assert f"/clients/merge/?ids={edited.pk}&amp;ids={acme.pk}" in html
    assert f'href="/clients/{edited.pk}/"' not in html
    assert "/clients/merge/" not in login(alice).get("/clients/duplicates/", typed).content.decode()


def test_no_duplicate_no_warning(login, alice, acme):
    page = login(alice).get("/clients/duplicates/", {"name": "Zenith"})
    assert page.status_code == 200
    assert page.content.decode().strip() == ""


# The API


def test_api_lists_duplicates_with_their_reasons(login, alice, acme):
    answer = login(alice).get(
        "/api/v1/clients/duplicates",
        {"phone": ["0612345678", "0000"], "email": "SALES@acme.example", "tax_id": "fr 40303265045"},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json() == [
        {
            "client": {"id": acme.pk, "kind": "company", "name": "Acme"},
            "reasons": [
                {"kind": "phone", "value": "+33612345678", "text": "same phone +33612345678"},
                {"kind": "email", "value": "sales@acme.example", "text": "same email sales@acme.example"},
                {"kind": "tax_id", "value": "FR40303265045", "text": "same tax id FR40303265045"},
            ],
        }
    ]


def test_api_excludes_the_client_being_edited(login, alice, acme):
    answer = login(alice).get("/api/v1/clients/duplicates", {"name": "Acme", "exclude": acme.pk})
    assert answer.json() == []
