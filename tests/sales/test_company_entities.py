"""Legal entities: entering them, the one default, archiving instead of deleting, logo, signature and stamp."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from carte.core.errors import Conflict, Invalid, NotAllowed, NotFound
from carte.core.models import AuditEntry
from carte.sales.models import LegalEntity, Tax
from carte.sales.queries import company as queries
from carte.sales.services import company as services
from carte.sales.testing import currency
from tests.sales.conftest import make_invoice

ACME = {"name": "Acme Paris", "legal_name": "Acme SAS", "tax_number": "FR40303265045"}


def state():
    return list(LegalEntity.objects.order_by("pk").values())


def png(size=(8, 8), kind="PNG") -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, "red").save(buffer, kind)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded images go to a folder of this test only."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def acme(ada):
    return services.create_legal_entity(actor=ada, **ACME)


# ---------------------------------------------------------------------------------------------
# Creating and changing
# ---------------------------------------------------------------------------------------------


def test_the_first_entity_is_the_default_and_takes_the_usual_settings(ada):
    entity = services.create_legal_entity(actor=ada, **ACME, address="  1 rue de la Paix \n  75002   Paris ")
    assert entity.is_default
    assert (entity.default_currency_id, entity.language, entity.payment_days) == ("EUR", "en", 30)
    assert entity.invoice_pattern == "INV-{year}-{number:04}"
    assert entity.address == "1 rue de la Paix\n75002 Paris"
    entry = AuditEntry.objects.get(model="sales.legalentity", verb="create")
    assert entry.changes["legal_name"] == [None, "Acme SAS"]


def test_there_is_only_ever_one_default(ada, acme):
    lyon = services.create_legal_entity(actor=ada, name="Acme Lyon", legal_name="Acme Lyon SARL")
    assert not lyon.is_default
    services.set_default_entity(actor=ada, entity=lyon)
    assert list(LegalEntity.objects.filter(is_default=True)) == [lyon]
    third = services.create_legal_entity(actor=ada, name="Acme Nice", legal_name="Acme Nice", is_default=True)
    assert list(LegalEntity.objects.filter(is_default=True)) == [third]
    with pytest.raises(Invalid) as refused:
        services.update_legal_entity(actor=ada, entity=third, is_default=False)
    assert "is_default" in refused.value.errors


def test_every_bad_value_is_reported_at_once_and_nothing_is_saved(ada, acme):
    before = state()
    bad = {
        "name": "  ",
        "legal_name": "x" * 301,
        "email": "not-an-address",
        "default_currency": "XYZ",
        "default_tax": 99999,
        "language": "de",
        "payment_days": "-1",
        "invoice_pattern": "INV-{year}",
        "quote_pattern": "Q-{month}-{number}",
    }
    with pytest.raises(Invalid) as refused:
        services.update_legal_entity(actor=ada, entity=acme, **bad)
    assert set(refused.value.errors) == set(bad)
    assert "{number}" in str(refused.value.errors["invoice_pattern"][0])
    assert state() == before


def test_numbering_patterns_are_checked_by_the_documents_rules(ada, acme):
    entity = services.update_legal_entity(actor=ada, entity=acme, invoice_pattern=" F{yy}/{number:06} ")
    assert entity.invoice_pattern == "F{yy}/{number:06}"
    with pytest.raises(Invalid) as refused:
        services.update_legal_entity(actor=ada, entity=acme, act_pattern="ACT-{number.__class__}")
    assert list(refused.value.errors) == ["act_pattern"]


def test_the_default_currency_must_be_in_use(ada, acme):
    with pytest.raises(Invalid) as refused:
        services.update_legal_entity(actor=ada, entity=acme, default_currency="CHF")
    assert "switch it on" in str(refused.value.errors["default_currency"][0])
    currency("CHF")
    assert services.update_legal_entity(actor=ada, entity=acme, default_currency="chf").default_currency_id == "CHF"


def test_an_archived_tax_cannot_be_the_default_tax(ada, acme):
    old = Tax.objects.create(name="Old VAT", rate=19, archived=True)
    with pytest.raises(Invalid):
        services.update_legal_entity(actor=ada, entity=acme, default_tax=old.pk)
    vat = Tax.objects.get(name="VAT 20 %")
    assert services.update_legal_entity(actor=ada, entity=acme, default_tax=vat.pk).default_tax == vat
    assert services.update_legal_entity(actor=ada, entity=acme, default_tax=None).default_tax is None


def test_changes_are_audited_field_by_field(ada, acme):
    services.update_legal_entity(actor=ada, entity=acme, bank_account="FR76 3000 6000", legal_name="Acme SAS")
    entry = AuditEntry.objects.get(model="sales.legalentity", verb="update")
    assert entry.changes == {"bank_account": ["", "FR76 3000 6000"]}


@pytest.mark.parametrize("persona", ["mia", "alice", "rita"])
def test_only_the_administrator_changes_legal_entities(people, acme, persona):
    actor = people[persona]
    before = state()
    attempts = [
        lambda: services.create_legal_entity(actor=actor, **ACME),
        lambda: services.update_legal_entity(actor=actor, entity=acme, name="Mine"),
        lambda: services.archive_legal_entity(actor=actor, entity=acme),
        lambda: services.set_default_entity(actor=actor, entity=acme),
        lambda: services.delete_legal_entity(actor=actor, entity=acme),
        lambda: services.set_entity_image(actor=actor, entity=acme, which="logo", file=BytesIO(png())),
        lambda: services.remove_entity_image(actor=actor, entity=acme, which="logo"),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed):
            attempt()
    assert state() == before


# ---------------------------------------------------------------------------------------------
# Archiving and deleting
# ---------------------------------------------------------------------------------------------


def test_the_default_entity_cannot_be_archived(ada, acme):
    with pytest.raises(Conflict):
        services.archive_legal_entity(actor=ada, entity=acme)
    with pytest.raises(Conflict):
        services.update_legal_entity(actor=ada, entity=acme, archived=True)
    assert not LegalEntity.objects.get(pk=acme.pk).archived


def test_an_archived_entity_is_no_longer_offered_and_can_come_back(ada, acme):
    lyon = services.create_legal_entity(actor=ada, name="Acme Lyon", legal_name="Acme Lyon SARL")
    services.archive_legal_entity(actor=ada, entity=lyon)
    assert queries.entities_in_use() == [acme]
    with pytest.raises(Conflict):
        services.set_default_entity(actor=ada, entity=lyon)
    services.restore_legal_entity(actor=ada, entity=lyon)
    assert queries.entities_in_use() == [acme, lyon]


def test_an_entity_with_documents_is_archived_not_deleted(ada, alice, acme):
    lyon = services.create_legal_entity(actor=ada, name="Acme Lyon", legal_name="Acme Lyon SARL")
    make_invoice(alice, legal_entity=lyon)
    before = state()
    with pytest.raises(Conflict) as refused:
        services.delete_legal_entity(actor=ada, entity=lyon)
    assert "archive it instead" in str(refused.value.message)
    assert state() == before
    services.archive_legal_entity(actor=ada, entity=lyon)


def test_an_unused_entity_is_deleted_with_its_images(ada, acme, media, django_capture_on_commit_callbacks):
    lyon = services.create_legal_entity(actor=ada, name="Acme Lyon", legal_name="Acme Lyon SARL")
    services.set_entity_image(actor=ada, entity=lyon, which="logo", file=BytesIO(png()))
    stored = media / LegalEntity.objects.get(pk=lyon.pk).logo.name
    assert stored.exists()
    with pytest.raises(Conflict):
        services.delete_legal_entity(actor=ada, entity=acme)  # the default, while another exists
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_legal_entity(actor=ada, entity=lyon)
    assert not LegalEntity.objects.filter(pk=lyon.pk).exists()
    assert not stored.exists()
    assert AuditEntry.objects.filter(model="sales.legalentity", verb="delete").count() == 1


# ---------------------------------------------------------------------------------------------
# Logo, signature and stamp
# ---------------------------------------------------------------------------------------------


def test_an_image_is_stored_under_a_generated_name_and_replaces_the_previous(
    ada, acme, media, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("../../etc/passwd.png", png(), content_type="image/png")
    entity = services.set_entity_image(actor=ada, entity=acme, which="logo", file=upload)
    first = entity.logo.name
    assert queries.is_stored_image_name(first) and "passwd" not in first
    assert (media / first).read_bytes() == png()
    with django_capture_on_commit_callbacks(execute=True):
        entity = services.set_entity_image(actor=ada, entity=acme, which="logo", file=BytesIO(png(kind="GIF")))
    assert entity.logo.name.endswith(".gif") and entity.logo.name != first
    assert not (media / first).exists()
    assert queries.entity_image(ada, entity, "logo")[1] == "gif"


@pytest.mark.parametrize("which", ["signature", "stamp"])
def test_signature_and_stamp_take_jpeg_and_webp(ada, acme, which):
    services.set_entity_image(actor=ada, entity=acme, which=which, file=BytesIO(png(kind="JPEG")))
    services.set_entity_image(actor=ada, entity=acme, which=which, file=BytesIO(png(kind="WEBP")))
    assert getattr(LegalEntity.objects.get(pk=acme.pk), which).name.endswith(".webp")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"<svg onload=alert(1)>not a png</svg>", "not accepted"),
        (b"%PDF-1.4 a pdf named logo.png", "not accepted"),
        (b"\x89PNG\r\n\x1a\n but broken", "cannot be read"),
        (b"", "empty"),
    ],
)
def test_what_is_not_an_image_is_refused_whatever_its_name(ada, acme, content, fragment, media):
    before = state()
    upload = SimpleUploadedFile("logo.png", content, content_type="image/png")
    with pytest.raises(Invalid) as refused:
        services.set_entity_image(actor=ada, entity=acme, which="logo", file=upload)
    assert fragment in str(refused.value.errors["file"][0])
    assert state() == before
    assert not list(media.rglob("*.*"))


def test_an_image_over_2_mb_is_refused(ada, acme):
    upload = SimpleUploadedFile("big.png", png() + b"\0" * (2 * 1024 * 1024), content_type="image/png")
    with pytest.raises(Invalid) as refused:
        services.set_entity_image(actor=ada, entity=acme, which="logo", file=upload)
    assert "too large" in str(refused.value.errors["file"][0])


def test_only_logo_signature_and_stamp_can_be_set(ada, acme):
    for which in ("legal_name", "../logo", "file"):
        with pytest.raises(NotFound):
            services.set_entity_image(actor=ada, entity=acme, which=which, file=BytesIO(png()))


def test_an_image_can_be_sent_in_base64_and_must_be_valid(ada, acme):
    import base64

    entity = services.set_entity_image(
        actor=ada, entity=acme, which="stamp", content_base64=base64.b64encode(png()).decode()
    )
    assert entity.stamp
    with pytest.raises(Invalid):
        services.set_entity_image(actor=ada, entity=acme, which="stamp", content_base64="%%% not base64")
    with pytest.raises(Invalid) as refused:
        services.set_entity_image(actor=ada, entity=acme, which="stamp")
    assert "Choose an image" in str(refused.value.errors["file"][0])


def test_an_image_is_removed_with_its_file(ada, acme, media, django_capture_on_commit_callbacks):
    entity = services.set_entity_image(actor=ada, entity=acme, which="signature", file=BytesIO(png()))
    stored = media / entity.signature.name
    with django_capture_on_commit_callbacks(execute=True):
        entity = services.remove_entity_image(actor=ada, entity=acme, which="signature")
    assert not entity.signature and not stored.exists()
    with pytest.raises(NotFound):
        queries.entity_image(ada, entity, "signature")


def test_only_files_the_services_saved_are_ever_read(ada, acme, media):
    (media / "secret.txt").write_text("secret")
    for name in ("../secret.txt", "secret.txt", "company/../secret.txt", "company/" + "a" * 32 + ".txt"):
        LegalEntity.objects.filter(pk=acme.pk).update(logo=name)
        with pytest.raises(NotFound):
            queries.entity_image(ada, LegalEntity.objects.get(pk=acme.pk), "logo")
    # A stored name whose content is no longer an image is not served either.
    name = "company/" + "b" * 32 + ".png"
    (media / "company").mkdir(exist_ok=True)
    (media / name).write_bytes(b"<script>alert(1)</script>")
    LegalEntity.objects.filter(pk=acme.pk).update(logo=name)
    with pytest.raises(NotFound):
        queries.entity_image(ada, LegalEntity.objects.get(pk=acme.pk), "logo")


def test_the_image_view_serves_a_checked_image_inline_to_signed_in_people(client, ada, rita, acme):
    services.set_entity_image(actor=ada, entity=acme, which="logo", file=BytesIO(png()))
    url = reverse("sales:entity_image", args=[acme.pk, "logo"])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(rita)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert response.content == png()
    assert client.get(reverse("sales:entity_image", args=[acme.pk, "stamp"])).status_code == 404
    assert client.get(reverse("sales:entity_image", args=[acme.pk, "bank_account"])).status_code == 404


def test_a_failed_save_leaves_no_stored_file_behind(ada, acme, media, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services.audit, "record", broken)
    with pytest.raises(RuntimeError):
        services.set_entity_image(actor=ada, entity=acme, which="logo", file=BytesIO(png()))
    assert not LegalEntity.objects.get(pk=acme.pk).logo
    assert not [path for path in media.rglob("*") if path.is_file()]
