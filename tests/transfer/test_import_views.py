"""The import screens: thin checks of each page and fragment, the refusals shown as messages, query budgets."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from carte.accounts.models import Right
from carte.clients.models import Client
from carte.transfer.models import Import, ImportRow, Mapping
from carte.transfer.services import imports as services
from tests.screens import assert_csp_safe, browser_for
from tests.transfer.files import delimited
from tests.transfer.test_import_flow import clients_csv, uploaded

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, source=None) -> str:
    return reverse(f"transfer:{name}", args=[source.pk] if source is not None else [])


def mapping_post(source: Import, action: str, **extra) -> dict:
    """The mapping form as the page posts it, with the suggested mapping."""
    data = {f"column_{index}": source.mapping.get(str(index), "") for index in range(len(source.columns))}
    data |= {"decimal": ".", "date_order": "dmy", "duplicates": "skip", "unknown_values": "reject", "owner": ""}
    return data | {"match_by": ["email", "phone"], "action": action} | extra


def test_the_upload_leads_to_the_mapping_screen(alice):
    browser = browser_for(alice)
    page = browser.get(url("import_new"), {"target": "clients"})
    assert page.status_code == 200
    assert 'value="clients" ' in page.content.decode() and "checked" in page.content.decode()
    upload = SimpleUploadedFile("clients.csv", clients_csv(count=3))
    answer = browser.post(url("import_new"), {"target": "clients", "file": upload})
    source = Import.objects.get()
    assert answer.status_code == 302 and answer["Location"] == url("import_detail", source)
    page = browser.get(answer["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert_csp_safe(html)
    assert "desk0@firm0.example" in html and "desk1@firm1.example" in html  # two sample values
    assert '<option value="email_work" selected>' in html
    assert "— leave out —" in html and "Google Contacts and Outlook" in html
    assert Client.objects.count() == 0


def test_a_file_that_cannot_be_read_comes_back_with_the_reason(alice):
    browser = browser_for(alice)
    upload = SimpleUploadedFile("clients.csv", b"")
    answer = browser.post(url("import_new"), {"target": "clients", "file": upload})
    assert answer.status_code == 422
    assert b'class="errors"' in answer.content
    upload = SimpleUploadedFile("clients.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    answer = browser.post(url("import_new"), {"target": "clients", "file": upload})
    assert answer.status_code == 422 and b'class="errors"' in answer.content
    assert not Import.objects.exists()


def test_a_reader_only_cannot_import(people):
    assert browser_for(people["rita"]).get(url("import_new")).status_code == 403


def test_the_preview_shows_rows_as_they_will_be_saved_in_the_page_or_a_fragment(alice):
    source = uploaded(alice, clients_csv(count=3))
    browser = browser_for(alice)
    page = browser.post(url("import_mapping", source), mapping_post(source, "preview"))
    html = page.content.decode()
    assert page.status_code == 200 and "Will be created" in html and "Will fail" in html
    assert_csp_safe(html)
    fragment = browser.post(url("import_mapping", source), mapping_post(source, "preview"), **HTMX)
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content and b"Firm 2" in fragment.content
    assert Client.objects.count() == 0


def test_a_wrong_mapping_is_shown_with_its_message(alice):
    source = uploaded(alice, clients_csv(count=3))
    data = mapping_post(source, "preview", column_0="")
    answer = browser_for(alice).post(url("import_mapping", source), data, **HTMX)
    assert answer.status_code == 422
    assert "Choose the column of the name" in answer.content.decode()
    source.refresh_from_db()
    assert source.mapping["0"] == "name"


def test_the_layout_can_be_overridden(alice):
    source = uploaded(alice, delimited([["Name", "Email"], ["Acme", "a@acme.example"]], delimiter=";"))
    assert source.columns == ["Name", "Email"]
    browser = browser_for(alice)
    answer = browser.post(url("import_layout", source), {"delimiter": ",", "encoding": "utf-8", "header_row": "1"})
    assert answer.status_code == 302
    source.refresh_from_db()
    assert (source.columns, services.layout_of(source).delimiter) == (["Name;Email"], ",")
    wrong = browser.post(url("import_layout", source), {"delimiter": "#", "header_row": "-1"})
    assert wrong.status_code == 422 and b'class="errors"' in wrong.content


def test_a_mapping_is_saved_applied_and_deleted(alice):
    source = uploaded(alice, clients_csv(count=1))
    browser = browser_for(alice)
    answer = browser.post(url("import_mapping", source), mapping_post(source, "save", name="Fair leads"))
    assert answer.status_code == 302
    saved = Mapping.objects.get(owner=alice)
    assert saved.fields["Email"] == "email_work"
    page = browser.post(url("import_mapping", source), {"action": "apply", "saved": saved.pk})
    assert page.status_code == 200 and "Fair leads" in page.content.decode()
    missing = browser.post(url("import_mapping", source), mapping_post(source, "save", name=""))
    assert missing.status_code == 422 and "Give the mapping a name." in missing.content.decode()
    answer = browser.post(reverse("transfer:mapping_delete", args=[saved.pk]), {"import": source.pk})
    assert answer.status_code == 302 and answer["Location"] == url("import_detail", source)
    assert not Mapping.objects.exists()


def test_the_dry_run_then_the_run_end_on_the_report(mia, django_capture_on_commit_callbacks):
    source = uploaded(mia, clients_csv(count=3))
    browser = browser_for(mia)
    with django_capture_on_commit_callbacks(execute=True):
        answer = browser.post(url("import_mapping", source), mapping_post(source, "check"))
    assert answer.status_code == 302
    page = browser.get(url("import_detail", source)).content.decode()
    assert "Dry run report" in page and "Would be created" in page
    assert Client.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        answer = browser.post(url("import_run", source))
    assert answer.status_code == 302
    page = browser.get(url("import_detail", source)).content.decode()
    assert_csp_safe(page)
    assert 'data-count="created">4<' in page and 'data-count="failed">1<' in page
    assert "Undo this import" in page and "Download the report (CSV)" in page
    firm = Client.objects.get(name="Firm 0")
    assert f'href="/clients/{firm.pk}/"' in page
    failed = browser.get(url("import_detail", source), {"outcome": "failed"}, **HTMX).content.decode()
    assert "<html" not in failed and "Firm" not in failed and "Name" in failed


def test_the_progress_bar_is_polled_while_a_job_works_then_the_page_reloads(alice):
    source = uploaded(alice, clients_csv(count=3))
    Import.objects.filter(pk=source.pk).update(status=Import.Status.RUNNING, total_rows=5, rows_done=2)
    browser = browser_for(alice)
    page = browser.get(url("import_detail", source)).content.decode()
    assert 'hx-trigger="every 1s"' in page and '<progress id="import-progress-bar" max="5" value="2">' in page
    fragment = browser.get(url("import_progress", source), **HTMX)
    assert fragment.status_code == 200 and b"<html" not in fragment.content and b'value="2"' in fragment.content
    Import.objects.filter(pk=source.pk).update(status=Import.Status.DONE, rows_done=5)
    done = browser.get(url("import_progress", source), **HTMX)
    assert (done.status_code, done["HX-Refresh"]) == (204, "true")
    assert browser.get(url("import_progress", source)).status_code == 302


def test_an_undo_refused_says_which_rows_changed(alice, django_capture_on_commit_callbacks):
    source = uploaded(alice, clients_csv(count=2))
    with django_capture_on_commit_callbacks(execute=True):
        services.start_run(actor=alice, source=source)
    Client.objects.filter(name="Firm 1").update(version=99)
    answer = browser_for(alice).post(url("import_undo", source), follow=True)
    assert answer.status_code == 200
    assert "Records of rows 3 were changed since the import" in answer.content.decode()
    assert Client.objects.filter(name__startswith="Firm").count() == 2


def test_the_report_downloads_as_csv(alice, django_capture_on_commit_callbacks):
    source = uploaded(alice, clients_csv(count=2))
    with django_capture_on_commit_callbacks(execute=True):
        services.start_run(actor=alice, source=source)
    answer = browser_for(alice).get(url("import_report", source))
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert answer["Content-Disposition"] == 'attachment; filename="clients-report.csv"'
    text = b"".join(answer.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffRow,Outcome,Reason,Record,Link\r\n2,Created,,")
    assert "http://testserver/clients/" in text


def test_another_sellers_import_is_not_found(alice, bob):
    source = uploaded(alice, clients_csv(count=1))
    browser = browser_for(bob)
    assert browser.get(url("import_detail", source)).status_code == 404
    assert browser.post(url("import_run", source)).status_code == 404
    assert browser.get(url("import_list")).content.decode().count("clients.csv") == 0


def test_the_list_runs_a_bounded_number_of_queries(alice, django_assert_max_num_queries):
    for _ in range(3):
        uploaded(alice, clients_csv(count=1))
    browser = browser_for(alice)
    browser.get(url("import_list"))  # sessions and caches warmed
    with django_assert_max_num_queries(12):
        page = browser.get(url("import_list"))
    html = page.content.decode()
    assert html.count("clients.csv") == 3
    assert_csp_safe(html)
    for _ in range(5):
        uploaded(alice, clients_csv(count=1))
    with django_assert_max_num_queries(12):
        assert browser.get(url("import_list")).content.decode().count("clients.csv") == 8


def test_the_report_page_runs_a_bounded_number_of_queries(
    mia, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    source = uploaded(mia, clients_csv(count=40))
    with django_capture_on_commit_callbacks(execute=True):
        services.start_run(actor=mia, source=source)
    assert ImportRow.objects.filter(source=source).count() == 42
    browser = browser_for(mia)
    browser.get(url("import_detail", source))
    with django_assert_max_num_queries(14):
        page = browser.get(url("import_detail", source))
    assert len(re.findall(r'href="/clients/\d+/"', page.content.decode())) == 41


@pytest.mark.parametrize(
    ("list_name", "label"),
    [
        ("clients:list", "Import clients"),
        ("sales:deal_list", "Import deals"),
        ("sales:product_list", "Import products"),
        ("planner:task_list", "Import tasks"),
    ],
)
def test_the_lists_offer_an_import_only_to_who_may_import(mia, list_name, label):
    browser = browser_for(mia)
    assert label in browser.get(reverse(list_name)).content.decode()
    Right.objects.filter(role__key="manager", module="imports").delete()
    html = browser.get(reverse(list_name)).content.decode()
    assert label not in html and url("import_new") not in html
