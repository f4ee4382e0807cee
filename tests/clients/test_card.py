from pathlib import Path

import pytest
from django.template import engines

from carte.clients import card
from carte.core.errors import NotFound

TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture
def extra_tab(monkeypatch):
    """A tab registered as another app would, with its template in this test directory."""
    engine = engines["django"].engine
    monkeypatch.setattr(engine, "dirs", [*engine.dirs, TEMPLATES])
    card.register_tab(
        "extra",
        "Extra",
        "test_clients/extra_tab.html",
        context=lambda request, client: {"greeting": "Hello from another app"},
        order=15,
        count=lambda request, client: 7,
    )
    yield
    card.unregister_tab("extra")


def test_the_clients_app_registers_its_own_tabs():
    assert [tab.key for tab in card.tabs()][:2] == ["overview", "contacts"]
    assert card.tabs()[-1].key == "history"


def test_a_tab_registered_by_another_app_appears_on_the_card(login, alice, acme, extra_tab):
    page = login(alice).get(f"/clients/{acme.pk}/")
    assert b"Extra" in page.content
    assert b'<span class="badge">7</span>' in page.content
    opened = login(alice).get(f"/clients/{acme.pk}/?tab=extra")
    assert b"Hello from another app Acme Industries" in opened.content


def test_a_tab_is_fetched_alone_by_htmx(login, alice, acme, extra_tab):
    page = login(alice).get(f"/clients/{acme.pk}/tabs/extra/", headers={"HX-Request": "true"})
    assert b"Hello from another app" in page.content
    assert b"<html" not in page.content


def test_a_tab_of_a_module_the_user_cannot_see_is_hidden(alice):
    card.register_tab("secret", "Secret", "test_clients/extra_tab.html", module="nothing-granted")
    try:
        with pytest.raises(NotFound):
            card.tab_for(alice, "secret")
        assert "secret" in [tab.key for tab in card.tabs()]
    finally:
        card.unregister_tab("secret")


def test_an_unknown_tab_is_not_found(login, alice, acme):
    assert login(alice).get(f"/clients/{acme.pk}/?tab=nonsense").status_code == 404


def test_timeline_kinds_are_labelled_and_unknown_ones_shown_raw(monkeypatch):
    monkeypatch.setattr(card, "_timeline_kinds", card.timeline_kinds())
    card.register_timeline_kind("deal", "Deal")
    assert card.timeline_kind_label("deal") == "Deal"
    assert card.timeline_kind_label("fax-from-1995") == "fax-from-1995"
    assert "note" in card.timeline_kinds()
