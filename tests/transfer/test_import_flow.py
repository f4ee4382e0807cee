"""The import flow end to end through the services, with real files: upload, mapping, preview, dry run, run,
report, resume and undo of clients (the jobs run on commit, as the worker would run them)."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from carte.clients.models import Client, Contact
from carte.clients.services import create_client, update_client
from carte.core.errors import Conflict, Invalid, NotFound
from carte.transfer import queries, running
from carte.transfer.models import Import, ImportRow
from carte.transfer.services import imports as services
from carte.transfer.services import mapping as mappings
from carte.transfer.targets.clients import ClientsTarget
from tests.transfer.files import cp1251_semicolon_csv, delimited, google_contacts_csv, persons, russian_company_rows

pytestmark = pytest.mark.django_db
Status = Import.Status
HEADER = ["Name", "Email", "Phone", "Notes"]


def clients_csv(count: int = 12) -> bytes:
    """`count` companies, then a row without a name, then one copying an existing client's email."""
    rows = [HEADER]
    rows += [
        [f"Firm {n}", f"desk{n}@firm{n}.example", f"+33 6 12 34 56 {n:02d}", f"Met at fair {n}"] for n in range(count)
    ]
    rows += [["", "", "12", "no name"], ["Old Bakery again", "hello@bakery.example", "", '=HYPERLINK("x")']]
    return delimited(rows)


def uploaded(actor, content: bytes, name: str = "clients.csv", target_key: str = "clients", **layout) -> Import:
    return services.upload(
        actor=actor, target_key=target_key, file=SimpleUploadedFile(name, content), file_name=name, **layout
    )


@pytest.fixture
def bakery(alice):
    return create_client(actor=alice, name="Old Bakery", emails=[("hello@bakery.example", "work")])


def run_jobs(capture, start, **kwargs) -> Import:
    """Call a service that queues a job, run the job as the worker would once the transaction commits."""
    with capture(execute=True):
        source = start(**kwargs)
    source.refresh_from_db()
    return source


def test_an_upload_is_read_and_its_mapping_suggested_from_the_headers(alice):
    source = uploaded(alice, clients_csv())
    assert (source.status, source.format, source.columns) == (Status.UPLOADED, "csv", HEADER)
    assert source.mapping == {"0": "name", "1": "email_work", "2": "phone_work", "3": "notes"}
    assert services.layout_of(source).delimiter == ","
    assert Client.objects.count() == 0


def test_a_file_that_is_not_a_table_is_refused_and_nothing_is_kept(alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(Invalid) as refused:
        uploaded(alice, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, name="photo.csv")
    assert refused.value.errors["file"]
    assert not Import.objects.exists()
    assert list((tmp_path / "imports").iterdir()) == []


def test_the_preview_shows_the_first_rows_as_they_will_be_saved_and_writes_nothing(alice, bakery):
    source = uploaded(alice, clients_csv(count=8))
    preview = services.preview(actor=alice, source=source)
    outcomes = [outcome for _cells, outcome in preview.rows]
    assert len(outcomes) == 10
    assert [o.outcome for o in outcomes] == ["created"] * 8 + ["failed", "skipped"]
    assert outcomes[0].shown["Name"] == "Firm 0"
    assert outcomes[8].number == 10 and outcomes[8].message
    assert outcomes[9].object_id == bakery.pk
    assert Client.objects.count() == 1


def test_the_dry_run_counts_and_explains_without_saving(alice, bakery, django_capture_on_commit_callbacks):
    source = uploaded(alice, clients_csv())
    source = run_jobs(django_capture_on_commit_callbacks, services.start_check, actor=alice, source=source)
    assert source.status == Status.CHECKED
    assert source.check_counts == {"created": 12, "failed": 1, "skipped": 1, "rows": 14}
    assert queries.counts_of(source) == {"created": 12, "updated": 0, "skipped": 1, "failed": 1}
    problems = queries.journal_page(source, outcome="problems")
    assert [(row.number, row.outcome) for row in problems.items] == [(14, "failed"), (15, "skipped")]
    assert Client.objects.count() == 1


def test_the_run_saves_reports_every_row_and_the_undo_takes_it_back(mia, bakery, django_capture_on_commit_callbacks):
    """Mia imports (a manager: her role may delete the clients the undo removes)."""
    source = uploaded(mia, clients_csv())
    source = run_jobs(django_capture_on_commit_callbacks, services.start_run, actor=mia, source=source)
    assert source.status == Status.DONE
    assert (source.created, source.updated, source.skipped, source.failed) == (12, 0, 1, 1)
    assert (source.rows_done, source.total_rows) == (14, 14)
    assert Client.objects.count() == 13
    firm = Client.objects.get(name="Firm 3")
    assert (firm.owner, firm.emails.get().address) == (mia, "desk3@firm3.example")

    page = queries.journal_page(source, outcome="created")
    assert page.count == 12 and page.items[3].url == f"/clients/{firm.pk}/"
    report = list(csv.reader(io.StringIO("".join(queries.report_csv(source)).lstrip("\ufeff"))))
    assert report[0] == ["Row", "Outcome", "Reason", "Record", "Link"]
    assert len(report) == 15
    assert report[1] == ["2", "Created", "", str(Client.objects.get(name="Firm 0").pk), report[1][4]]
    assert report[14][:2] == ["15", "Skipped"] and report[14][3] == str(bakery.pk)

    source = run_jobs(django_capture_on_commit_callbacks, services.start_undo, actor=mia, source=source)
    assert (source.status, source.error) == (Status.UNDONE, "")
    assert list(Client.objects.values_list("name", flat=True)) == ["Old Bakery"]
    assert all(row.url == "" for row in queries.journal_page(source).items)


def test_an_update_is_put_back_by_the_undo(mia, bakery, django_capture_on_commit_callbacks):
    source = uploaded(mia, clients_csv(count=1))
    options = {"duplicates": "update", "match_by": ["email"]}
    source = services.configure(actor=mia, source=source, mapping=source.mapping, options=options)
    source = run_jobs(django_capture_on_commit_callbacks, services.start_run, actor=mia, source=source)
    assert (source.created, source.updated, source.failed) == (1, 1, 1)
    bakery.refresh_from_db()
    assert bakery.name == "Old Bakery again"
    source = run_jobs(django_capture_on_commit_callbacks, services.start_undo, actor=mia, source=source)
    assert (source.status, source.error) == (Status.UNDONE, "")
    bakery.refresh_from_db()
    assert bakery.name == "Old Bakery"


def test_an_import_whose_records_changed_since_is_not_undone(alice, django_capture_on_commit_callbacks):
    source = uploaded(alice, clients_csv(count=3))
    source = run_jobs(django_capture_on_commit_callbacks, services.start_run, actor=alice, source=source)
    firm = Client.objects.get(name="Firm 1")
    update_client(actor=alice, client=firm, version=firm.version, name="Firm One")
    with pytest.raises(Conflict) as refused:
        services.start_undo(actor=alice, source=source)
    assert "3" in str(refused.value.message)  # the row of Firm 1
    source.refresh_from_db()
    assert source.status == Status.DONE
    assert Client.objects.count() == 4  # three firms and "Old Bakery again", all still there


def test_a_run_stopped_in_the_middle_resumes_after_its_last_saved_batch(
    alice, monkeypatch, django_capture_on_commit_callbacks
):
    """What the report said was saved stays saved; the resumed run saves the rest, nothing twice."""
    monkeypatch.setattr(running, "BATCH", 5)
    real_save, calls = ClientsTarget.save, []

    def save_failing_the_second_batch(self, context, rows):
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real_save(self, context, rows)

    monkeypatch.setattr(ClientsTarget, "save", save_failing_the_second_batch)
    source = uploaded(alice, clients_csv(count=12))
    source = run_jobs(django_capture_on_commit_callbacks, services.start_run, actor=alice, source=source)
    assert source.status == Status.FAILED and source.error
    assert (source.rows_done, source.created, Client.objects.count()) == (5, 5, 5)

    source = run_jobs(django_capture_on_commit_callbacks, services.resume, actor=alice, source=source)
    assert source.status == Status.DONE
    assert (source.rows_done, source.created, source.failed) == (14, 13, 1)
    assert Client.objects.filter(name__startswith="Firm").count() == 12
    assert ImportRow.objects.filter(source=source, phase="run", outcome="created").count() == 13


def test_a_finished_import_cannot_be_set_up_again_nor_resumed(alice, django_capture_on_commit_callbacks):
    source = uploaded(alice, clients_csv(count=2))
    source = run_jobs(django_capture_on_commit_callbacks, services.start_run, actor=alice, source=source)
    with pytest.raises(Conflict):
        services.configure(actor=alice, source=source, mapping=source.mapping, options={})
    with pytest.raises(Conflict):
        services.resume(actor=alice, source=source)


def test_a_mapping_without_a_name_column_is_refused_with_a_message(alice):
    source = uploaded(alice, clients_csv(count=2))
    with pytest.raises(Invalid) as refused:
        services.configure(actor=alice, source=source, mapping={"1": "email_work"}, options={})
    assert refused.value.errors["mapping"]
    with pytest.raises(Invalid) as refused:
        services.configure(actor=alice, source=source, mapping=source.mapping, options={"decimal": ";"})
    assert "decimal" in refused.value.errors


def test_a_saved_mapping_maps_the_next_file_by_its_headers(alice):
    first = uploaded(alice, delimited([["Raison", "Courriel", "Remarque"], ["Acme", "a@acme.example", "x"]]))
    first = services.configure(actor=alice, source=first, mapping={"0": "name", "1": "email_work"}, options={})
    saved = mappings.save_mapping(actor=alice, source=first, name="Old CRM")
    assert saved.fields == {"Raison": "name", "Courriel": "email_work"}
    second = uploaded(alice, delimited([["Courriel", "Raison"], ["b@beta.example", "Beta"]]))
    assert second.mapping == {"0": "email_work", "1": "name"}
    assert list(queries.mappings_of(alice, "clients")) == [saved]


def test_a_google_contacts_export_maps_without_work_and_imports_persons(alice, django_capture_on_commit_callbacks):
    people = persons(5, "fr_FR", seed=3)
    source = uploaded(alice, google_contacts_csv(people), name="contacts.csv")
    mapped = set(source.mapping.values())
    assert {"first_name", "last_name", "company"} <= mapped
    assert any(key.startswith("email_") for key in mapped) and any(key.startswith("phone_") for key in mapped)
    # As suggested, with the default options: Google's own groups ("* myContacts" in Labels) are no tags
    # of ours, and a company no card has yet is created with its first contact.
    source = services.configure(actor=alice, source=source, mapping=source.mapping, options={})
    source = run_jobs(django_capture_on_commit_callbacks, services.start_run, actor=alice, source=source)
    assert source.failed == 0, list(source.rows.filter(outcome="failed").values_list("message", flat=True))
    person = Client.objects.get(kind="person", first_name=people[0].first_name, last_name=people[0].last_name)
    assert person.emails.filter(address=people[0].emails[0].lower()).exists()
    assert Contact.objects.filter(person=person, company__name=people[0].company).exists()


def test_a_windows_1251_semicolon_file_is_read_and_mapped_from_russian_headers(alice):
    source = uploaded(alice, cp1251_semicolon_csv(russian_company_rows(4)), name="клиенты.csv")
    layout = services.layout_of(source)
    assert (layout.encoding, layout.delimiter) == ("cp1251", ";")
    assert "name" in source.mapping.values()
    outcomes = [outcome for _cells, outcome in services.preview(actor=alice, source=source).rows]
    assert [o.outcome for o in outcomes] == ["created"] * 4, [o.message for o in outcomes]


def test_another_employees_import_is_not_found_unless_the_policy_reaches_it(alice, bob, mia, charlie):
    source = uploaded(alice, clients_csv(count=1))
    assert queries.get_import_for(mia, source.pk) == source  # North's manager
    for outsider in (bob, charlie):
        with pytest.raises(NotFound):
            queries.get_import_for(outsider, source.pk)
    assert queries.import_page(bob).count == 0
    assert [item.pk for item in queries.import_page(alice).items] == [source.pk]


def test_the_report_neutralizes_cells_a_spreadsheet_would_run(alice):
    source = uploaded(alice, clients_csv(count=1))
    source.status = Status.DONE
    source.save()
    ImportRow.objects.create(source=source, phase="run", number=2, outcome="failed", message='=HYPERLINK("evil")')
    ImportRow.objects.create(source=source, phase="run", number=3, outcome="failed", message="+1 or -1 or @me")
    lines = list(queries.report_lines(source))
    assert [line[2] for line in lines[1:]] == ['\'=HYPERLINK("evil")', "'+1 or -1 or @me"]


def test_journal_filters_are_checked(alice):
    source = uploaded(alice, clients_csv(count=1))
    with pytest.raises(Invalid) as refused:
        queries.journal(source, phase="later", outcome="vanished")
    assert set(refused.value.errors) == {"phase", "outcome"}


def test_duplicates_are_found_by_what_the_target_offers_and_by_nothing_when_none_is_chosen(mia):
    """Products are matched by SKU (their own key); unchecking every key is kept as "match by nothing"."""
    source = uploaded(mia, delimited([["Name", "SKU", "Price"], ["Oven", "OV-1", "1200"]]), target_key="products")
    source = services.configure(actor=mia, source=source, mapping=source.mapping, options={"match_by": ["sku"]})
    assert services.options_of(source).match_by == ("sku",)
    source = services.configure(actor=mia, source=source, mapping=source.mapping, options={"match_by": []})
    assert services.options_of(source).match_by == ()
    with pytest.raises(Invalid) as refused:
        services.configure(actor=mia, source=source, mapping=source.mapping, options={"match_by": ["tax_id"]})
    assert "match_by" in refused.value.errors


def test_old_files_go_but_the_report_and_the_undo_stay(alice, django_capture_on_commit_callbacks):
    done = uploaded(alice, clients_csv(count=2))
    done = run_jobs(django_capture_on_commit_callbacks, services.start_run, actor=alice, source=done)
    waiting = uploaded(alice, clients_csv(count=1))
    path = services.path_of(done)
    assert path.exists()
    assert running.remove_old_files() == 0
    later = timezone.now() + timedelta(days=31)
    assert running.remove_old_files(now=later) == 2
    assert not path.exists() and not services.path_of(waiting).exists()
    assert not Import.objects.filter(pk=waiting.pk).exists()
    done.refresh_from_db()
    assert done.stored_name == "" and done.rows.filter(outcome="created").count() == done.created > 0
