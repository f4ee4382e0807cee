"""The first-run wizard: who is taken to it, each screen saving through the services, skip and resume.

Most tests go through the screens as the first administrator does (a plain form post, then a
redirect), so the service under each screen is exercised with the form that parses it.
"""

import re
from datetime import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management.sql import emit_post_migrate_signal
from django.urls import reverse
from django.utils import timezone

from carte.accounts.models import Employee
from carte.core.errors import Invalid, NotAllowed
from carte.core.models import AuditEntry
from carte.core.testing import PASSWORD, ClientFactory, EmployeeFactory, database_state, role
from carte.knowledge.models import Onboarding, Rollout
from carte.knowledge.queries import setup as queries
from carte.knowledge.services import setup as services
from carte.sales.models import Currency, LegalEntity, Tax
from carte.sales.setup_steps import company_entered, money_reviewed
from carte.workspace.demo import build_demo_company

pytestmark = pytest.mark.django_db

HOME = "/"
WIZARD = reverse("knowledge:wizard")


def screen(step: str) -> str:
    return reverse("knowledge:wizard_step", args=[step])


COMPANY = {
    "name": "Boulangerie Martin",
    "legal_name": "Boulangerie Martin SARL",
    "address": "3 place du Marché\n69001 Lyon",
    "email": "contact@martin.example",
    "phone": "+33 4 72 00 00 00",
}


def team(*rows) -> dict:
    """The team screen's data: rows of (first name, last name, email, role id), the others empty."""
    data = {}
    for index in range(3):
        first, last, email, role_id = rows[index] if index < len(rows) else ("", "", "", "")
        data |= {f"first_name_{index}": first, f"last_name_{index}": last, f"email_{index}": email}
        data[f"role_{index}"] = role_id
    return data


@pytest.fixture
def admin(db):
    """The first administrator of a brand-new installation, as `carte init --no-demo` leaves it."""
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    return EmployeeFactory(username="admin", first_name="Admin", role=role("administrator"))


@pytest.fixture
def browser(client, admin):
    client.force_login(admin)
    return client


# ---------------------------------------------------------------------------------------------
# Who is taken to the wizard
# ---------------------------------------------------------------------------------------------


def test_the_first_administrator_of_a_new_installation_is_taken_to_the_wizard(browser):
    response = browser.get(HOME, follow=True)

    assert response.redirect_chain == [(WIZARD, 302), (screen("company"), 302)]
    assert response.templates[0].name == "knowledge/wizard.html"
    assert "Skip for now" in response.content.decode()


def test_the_wizard_is_not_due_with_the_demo_company(browser, admin):
    build_demo_company(seed=1, language="en", now=timezone.make_aware(datetime(2025, 3, 3)))

    response = browser.get(HOME)

    assert response.status_code == 200
    assert response.templates[0].name == "workspace/home.html"


def test_the_wizard_is_not_due_once_a_client_or_a_legal_entity_exists(admin):
    assert queries.wizard_due_for(admin)
    ClientFactory(owner=admin)

    assert not queries.wizard_due_for(admin)


def test_the_wizard_is_not_due_when_colleagues_already_have_accounts(admin):
    EmployeeFactory(username="colleague")

    assert not queries.wizard_due_for(admin)


def test_the_wizard_is_never_due_for_who_cannot_run_it(admin):
    seller = EmployeeFactory(username="seller", role=role("sales"))
    admin.is_active = False
    admin.save()

    assert not queries.wizard_due_for(seller)


def test_asking_whether_the_wizard_is_due_costs_one_query_and_none_for_a_seller(admin, django_assert_num_queries):
    seller = EmployeeFactory(username="seller", role=role("sales"))
    admin.rights, seller.rights  # noqa: B018 - read once per request anyway, by the menu

    with django_assert_num_queries(1):
        queries.wizard_due_for(admin)
    with django_assert_num_queries(0):
        queries.wizard_due_for(seller)


# ---------------------------------------------------------------------------------------------
# The screens, each through its service
# ---------------------------------------------------------------------------------------------


def test_the_company_screen_creates_the_legal_entity_then_changes_it(browser, admin):
    response = browser.post(screen("company"), COMPANY)

    assert response.status_code == 302 and response["Location"] == screen("money")
    entity = LegalEntity.objects.get()
    assert (entity.legal_name, entity.is_default, entity.address) == (COMPANY["legal_name"], True, COMPANY["address"])
    assert company_entered()
    assert AuditEntry.objects.filter(model="sales.legalentity", actor=admin, verb="create").exists()

    browser.post(screen("company"), COMPANY | {"phone": "+33 4 72 11 11 11"})

    assert LegalEntity.objects.get().phone == "+33 4 72 11 11 11"
    assert Rollout.objects.get().wizard_step == "money"


def test_a_company_without_legal_name_or_address_is_refused_and_nothing_is_saved(browser):
    before = database_state()

    response = browser.post(screen("company"), COMPANY | {"legal_name": "", "address": " "})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"legal_name", "address"}
    assert database_state() == before


def test_the_money_screen_sets_the_base_currency_and_the_default_tax(browser, admin):
    browser.post(screen("company"), COMPANY)

    response = browser.post(screen("money"), {"currency": "CHF", "tax_rate": "8,1"})

    assert response["Location"] == screen("language")
    chf = Currency.objects.get(code="CHF")
    assert chf.is_base and chf.active
    entity = LegalEntity.objects.get()
    assert entity.default_currency_id == "CHF"
    assert entity.default_tax.rate == Decimal("8.10") and not entity.default_tax.included
    assert money_reviewed()


def test_a_tax_rate_that_exists_is_reused(browser):
    taxes = Tax.objects.count()
    seeded = Tax.objects.get(rate=Decimal("20"))
    browser.post(screen("company"), COMPANY)

    browser.post(screen("money"), {"currency": Currency.objects.get(is_base=True).code, "tax_rate": "20"})

    assert Tax.objects.count() == taxes
    assert LegalEntity.objects.get().default_tax == seeded
    assert money_reviewed()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"currency": "XXX", "tax_rate": ""}, "currency"),
        ({"currency": "EUR", "tax_rate": "twenty"}, "tax_rate"),
        ({"currency": "EUR", "tax_rate": "120"}, "tax_rate"),
        ({"currency": "EUR", "tax_rate": "-5"}, "tax_rate"),
    ],
)
def test_bad_money_values_are_refused_and_nothing_is_saved(browser, data, field):
    before = database_state()

    response = browser.post(screen("money"), data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert database_state() == before


def test_the_language_screen_sets_the_admins_profile_and_the_company_defaults(browser, admin):
    response = browser.post(screen("language"), {"language": "fr", "time_zone": "Europe/Paris"})

    assert response["Location"] == screen("team")
    admin.refresh_from_db()
    assert (admin.language, admin.time_zone) == ("fr", "Europe/Paris")
    rollout = Rollout.objects.get()
    assert (rollout.language, rollout.time_zone, rollout.wizard_step) == ("fr", "Europe/Paris", "team")
    assert AuditEntry.objects.filter(model="knowledge.rollout", actor=admin).exists()


def test_an_unknown_time_zone_is_refused(browser, admin):
    before = database_state()

    response = browser.post(screen("language"), {"language": "fr", "time_zone": "Mars/Olympus"})

    assert response.status_code == 400
    assert database_state() == before


def test_the_team_screen_invites_people_who_get_a_link_built_from_base_url(
    browser, admin, settings, django_capture_on_commit_callbacks
):
    settings.BASE_URL = "https://crm.example.com"
    settings.ALLOWED_HOSTS = ["*"]  # as if the server accepted any Host: the link must still be ours
    browser.post(screen("language"), {"language": "fr", "time_zone": "Europe/Paris"})
    seller = role("sales").pk

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            screen("team"),
            team(("Léa", "Roux", "lea@martin.example", seller), ("Marc", "", "Marc@Martin.example", "")),
            HTTP_HOST="evil.example",
        )

    assert response["Location"] == screen("done")
    lea = Employee.objects.get(email="lea@martin.example")
    assert (lea.username, lea.role.key, lea.language, lea.time_zone) == (
        "lea@martin.example",
        "sales",
        "fr",
        "Europe/Paris",
    )
    assert not lea.has_usable_password()
    assert Employee.objects.get(username="marc@martin.example").role is None
    assert sorted(message.to[0] for message in mail.outbox) == ["Marc@martin.example", "lea@martin.example"]
    for message in mail.outbox:
        link = re.search(r"https?://\S+", message.body).group(0)
        assert link.startswith("https://crm.example.com/accounts/password/reset/")
        assert "evil.example" not in message.body


def test_the_invitation_link_lets_the_new_employee_choose_a_password(
    client, admin, settings, django_capture_on_commit_callbacks
):
    settings.BASE_URL = "http://testserver"
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_team(actor=admin, people=[{"first_name": "Léa", "email": "lea@martin.example"}])
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)

    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD})

    assert client.login(username="lea@martin.example", password=PASSWORD)


def test_one_bad_row_invites_nobody_and_sends_nothing(browser, django_capture_on_commit_callbacks):
    before = database_state()

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            screen("team"),
            team(("Léa", "Roux", "lea@martin.example", ""), ("", "Nameless", "nameless@martin.example", "")),
        )

    assert response.status_code == 400
    assert "first_name_1" in response.context["form"].errors
    assert database_state() == before
    assert mail.outbox == []


def test_the_same_address_twice_or_an_existing_colleague_is_refused(admin):
    with pytest.raises(Invalid) as refused:
        services.invite_team(
            actor=admin,
            people=[
                {"first_name": "Léa", "email": "lea@martin.example"},
                {"first_name": "Lea", "email": "LEA@martin.example"},
                {"first_name": "Admin", "email": admin.email},
            ],
        )

    assert set(refused.value.errors) == {"email_1", "email_2"}
    assert Employee.objects.count() == 1


def test_a_team_screen_with_no_one_to_invite_goes_on(browser):
    response = browser.post(screen("team"), team())

    assert response["Location"] == screen("done")
    assert Employee.objects.count() == 1


def test_the_team_screen_warns_when_mail_is_not_configured(browser):
    content = browser.get(screen("team")).content.decode()

    assert "Outgoing mail is not configured yet" in content


# ---------------------------------------------------------------------------------------------
# Moving, skipping, resuming, finishing
# ---------------------------------------------------------------------------------------------


def test_skipping_puts_the_wizard_aside_and_getting_started_resumes_it_where_it_was(browser, admin):
    browser.post(screen("company"), COMPANY)
    LegalEntity.objects.all().delete()  # as if no company were saved: only the skip keeps it away

    response = browser.post(reverse("knowledge:wizard_skip"), {"step": "money"})

    assert response["Location"] == reverse("knowledge:setup_checklist")
    assert browser.get(HOME).status_code == 200
    page = browser.get(reverse("knowledge:setup_checklist")).content.decode()
    assert "Resume the wizard" in page and WIZARD in page
    assert browser.get(WIZARD)["Location"] == screen("money")


def test_back_and_skip_this_screen_are_links_that_save_nothing(browser):
    page = browser.get(screen("money")).content.decode()

    assert f'href="{screen("company")}"' in page
    assert f'href="{screen("language")}"' in page


def test_finishing_records_it_and_the_home_page_stays_home(browser, admin):
    browser.get(screen("done"))

    response = browser.post(reverse("knowledge:wizard_finish"))

    assert response["Location"] == reverse("knowledge:setup_checklist")
    assert Rollout.objects.get().wizard_finished_at is not None
    assert browser.get(HOME).status_code == 200
    assert not queries.wizard_due_for(admin)


def test_the_done_screen_shows_the_progress_and_the_next_steps(browser):
    page = browser.get(screen("done")).content.decode()

    assert "<progress" in page and "Finish and see the checklist" in page


def test_an_unknown_screen_is_not_found(browser):
    assert browser.get(screen("salaries")).status_code == 404
    assert browser.post(screen("done")).status_code == 404


def test_with_htmx_a_saved_screen_answers_the_next_one_and_its_address(browser):
    response = browser.post(screen("company"), COMPANY, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response["HX-Push-Url"] == screen("money")
    content = response.content.decode()
    assert 'id="wizard"' in content and "<html" not in content
    assert 'name="currency"' in content


def test_with_htmx_the_language_screen_reloads_the_page_in_the_new_language(browser):
    response = browser.post(
        screen("language"), {"language": "ru", "time_zone": "Europe/Moscow"}, HTTP_HX_REQUEST="true"
    )

    assert response["HX-Redirect"] == screen("team")


def test_with_htmx_a_refused_screen_comes_back_with_its_errors(browser):
    response = browser.post(screen("company"), COMPANY | {"name": ""}, HTTP_HX_REQUEST="true")

    assert response.status_code == 400
    assert "<html" not in response.content.decode()
    assert "name" in response.context["form"].errors


# ---------------------------------------------------------------------------------------------
# Rights
# ---------------------------------------------------------------------------------------------


def test_only_who_holds_the_setup_rights_may_run_the_wizard(admin):
    seller = EmployeeFactory(username="seller", role=role("sales"))
    manager = EmployeeFactory(username="boss", role=role("manager"))

    for person in (seller, manager):
        with pytest.raises(NotAllowed):
            services.save_company(actor=person, **COMPANY)
        with pytest.raises(NotAllowed):
            services.skip_wizard(actor=person, step="company")
    assert not LegalEntity.objects.exists() and not Rollout.objects.exists()


def test_a_seller_cannot_open_the_wizard(client, admin):
    seller = EmployeeFactory(username="seller", role=role("sales"))
    client.force_login(seller)

    assert client.get(screen("company")).status_code == 403
    assert client.get(HOME).status_code == 200


def test_an_invited_employee_gets_an_onboarding_like_any_new_employee(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (lea,) = services.invite_team(actor=admin, people=[{"first_name": "Léa", "email": "lea@martin.example"}])

    assert Onboarding.objects.filter(employee=lea).exists()
    assert AuditEntry.objects.filter(model="accounts.employee", object_id=str(lea.pk), verb="create").exists()
