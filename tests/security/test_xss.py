"""XSS: a corpus of payloads written through the real services into every text field, then every page
that shows them parsed for anything that could run (tests/security/html_check.py).

The world is the rights matrix's (tests/test_rights_matrix.py), made once per test process, with
its records' texts replaced by payloads through the services a user's form or the API would call;
so every GET screen the matrix knows renders them, as the administrator who sees everything.
Documents (quote/invoice HTML for the PDF) and the emails Carte sends are rendered with them too.
"""

import base64
from datetime import UTC, datetime, timedelta
from email import message_from_string

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from carte.accounts.models import Employee
from carte.accounts.services import (
    create_department,
    invitation_email,
    update_department,
    update_employee,
    update_role,
)
from carte.calls.services.calls import update_call
from carte.calls.services.connections import update_connection
from carte.clients.models import Client
from carte.clients.services.clients import update_client
from carte.clients.services.custom_fields import create_custom_field, update_custom_field
from carte.clients.services.references import add_reference_value, rename_reference_value
from carte.clients.services.segments import update_segment
from carte.clients.services.timeline import add_note
from carte.core import audit
from carte.core.errors import Invalid
from carte.documents import builtin, rendering
from carte.knowledge.services.articles import create_article, rename_category, update_article
from carte.knowledge.services.onboarding import update_first_task
from carte.planner.services.tasks import create_task, update_task
from carte.sales.models import Stage
from carte.sales.services import templates
from carte.sales.services.catalogue import update_price_list, update_product
from carte.sales.services.company import update_legal_entity
from carte.sales.services.deals import create_deal, move_deal, update_deal
from carte.sales.services.documents import update_document
from carte.sales.services.money import update_tax
from carte.sales.services.payments import record_payment
from carte.sales.services.pipelines import update_pipeline, update_stage
from carte.sales.services.templates import upload_template
from carte.transfer.services.imports import upload
from carte.transfer.services.mapping import save_mapping
from carte.workspace.notifications.services import notify
from tests.rights import World
from tests.security.html_check import script_problems
from tests.test_rights_matrix import ROWS, _make_world

# Each one tries a different way out of escaping: a tag, an attribute, a URL scheme, markup
# that a Markdown renderer or a sanitizer might pass, an entity-encoded scheme, an SVG.
CORPUS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "'><svg onload=alert(3)>",
    "<svg><script>alert(4)</script></svg>",
    "javascript:alert(5)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCg2KTwvc2NyaXB0Pg==",
    '<a href="javascript:alert(7)">seven</a>',
    '<iframe src="javascript:alert(8)"></iframe>',
    "[nine](javascript:alert(9))",
    '![ten](x" onerror="alert(10))',
    '<a href="&#14;jav&#x09;ascript&colon;alert(11)">eleven</a>',
    "</textarea></title><script>alert(12)</script>",
    '<div style="background:url(javascript:alert(13))">13</div><style>*{}</style>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(14)"><base href="//evil.example/">',
    '" autofocus onfocus=alert(15) x="\'',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(16)>",
    "vbscript:msgbox(17)",
]
# What fits into short fields (a unit, a phone, an SKU).
SHORT = ['"><b onclick=1>', "<svg onload=1>", "javascript:1", "'><i onmouseover=1>"]
MARKDOWN = "\n\n".join(
    [
        "# Heading <script>alert(20)</script>",
        "[a link](javascript:alert(21)) and [another](JaVaScRiPt:alert(22))",
        "[data](data:text/html,<script>x</script>)",
        "![image](javascript:alert(23)) ![svg](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMjQpPg==)",
        '<img src=x onerror="alert(25)"> <a href="vbscript:msgbox(26)">raw</a>',
        "[ref][1]\n\n[1]: javascript:alert(27)",
        '<https://example.com/"onmouseover="alert(28)>',
        "```html\n<script>alert(29)</script>\n```",
        *CORPUS,
    ]
)
# The payloads' marks: a page that shows none of them did not render the corpus at all.
MARK = "alert("


def payload(limit: int | None, start: int = 0, tag: str = "") -> str:
    """As many payloads as fit in `limit` characters, starting at `start` (so short fields differ)."""
    limit = limit or 4000
    pieces = [tag] if tag else []
    for item in [*CORPUS[start:], *CORPUS[:start], *SHORT]:
        if len(" ".join([*pieces, item])) <= limit:
            pieces.append(item)
    return " ".join(pieces)


def fits(model, field: str, start: int = 0, tag: str = "") -> str:
    return payload(model._meta.get_field(field).max_length, start, tag)


def _clients(world: dict, ada: Employee) -> None:
    client = world["alices_client"]
    texts = ["name", "legal_name", "position", "bank_details", "address_legal", "address_postal", "address_actual"]
    values = {name: fits(Client, name, index) for index, name in enumerate(texts)}
    values["notes"] = payload(None)
    update_client(actor=ada, client=client, version=client.version, custom={"notes": payload(1000, 4)}, **values)
    _website(ada, client)
    person = world["alices_person"]
    names = {
        name: fits(Client, name, index + 3) for index, name in enumerate(["first_name", "middle_name", "last_name"])
    }
    update_client(actor=ada, client=person, version=person.version, **names)
    charlie = world["charlies_client"]
    update_client(actor=ada, client=charlie, version=charlie.version, name=payload(300, 9), notes=MARKDOWN)
    for index, text in enumerate(CORPUS):
        add_note(actor=ada, client=client, text=text + f" note {index}")
    update_custom_field(actor=ada, field=world["notes_field"], label=payload(100, 1))
    create_custom_field(actor=ada, label=payload(100, 2, "choice"), kind="choice", options=SHORT)
    for reference_list, key in (("status", "lead"), ("tag", "vip"), ("contact_role", "purchaser")):
        value = world["old_tag"].__class__.objects.get(list=reference_list, key=key)
        rename_reference_value(actor=ada, value=value, label=payload(100, 5))
    update_segment(actor=ada, segment=world["shared_segment"], name=payload(100, 6))
    update_segment(actor=ada, segment=world["alices_segment"], name=payload(100, 7))


def _website(ada, client) -> None:
    """A website is a link on the card: a script URL must be refused, a quoted one shown escaped."""
    for bad in ("javascript:alert(1)", " JAVASCRIPT:alert(1)", "data:text/html,<script>alert(1)</script>"):
        client.refresh_from_db()
        with pytest.raises(Invalid):
            update_client(actor=ada, client=client, version=client.version, website=bad)
    client.refresh_from_db()
    website = 'https://example.com/"><script>alert(1)</script>?a=<svg/onload=alert(2)>'
    update_client(actor=ada, client=client, version=client.version, website=website)


def _people(world: dict, ada: Employee) -> None:
    for index, name in enumerate(["alice", "bob", "charlie", "mia", "rita"]):
        employee = world[name]
        update_employee(
            actor=ada,
            employee=employee,
            first_name=fits(Employee, "first_name", index),
            last_name=fits(Employee, "last_name", index + 1),
            position=fits(Employee, "position", index + 2),
        )
    update_department(actor=ada, department=world["north"], name=payload(150, 3, "north"))
    create_department(actor=ada, name=payload(150, 8, "west"))
    update_role(actor=ada, role=world["sales"], name=payload(100, 4, "sales"), description=payload(300, 10))


def _sales(world: dict, ada: Employee) -> None:
    update_product(
        actor=ada,
        product=world["catalogue_chair"],
        name=payload(300, 1),
        sku=payload(64, 2),
        unit=payload(20),
        description=payload(2000, 3),
    )
    update_price_list(actor=ada, price_list=world["catalogue_retail"], name=payload(100, 4))
    entity = world["company_entity"]
    texts = ["name", "legal_name", "address", "postal_address", "bank_name", "bank_details", "signatory_name"]
    texts += ["signatory_title", "accountant_name", "registration_number", "bank_code", "tax_number", "vat_number"]
    update_legal_entity(
        actor=ada, entity=entity, **{name: fits(entity, name, index) for index, name in enumerate(texts)}
    )
    update_tax(actor=ada, tax=world["matrix_tax"], name=payload(100, 5))
    update_pipeline(actor=ada, pipeline=world["other_pipeline"], name=payload(100, 6))
    update_pipeline(actor=ada, pipeline=world["sales_pipeline"], name=payload(100, 7))
    update_stage(actor=ada, stage=world["spare_stage"], name=payload(100, 8))
    update_stage(actor=ada, stage=Stage.objects.get(pipeline=world["sales_pipeline"], order=1), name=payload(100, 9))
    deal = world["alices_sales_deal"]
    update_deal(actor=ada, deal=deal, version=deal.version, title=payload(300, 10), notes=payload(5000))
    lost = create_deal(actor=ada, client=world["alices_client"], title=payload(300, 11), amount="10")
    reason = add_reference_value(actor=ada, reference_list="lost_reason", label=payload(100, 12))
    move_deal(
        actor=ada, deal=lost, stage=Stage.objects.get(pipeline=lost.pipeline, outcome="lost"), lost_reason=reason.key
    )
    draft = world["alices_draft"]
    line = {"description": payload(500, 13), "unit": payload(20), "quantity": "1", "unit_price": "10"}
    update_document(actor=ada, document=draft, version=draft.version, notes=payload(5000, 13), lines=[line])
    invoice = world["alices_invoice"]
    record_payment(
        actor=ada,
        invoice=invoice,
        date=timezone.localdate().isoformat(),
        amount="1.00",
        reference=payload(100, 14),
        note=payload(500, 15),
    )
    html = b"<p>{{ client.name }} {{ totals.total }}</p>"
    name = payload(100, 16) + ".html"
    upload_template(
        actor=ada,
        name=payload(100, 0),
        purpose="invoice",
        format="html",
        file=SimpleUploadedFile(name, html, "text/html"),
    )


def _planner(world: dict, ada: Employee) -> None:
    for index, name in enumerate(["alices_task", "calendar_task"]):
        task = world[name]
        update_task(actor=ada, task=task, title=payload(200, index), description=payload(None, index + 1))
    create_task(
        actor=world["alice"],
        title=payload(200, 2),
        due_at=datetime(2030, 1, 8, 10, tzinfo=UTC),
        client=world["alices_client"],
        description=MARKDOWN,
    )
    create_task(actor=ada, title=payload(200, 3), due_at=timezone.now() + timedelta(hours=2), description=MARKDOWN)
    # Ada's bell and notifications: a mention in Alice's note, and one told directly.
    add_note(actor=world["alice"], client=world["alices_client"], text="@ada " + payload(400, 4))
    notify(recipient=ada, kind="assigned", title=payload(300, 5), body=payload(500, 6), link="/")


def _calls_and_knowledge(world: dict, ada: Employee) -> None:
    update_call(actor=ada, call=world["alices_call"], notes=payload(None, 4), result=payload(300, 5))
    update_connection(actor=ada, connection=world["matrix_pbx"], name=payload(100, 6))
    update_article(actor=ada, article=world["kb_article"], title=payload(200, 7), body=MARKDOWN)
    create_article(actor=ada, title=payload(200, 8), body=MARKDOWN, language="en", for_newcomers=True)
    rename_category(actor=ada, category=world["kb_category"], name=payload(100, 9))
    update_first_task(actor=ada, first_task=world["first_task"], title=payload(200, 10), description=MARKDOWN)


def _transfer(world: dict, ada: Employee) -> None:
    """An uploaded file's name is shown on the import pages; a mapping's name in the import form."""
    csv = "Name,Notes\n" + "".join(f'"{text.replace(chr(34), chr(39))}",x\n' for text in CORPUS[:5])
    name = "<img src=x onerror=alert(1)>\"'><svg onload=alert(2)>.csv"
    source = upload(actor=ada, target_key="clients", file=SimpleUploadedFile(name, csv.encode()), file_name=name)
    save_mapping(actor=ada, source=source, name=payload(100, 3))
    world["xss_import"] = source


def _payload_world() -> World:
    world = _make_world()
    records = world.records
    ada = records["ada"]
    for name in ("alices_done_import", "alices_export", "alices_import", "done_backup"):
        world.record(name)  # made now, so their pages show in the world the payloads are written into
    # Subscribers (timeline, notifications, search) hear events on commit: run them as if committed.
    with TestCase.captureOnCommitCallbacks(execute=True):
        _clients(records, ada)
        _people(records, ada)
        _sales(records, ada)
        _planner(records, ada)
        _calls_and_knowledge(records, ada)
        _transfer(records, ada)
    for name in ("alices_client", "alices_person", "charlies_client"):
        records[name].refresh_from_db()
    return world


@pytest.fixture(scope="module")
def xss_world(django_db_setup, django_db_blocker):
    """The payload world, made once per test process and rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _payload_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(xss_world, db):
    return World(people=xss_world.people, records=dict(xss_world.records))


ADA_PAGES = [row for row in ROWS if row.method == "GET" and not row.is_api and "ada" in row.allowed]
# Pages that show the payloads beyond the matrix's rows: searches for them, the card of the
# lost deal, the calendar's week of the tasks, the imported file.
SEARCHES = [
    ("workspace:search", (), "?q=alert"),
    ("workspace:search", (), "?q=script"),
    ("clients:list", (), "?q=alert"),
    ("clients:list", (), "?q=%3Cscript%3E&ordering=name"),
    ("sales:deal_list", (), "?q=alert&state=all"),
    ("sales:deal_list", (), "?state=lost"),
    ("sales:product_list", (), "?q=alert"),
    ("planner:task_list", (), "?q=alert&status=all"),
    ("knowledge:article_list", (), "?q=alert"),
    ("knowledge:article_list", (), "?q=%3Csvg"),
    ("planner:calendar", (), "?view=week&date=2030-01-07"),
    ("planner:calendar", (), "?view=month&date=2030-01-07"),
    ("planner:calendar", (), "?view=list&date=2030-01-07"),
    ("workspace:home", (), ""),
    ("workspace:notification_bell", (), ""),
    ("workspace:notifications", (), "?unread=all"),
    ("reports:adoption", (), "?period=30"),
    ("knowledge:onboarding_mine", (), ""),
    ("accounts:audit_list", (), ""),
]


def _get(client, world: World, url: str):
    """The page as Ada sees it; a fragment that sends a plain visit to its page is fetched as htmx does."""
    client.force_login(world.people["ada"])
    response = client.get(url)
    if response.status_code == 302:
        response = client.get(url, headers={"HX-Request": "true"})
    if response.status_code == 302:
        response = client.get(url, follow=True)
    assert response.status_code in (200, 204), (url, response.status_code)  # 204: an htmx poll with nothing new
    return response


def _html_of(response) -> str | None:
    """The HTML a browser would render; None for a download (attachment) or a sandboxed file."""
    if "html" not in response.get("Content-Type", ""):
        return None
    if response.get("Content-Disposition", "").startswith("attachment"):
        return None
    if "sandbox" in response.get("Content-Security-Policy", ""):
        return None
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


@pytest.mark.parametrize("row", ADA_PAGES, ids=str)
def test_no_payload_runs_on_any_screen(client, world, row):
    world.make_named(row)
    html = _html_of(_get(client, world, row.url(world)))
    if html is not None:
        assert script_problems(html) == []


@pytest.mark.parametrize(("name", "args", "query"), SEARCHES, ids=lambda value: str(value))
def test_no_payload_runs_in_search_results_and_lists(client, world, name, args, query):
    response = _get(client, world, reverse(name, args=args) + query)
    assert script_problems(response.content) == []


def test_the_pages_really_show_the_payloads(client, world):
    """Escaped, but there: a screen that drops the texts would pass the check without testing it."""
    pages = [
        reverse("clients:card", args=[world.alices_client.pk]),
        reverse("clients:timeline", args=[world.alices_client.pk]),
        reverse("sales:deal_detail", args=[world.alices_sales_deal.pk]),
        reverse("knowledge:article_detail", args=[world.kb_article.pk]),
        reverse("transfer:import_detail", args=[world.xss_import.pk]),
        reverse("planner:task_detail", args=[world.alices_task.pk]),
        reverse("workspace:notifications"),
    ]
    for url in pages:
        text = _get(client, world, url).content.decode()
        assert "&lt;" in text and MARK in text, url


def test_the_lost_reason_and_the_website_are_shown_escaped(client, world):
    text = _get(client, world, reverse("sales:deal_list") + "?state=lost").content.decode()
    assert "&lt;script&gt;alert(" in text or "&lt;svg onload" in text
    card = _get(client, world, reverse("clients:card", args=[world.alices_client.pk])).content.decode()
    assert 'href="https://example.com/&quot;&gt;&lt;script&gt;' in card or "https://example.com/%22%3E" in card
    assert script_problems(card) == []


def test_the_knowledge_article_renders_markdown_without_script_links(client, world):
    response = _get(client, world, reverse("knowledge:article_detail", args=[world.kb_article.pk]))
    text = response.content.decode()
    assert "<h1" in text or "<h2" in text, "the Markdown was not rendered"
    assert script_problems(text) == []


@pytest.mark.parametrize("kind", builtin.KINDS)
def test_sales_documents_html_for_the_pdf_has_no_script(world, kind):
    """The built-in quote/invoice/contract/act HTML that WeasyPrint prints, filled with the payloads of
    the client, the legal entity, the notes and the lines (WeasyPrint runs no script, a browser would)."""
    draft = world.alices_draft
    draft.refresh_from_db()
    lines = list(draft.lines.select_related("tax").order_by("position", "id"))
    context = templates.context_for(draft, lines, templates.parties_of(draft))
    names, _files = templates.entity_files(draft.legal_entity)
    context["images"] |= names
    html = rendering.fill_html(builtin.html_name(kind), context, env=builtin.html_environment())
    assert MARK in html, "the payloads are not in the document"
    # The built-in layout carries its print style sheet in a <style> element: it is never served as a page.
    assert [problem for problem in script_problems(html) if "inline <style>" not in problem] == []


BROKEN_LINE = "Evil\r\nBcc: victim@example.com\n"


def test_notification_emails_keep_one_subject_line_whatever_the_titles_hold(world, settings):
    """Texts typed with line breaks (a task title, a client name) become notification titles, and
    those the subjects of emails: the subject stays one line (no header injection) and the mail goes."""
    settings.BASE_URL = "https://crm.example.com"
    people = world.people
    bob = people["bob"]
    Employee.objects.filter(pk=bob.pk).update(notify_by_email=True, email="bob@example.com")
    client = world.alices_client
    client.refresh_from_db()
    mail.outbox = []
    with TestCase.captureOnCommitCallbacks(execute=True):
        due = timezone.now() + timedelta(days=1)
        create_task(actor=people["mia"], title=BROKEN_LINE + payload(150), assignee=bob, due_at=due)
        try:
            update_client(actor=people["ada"], client=client, version=client.version, name=BROKEN_LINE + "Bakery")
        except Invalid:
            pass  # refused: fine too
        add_note(actor=people["alice"], client=client, text="@bob " + BROKEN_LINE + payload(300))
        # What a subscriber passes on as it was typed (a call's number, an import's file name…).
        notify(
            recipient=Employee.objects.get(pk=bob.pk),
            kind="assigned",
            title=BROKEN_LINE + payload(200),
            body=BROKEN_LINE,
            link="/",
        )
    assert len(mail.outbox) == 3, [message.subject for message in mail.outbox]
    for message in mail.outbox:
        assert "\n" not in message.subject and "\r" not in message.subject
        sent = message_from_string(message.message().as_string())
        assert sent["Bcc"] is None and sent["Cc"] is None
        assert [part for part, kind in getattr(message, "alternatives", []) if "html" in kind] == []


def test_invitation_email_keeps_one_subject_line_and_sends_no_html(world, smtp_server):
    """The invitation is plain text (a payload in a name is shown as typed, never as HTML)."""
    employee = world.people["bob"]
    subject, body = invitation_email(employee)
    assert "\n" not in subject and "\r" not in subject
    assert employee.first_name in body
    assert "<html" not in body.lower()


def test_the_check_finds_each_kind_of_script():
    """The check itself: each way a payload could run is reported; escaped text is not."""
    found = {
        "<script>alert(1)</script>": "script",
        '<script src="https://cdn.example/x.js"></script>': "script",
        '<img src=x onerror="alert(1)">': "onerror",
        '<a href=" jav&#x09;ascript&colon;alert(1)">x</a>': "href",
        '<a href="data:text/html,x">x</a>': "href",
        '<form action="vbscript:x"></form>': "action",
        '<button formaction="javascript:x">x</button>': "formaction",
        '<svg><a xlink:href="javascript:x">x</a></svg>': "xlink:href",
        '<iframe src="/x"></iframe>': "iframe",
        "<object data='/x'></object>": "object",
        "<embed src='/x'>": "embed",
        '<svg><script href="/static/x.js"></script></svg>': "script",
        '<base href="/">': "base",
        '<meta http-equiv="Refresh" content="0;url=/">': "meta refresh",
        '<p style="color:red">x</p>': "style attribute",
        "<style>p{}</style>": "<style>",
        '<div hx-on:click="alert(1)">x</div>': "hx-on",
        "<div hx-vals='js:{a: alert(1)}'>x</div>": "hx-vals",
    }
    for html, words in found.items():
        problems = script_problems(html)
        assert problems and words in " ".join(problems), html
    clean = (
        '<p>&lt;script&gt;alert(1)&lt;/script&gt; <a href="/clients/1/">x</a></p><script src="/static/a.js"></script>'
    )
    assert script_problems(clean) == []
    assert script_problems(base64.b64decode("PHA+b2s8L3A+")) == []


def test_the_audit_log_takes_an_actor_whose_full_name_is_longer_than_its_column(world):
    """Names of 150 + 150 characters are allowed; the audit entry keeps the first 200 (PostgreSQL refused more)."""
    alice = world.people["alice"]
    assert len(str(alice)) > 200
    entry = audit.record(alice, audit.Verb.UPDATE, world.alices_client, changes={"name": ["a", "b"]})
    entry.refresh_from_db()
    assert entry.actor_name == str(alice)[:200]
