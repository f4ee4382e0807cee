"""The setup checklist's steps: none is done on a fresh installation, each is done once its data exists.

A fresh installation is the database as `migrate` leaves it (the post-migrate seeding ran:
currencies, taxes, a pipeline, the reference lists, the starter articles) with its first
administrator alone. Each step is then made true through the service an administrator uses.
"""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.sql import emit_post_migrate_signal
from django.utils import timezone
from PIL import Image

from carte.accounts import services as accounts
from carte.backups.models import Backup
from carte.calls.services.connections import create_connection, deactivate_connection
from carte.clients.models import ReferenceValue
from carte.clients.services.references import add_reference_value, rename_reference_value
from carte.core import setup
from carte.core.testing import EmployeeFactory, role
from carte.knowledge.models import Article
from carte.knowledge.services.articles import create_article, update_article
from carte.sales.models import Currency, Pipeline, Tax
from carte.sales.services import company, money, pipelines
from carte.sales.services.money import review_money_settings
from carte.transfer.models import Import
from carte.transfer.services import imports

pytestmark = pytest.mark.django_db

KEYS = [
    "company",
    "money",
    "team",
    "reference-lists",
    "pipelines",
    "document-templates",
    "mail",
    "telephony",
    "import",
    "backups",
    "knowledge",
]


def done(key: str) -> bool:
    (step,) = [step for step in setup.steps if step.key == key]
    return bool(step.done())


@pytest.fixture
def admin(settings, tmp_path):
    """The first administrator of an installation just migrated (the seeding run again, as migrate does)."""
    settings.MEDIA_ROOT = tmp_path
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    return EmployeeFactory(username="admin", first_name="Admin", role=role("administrator"))


def png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def test_the_checklist_has_every_step_in_order():
    assert [step.key for step in setup.steps] == KEYS
    for step in setup.steps:
        assert str(step.label) and str(step.why).count(". ") >= 1, step.key


def test_nothing_is_done_on_a_fresh_installation(admin):
    # The seeding did write currencies, taxes, a pipeline, reference values and the starter articles.
    assert Currency.objects.filter(is_base=True).exists() and Tax.objects.exists()
    assert Pipeline.objects.exists() and ReferenceValue.objects.exists()

    assert [step.key for step, state in setup.checklist() if state] == []


def test_the_company_is_done_with_a_legal_entity_that_has_a_legal_name_and_an_address(admin):
    entity = company.create_legal_entity(actor=admin, name="Acme", legal_name="Acme SAS")
    assert not done("company")

    company.update_legal_entity(actor=admin, entity=entity, address="1 rue de la Paix, Paris")

    assert done("company")


def test_an_archived_legal_entity_does_not_count(admin):
    company.create_legal_entity(actor=admin, name="Acme", legal_name="Acme SAS")  # the default, without address
    other = company.create_legal_entity(actor=admin, name="Old", legal_name="Old SARL", address="Lyon")
    assert done("company")

    company.archive_legal_entity(actor=admin, entity=other)

    assert not done("company")


def test_money_is_done_once_the_base_currency_is_chosen(admin):
    money.set_base_currency(actor=admin, currency=Currency.objects.get(code="USD"))

    assert done("money")


def test_money_is_done_once_a_tax_is_changed(admin):
    money.create_tax(actor=admin, name="Reduced", rate="7")

    assert done("money")


def test_keeping_the_seeded_base_currency_counts_as_reviewing_it(admin):
    base = Currency.objects.get(is_base=True)

    review_money_settings(actor=admin, currency=base)

    assert done("money")
    assert Currency.objects.get(is_base=True) == base


def test_the_team_needs_colleagues_a_department_and_a_role_for_everyone(admin):
    assert not done("team")
    north = accounts.create_department(actor=admin, name="North")
    seller = accounts.create_employee(
        actor=admin, password="A-long-passphrase-42", username="sam", role=role("sales"), department=north
    )
    assert done("team")

    accounts.update_employee(actor=admin, employee=seller, role=None)

    assert not done("team")


def test_colleagues_without_any_department_leave_the_team_undone(admin):
    accounts.create_department(actor=admin, name="North")
    accounts.create_employee(actor=admin, password="A-long-passphrase-42", username="sam", role=role("sales"))

    assert not done("team")


def test_reference_lists_are_done_when_an_admin_adds_or_renames_a_value(admin):
    add_reference_value(actor=admin, reference_list="tag", label="Gold")

    assert done("reference-lists")


def test_renaming_a_built_in_value_counts_too(admin):
    value = ReferenceValue.objects.get(list="status", key="lead")

    rename_reference_value(actor=admin, value=value, label="Enquiry")

    assert done("reference-lists")


def test_pipelines_are_done_when_an_admin_adds_one(admin):
    pipelines.create_pipeline(actor=admin, name="Projects")

    assert done("pipelines")


def test_document_templates_are_done_with_the_company_logo(admin):
    entity = company.create_legal_entity(actor=admin, name="Acme", legal_name="Acme SAS")
    assert not done("document-templates")

    company.set_entity_image(actor=admin, entity=entity, which="logo", file=BytesIO(png()))

    assert done("document-templates")


def test_mail_is_done_when_a_mail_server_is_configured(admin, settings):
    settings.EMAIL_URL = "smtp+tls://carte:secret@smtp.example.com:587"

    assert done("mail")


def test_telephony_is_done_with_an_active_connection(admin):
    connection = create_connection(actor=admin, name="Office PBX")
    assert done("telephony")

    deactivate_connection(actor=admin, connection=connection)

    assert not done("telephony")


def test_import_is_done_when_an_import_finished_and_undone_when_it_is_undone(admin, django_capture_on_commit_callbacks):
    content = b"Name\nAcme\nGlobex\n"
    source = imports.upload(
        actor=admin, target_key="clients", file=SimpleUploadedFile("old.csv", content), file_name="old.csv"
    )
    source = imports.configure(actor=admin, source=source, mapping=source.mapping, options={})
    with django_capture_on_commit_callbacks(execute=True):
        imports.start_run(actor=admin, source=source)
    source.refresh_from_db()
    assert source.status == Import.Status.DONE
    assert done("import")

    with django_capture_on_commit_callbacks(execute=True):
        imports.start_undo(actor=admin, source=source)

    assert not done("import")


def test_backups_are_done_only_with_a_verified_backup(admin):
    now = timezone.now()
    made = Backup.objects.create(file_name="a.tar", status=Backup.Status.DONE, started_at=now, finished_at=now)
    assert not done("backups")

    Backup.objects.filter(pk=made.pk).update(verification=Backup.Verification.PASSED, verified_at=now)

    assert done("backups")


def test_the_knowledge_base_is_started_by_an_article_written_by_someone(admin):
    create_article(actor=admin, title="How we price", body="Our prices…", language="en")

    assert done("knowledge")


def test_a_starter_article_counts_once_someone_edits_it(admin):
    starter = Article.objects.create(
        title="The workspace", body="Carte's text", starter_key="setup-test", language="en"
    )
    assert not done("knowledge")

    update_article(actor=admin, article=starter, body="Our own way of using the workspace.")

    assert done("knowledge")
