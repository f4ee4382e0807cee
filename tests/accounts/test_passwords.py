import re

from django.contrib.auth import forms as auth_forms
from django.core import mail
from django.urls import reverse
from django.utils import translation

from carte.core.models import AuditEntry
from carte.core.testing import PASSWORD


def reset_link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_reset_link_uses_base_url_even_with_a_forged_host(client, alice, settings):
    settings.BASE_URL = "https://crm.example.com"
    settings.ALLOWED_HOSTS = ["*"]  # as if the server accepted any Host: the link must still be ours
    response = client.post(reverse("accounts:password_reset"), {"email": "alice@example.com"}, HTTP_HOST="evil.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]
    assert reset_link(message).startswith("https://crm.example.com/accounts/password/reset/")
    assert "evil.example" not in message.body


def test_reset_link_follows_base_url_scheme_and_port(client, alice, settings):
    settings.BASE_URL = "http://10.1.2.3:8000"
    client.post(reverse("accounts:password_reset"), {"email": "alice@example.com"})
    assert reset_link(mail.outbox[0]).startswith("http://10.1.2.3:8000/accounts/password/reset/")


def test_unknown_email_gets_the_same_answer_and_no_mail(client, alice):
    known = client.post(reverse("accounts:password_reset"), {"email": "alice@example.com"})
    unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1


def test_reset_email_is_written_in_the_employees_language(client, alice, monkeypatch):
    alice.language = "fr"
    alice.save()
    languages = []
    render = auth_forms.loader.render_to_string

    def spy(*args, **kwargs):
        languages.append(translation.get_language())
        return render(*args, **kwargs)

    monkeypatch.setattr(auth_forms.loader, "render_to_string", spy)
    client.post(reverse("accounts:password_reset"), {"email": "alice@example.com"})
    assert languages == ["fr", "fr"]  # subject and body


def test_reset_link_sets_a_new_password(client, alice):
    client.post(reverse("accounts:password_reset"), {"email": "alice@example.com"})
    link = reset_link(mail.outbox[0]).removeprefix("http://127.0.0.1:8000")
    form_page = client.get(link)
    assert form_page.status_code == 302
    new = "a much longer new secret 42"
    done = client.post(form_page["Location"], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:password_reset_complete")
    alice.refresh_from_db()
    assert alice.check_password(new)
    assert AuditEntry.objects.filter(verb="update", object_id=str(alice.pk), changes__has_key="password").exists()


def test_employee_changes_own_password(client, alice):
    client.force_login(alice)
    new = "another long secret 77"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(new)
    assert "_auth_user_id" in client.session  # still logged in on this browser


def test_wrong_old_password_changes_nothing(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": "x long secret 1", "new_password2": "x long secret 1"},
    )
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_an_invited_employee_without_a_password_yet_gets_a_reset_link(client, alice):
    alice.set_unusable_password()
    alice.save(update_fields=["password"])

    client.post(reverse("accounts:password_reset"), {"email": "ALICE@example.com"})

    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]


def test_a_deactivated_employee_gets_no_reset_link(client, alice):
    alice.is_active = False
    alice.save(update_fields=["is_active"])

    client.post(reverse("accounts:password_reset"), {"email": "alice@example.com"})

    assert mail.outbox == []
