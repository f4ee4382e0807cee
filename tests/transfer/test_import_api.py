"""Imports in the REST API: the same flow as the screens, answers and refusals as the schema says."""

import base64
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from carte.clients.models import Client
from carte.transfer.models import Import, Mapping
from tests.screens import browser_for
from tests.transfer.test_import_flow import clients_csv, uploaded

pytestmark = pytest.mark.django_db
API = "/api/v1"


def send(browser, method: str, path: str, body=None):
    answer = getattr(browser, method)(
        f"{API}{path}", data=json.dumps(body) if body is not None else None, content_type="application/json"
    )
    return answer, (answer.json() if answer.content and "json" in answer["Content-Type"] else None)


def test_a_file_is_uploaded_as_multipart_or_base64(alice):
    browser = browser_for(alice)
    answer = browser.post(
        f"{API}/imports", {"target": "clients", "file": SimpleUploadedFile("clients.csv", clients_csv(count=2))}
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["target"], body["status"], body["format"]) == ("clients", "uploaded", "csv")
    assert body["columns"] == ["Name", "Email", "Phone", "Notes"]
    assert body["mapping"] == {"0": "name", "1": "email_work", "2": "phone_work", "3": "notes"}
    assert body["layout"]["delimiter"] == "," and body["options"]["duplicates"] == "skip"
    assert {"key": "name", "label": "Name", "many": False, "required": False} in body["fields"]

    content = base64.b64encode(clients_csv(count=1)).decode()
    payload = {"target": "clients", "file_name": "more.csv", "content_base64": content, "delimiter": ";"}
    answer, body = send(browser, "post", "/imports", payload)
    assert answer.status_code == 201 and body["layout"]["delimiter"] == ";"
    assert Import.objects.count() == 2 and Client.objects.count() == 0


def test_a_bad_upload_answers_problem_details_and_keeps_nothing(alice):
    browser = browser_for(alice)
    for payload in (
        {"target": "clients", "file_name": "x.csv", "content_base64": "not base64!"},
        {"target": "clients", "file_name": "x.csv", "content_base64": ""},
        {"target": "planets", "file_name": "x.csv", "content_base64": base64.b64encode(b"Name\nA\n").decode()},
        {"target": "clients", "file_name": "x.csv", "content_base64": base64.b64encode(b"\x00\xff" * 500).decode()},
    ):
        answer, body = send(browser, "post", "/imports", payload)
        assert answer.status_code == 400, payload
        assert answer["Content-Type"] == "application/problem+json" and body["errors"]
    assert not Import.objects.exists()


def test_map_preview_dry_run_run_rows_report_and_undo(mia, django_capture_on_commit_callbacks):
    source = uploaded(mia, clients_csv(count=3))
    browser = browser_for(mia)
    answer, body = send(browser, "put", f"/imports/{source.pk}/mapping", {"mapping": {"0": "name"}, "options": {}})
    assert answer.status_code == 200 and body["mapping"] == {"0": "name"}
    mapping = {"0": "name", "1": "email_work", "2": "phone_work", "3": ""}
    options = {"duplicates": "update", "match_by": ["email"], "decimal": ","}
    answer, body = send(browser, "put", f"/imports/{source.pk}/mapping", {"mapping": mapping, "options": options})
    assert body["mapping"] == {"0": "name", "1": "email_work", "2": "phone_work"}
    assert (body["options"]["duplicates"], body["options"]["match_by"], body["options"]["decimal"]) == (
        "update",
        ["email"],
        ",",
    )

    answer, body = send(browser, "get", f"/imports/{source.pk}/preview")
    assert [row["outcome"] for row in body["rows"]] == ["created"] * 3 + ["failed", "created"]
    assert body["rows"][0]["shown"]["Name"] == "Firm 0" and body["rows"][3]["message"]

    with django_capture_on_commit_callbacks(execute=True):
        answer, body = send(browser, "post", f"/imports/{source.pk}/check")
    assert answer.status_code == 202
    answer, body = send(browser, "get", f"/imports/{source.pk}")
    assert body["status"] == "checked" and body["check_counts"]["created"] == 4
    answer, body = send(browser, "get", f"/imports/{source.pk}/rows?phase=check")
    assert [(row["number"], row["outcome"]) for row in body["results"]] == [(5, "failed")]

    with django_capture_on_commit_callbacks(execute=True):
        answer, body = send(browser, "post", f"/imports/{source.pk}/run")
    assert answer.status_code == 202
    answer, body = send(browser, "get", f"/imports/{source.pk}")
    assert (body["status"], body["created"], body["failed"], body["rows_done"]) == ("done", 4, 1, 5)
    answer, body = send(browser, "get", f"/imports/{source.pk}/rows?outcome=created&page_size=2")
    assert (body["count"], body["pages"], len(body["results"])) == (4, 2, 2)
    report = browser.get(f"{API}/imports/{source.pk}/report")
    assert report["Content-Type"] == "text/csv; charset=utf-8"
    assert b"".join(report.streaming_content).decode().count("\r\n") == 6

    answer, body = send(browser, "post", f"/imports/{source.pk}/resume")
    assert answer.status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        answer, body = send(browser, "post", f"/imports/{source.pk}/undo")
    assert answer.status_code == 202
    assert send(browser, "get", f"/imports/{source.pk}")[1]["status"] == "undone"
    assert Client.objects.count() == 0


def test_wrong_choices_are_named(alice):
    source = uploaded(alice, clients_csv(count=1))
    browser = browser_for(alice)
    answer, body = send(
        browser, "put", f"/imports/{source.pk}/mapping", {"mapping": {"9": "name", "1": "planet"}, "options": {}}
    )
    assert answer.status_code == 400 and len(body["errors"]["mapping"]) >= 2
    answer, body = send(
        browser, "put", f"/imports/{source.pk}/mapping", {"mapping": source.mapping, "options": {"duplicates": "merge"}}
    )
    assert answer.status_code == 400 and "duplicates" in body["errors"]
    answer, body = send(browser, "get", f"/imports/{source.pk}/rows?outcome=lost")
    assert answer.status_code == 400 and "outcome" in body["errors"]
    answer, body = send(browser, "put", f"/imports/{source.pk}/layout", {"encoding": "ebcdic"})
    assert answer.status_code == 400 and body["errors"]


def test_the_list_shows_only_what_the_policy_lets_one_see(alice, bob, mia):
    uploaded(alice, clients_csv(count=1))
    uploaded(bob, clients_csv(count=1))
    assert send(browser_for(alice), "get", "/imports")[1]["count"] == 1
    assert send(browser_for(mia), "get", "/imports")[1]["count"] == 2
    other = Import.objects.get(owner=bob)
    assert send(browser_for(alice), "get", f"/imports/{other.pk}")[0].status_code == 404


def test_saved_mappings_belong_to_who_saved_them(alice, bob):
    source = uploaded(alice, clients_csv(count=1))
    answer, body = send(browser_for(alice), "post", "/import-mappings", {"import_id": source.pk, "name": "Fairs"})
    assert answer.status_code == 201 and body["fields"]["Email"] == "email_work"
    assert [m["name"] for m in send(browser_for(alice), "get", "/import-mappings?target=clients")[1]] == ["Fairs"]
    assert send(browser_for(bob), "get", "/import-mappings")[1] == []
    assert send(browser_for(bob), "delete", f"/import-mappings/{body['id']}")[0].status_code == 404
    assert send(browser_for(alice), "delete", f"/import-mappings/{body['id']}")[0].status_code == 204
    assert not Mapping.objects.exists()
