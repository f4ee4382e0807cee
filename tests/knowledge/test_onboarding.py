"""Onboardings of new employees: what one gives, how its items get ticked, who may start, see and cancel one,
the first tasks, the automatic start, and the thin screens and API on top."""

import json
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from carte.accounts import services as accounts
from carte.core.errors import Conflict, Invalid, NotAllowed
from carte.core.models import AuditEntry
from carte.core.testing import EmployeeFactory, database_state, role
from carte.knowledge.models import Article, Category, FirstTask, Onboarding, OnboardingItem, Rollout
from carte.knowledge.queries import onboarding as queries
from carte.knowledge.services import onboarding as services
from carte.planner import services as planner
from carte.planner.models import Task

READ, TASK = OnboardingItem.Kind.READ, OnboardingItem.Kind.TASK


@pytest.fixture(autouse=True)
def known_content(db):
    """A small, known knowledge base and two first tasks (the migration's starter content set aside)."""
    Article.objects.all().delete()
    Category.objects.all().delete()
    FirstTask.objects.all().delete()
    using = Category.objects.create(name="Using Carte", order=10)
    for language, titles in {
        "en": {"workspace": "Your workspace", "deals": "Deals"},
        "fr": {"workspace": "Votre espace de travail"},  # no French "deals": English stands in
    }.items():
        for key, title in titles.items():
            Article.objects.create(
                title=title, body="…", language=language, category=using, starter_key=key, for_newcomers=True
            )
    Article.objects.create(title="Backups", language="en", starter_key="backups", for_newcomers=False)
    Article.objects.create(title="Notre façon de vendre", language="fr", for_newcomers=True)
    FirstTask.objects.create(title="Set up your profile", days=1, order=10)
    FirstTask.objects.create(title="Log a call", description="After a real call.", days=3, order=20)


@pytest.fixture
def run_events(django_capture_on_commit_callbacks):
    """Deliver the events (handlers run on commit, which a test's transaction never reaches by itself)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def titles(onboarding, kind):
    return [item.title for item in onboarding.items.filter(kind=kind).order_by("order")]


def test_an_onboarding_gives_the_newcomers_articles_in_the_employees_language(ada, bob):
    bob.language = "fr"
    bob.save()
    onboarding = services.start_onboarding(actor=ada, employee=bob)
    assert titles(onboarding, READ) == ["Votre espace de travail", "Deals", "Notre façon de vendre"]
    assert not onboarding.items.filter(article__title="Your workspace").exists()
    assert onboarding.started_by == ada and onboarding.finished_at is None


def test_an_employee_without_a_language_reads_in_the_companys(ada, bob, settings):
    settings.LANGUAGE_CODE = "en"
    onboarding = services.start_onboarding(actor=ada, employee=bob)
    assert titles(onboarding, READ) == ["Your workspace", "Deals"]


def test_first_tasks_are_real_tasks_in_the_employees_planner_due_at_ten_where_they_are(ada, bob):
    bob.time_zone = "Asia/Tokyo"
    bob.save()
    onboarding = services.start_onboarding(actor=ada, employee=bob)
    assert titles(onboarding, TASK) == ["Set up your profile", "Log a call"]
    tasks = list(Task.objects.filter(assignee=bob).order_by("due_at"))
    assert [task.title for task in tasks] == ["Set up your profile", "Log a call"]
    zone = ZoneInfo("Asia/Tokyo")
    today = timezone.localtime(onboarding.started_at, zone).date()
    due = [timezone.localtime(task.due_at, zone) for task in tasks]
    assert [(moment.date(), moment.time()) for moment in due] == [
        (today + timedelta(days=1), time(10, 0)),
        (today + timedelta(days=3), time(10, 0)),
    ]
    assert tasks[1].description == "After a real call."
    entry = AuditEntry.objects.get(model="knowledge.onboarding", object_id=str(onboarding.pk))
    assert entry.actor == ada and entry.changes["tasks"] == [None, 2]


def test_completing_a_first_task_ticks_it(ada, bob, run_events):
    onboarding = services.start_onboarding(actor=ada, employee=bob)
    task = Task.objects.get(assignee=bob, title="Log a call")
    with run_events():
        planner.complete_task(actor=bob, task=task, result="Called Acme")
    item = onboarding.items.get(task=task)
    assert item.done_at is not None
    assert onboarding.items.filter(done_at__isnull=True).count() == 3


def test_reading_an_article_ticks_it_and_only_for_its_reader(ada, bob, alice):
    services.start_onboarding(actor=ada, employee=bob)
    services.start_onboarding(actor=ada, employee=alice)
    deals = Article.objects.get(title="Deals")
    services.note_article_read(employee=bob, article=deals)
    assert OnboardingItem.objects.get(onboarding__employee=bob, article=deals).done_at is not None
    assert OnboardingItem.objects.get(onboarding__employee=alice, article=deals).done_at is None


def test_the_onboarding_finishes_when_everything_is_read_and_done(ada, bob, run_events):
    onboarding = services.start_onboarding(actor=ada, employee=bob)
    for article in Article.objects.filter(language="en", for_newcomers=True):
        services.note_article_read(employee=bob, article=article)
    with run_events():
        for task in Task.objects.filter(assignee=bob):
            planner.complete_task(actor=bob, task=task)
    onboarding.refresh_from_db()
    assert onboarding.finished_at is not None
    assert queries.progress_figures(bob) == []


def test_the_newcomer_sees_how_far_they_got_on_their_home(ada, bob):
    services.start_onboarding(actor=ada, employee=bob)
    services.note_article_read(employee=bob, article=Article.objects.get(title="Deals"))
    [figure] = queries.progress_figures(bob)
    assert (figure.label, figure.done, figure.planned) == ("Onboarding", 1, 4)
    assert figure.detail == "1 of 2 articles read, 0 of 2 tasks done"
    assert queries.progress_figures(EmployeeFactory(username="zoe")) == []


def test_an_employee_gets_one_onboarding_only(ada, bob):
    services.start_onboarding(actor=ada, employee=bob)
    before = database_state()
    with pytest.raises(Conflict):
        services.start_onboarding(actor=ada, employee=bob)
    assert database_state() == before


def test_an_inactive_employee_gets_no_onboarding(ada):
    gone = EmployeeFactory(username="gone", is_active=False)
    with pytest.raises(Invalid):
        services.start_onboarding(actor=ada, employee=gone)
    assert not Onboarding.objects.exists()


def test_there_is_no_empty_onboarding(ada, bob):
    Article.objects.all().delete()
    FirstTask.objects.all().delete()
    with pytest.raises(Invalid):
        services.start_onboarding(actor=ada, employee=bob)
    assert not Onboarding.objects.exists()


def test_creating_an_employee_starts_their_onboarding(ada, run_events):
    with run_events():
        newbie = accounts.create_employee(
            actor=ada, password="A-long-passphrase-42", username="newbie", first_name="New", language="fr"
        )
    onboarding = Onboarding.objects.get(employee=newbie)
    assert onboarding.started_by == ada
    assert titles(onboarding, READ)[0] == "Votre espace de travail"
    assert Task.objects.filter(assignee=newbie).count() == 2


def test_with_the_switch_off_new_employees_get_no_onboarding(ada, run_events):
    services.set_onboard_new_employees(actor=ada, enabled=False)
    assert Rollout.objects.get().onboard_new_employees is False
    with run_events():
        newbie = accounts.create_employee(actor=ada, password="A-long-passphrase-42", username="newbie")
    assert not Onboarding.objects.filter(employee=newbie).exists()


def test_only_administrators_turn_the_switch(mia, alice):
    for someone in (mia, alice):
        with pytest.raises(NotAllowed):
            services.set_onboard_new_employees(actor=someone, enabled=False)
    assert services.onboards_new_employees() is True


def test_a_manager_onboards_her_department_only(mia, bob, charlie):
    onboarding = services.start_onboarding(actor=mia, employee=bob)
    assert onboarding.started_by == mia
    before = database_state()
    with pytest.raises(NotAllowed):
        services.start_onboarding(actor=mia, employee=charlie)
    assert database_state() == before


@pytest.mark.parametrize("persona", ["alice", "charlie", "rita"])
def test_others_cannot_start_an_onboarding_not_even_their_own(people, persona):
    before = database_state()
    for employee in (people[persona], people["bob"]):
        with pytest.raises(NotAllowed):
            services.start_onboarding(actor=people[persona], employee=employee)
    assert database_state() == before


def test_who_sees_which_onboardings(people):
    for name in ("alice", "bob", "charlie"):
        services.start_onboarding(actor=people["ada"], employee=people[name])

    def seen(persona):
        page = queries.onboarding_page(people[persona])
        return sorted(onboarding.employee.username for onboarding in page.items)

    assert seen("ada") == ["alice", "bob", "charlie"]
    assert seen("mia") == ["alice", "bob"]
    assert seen("alice") == ["alice"]
    assert seen("charlie") == ["charlie"]
    assert seen("rita") == []


def test_the_list_counts_progress_and_filters_by_state(ada, alice, bob):
    services.start_onboarding(actor=ada, employee=bob)
    finished = services.start_onboarding(actor=ada, employee=alice)
    Onboarding.objects.filter(pk=finished.pk).update(finished_at=timezone.now())
    services.note_article_read(employee=bob, article=Article.objects.get(title="Deals"))
    [in_progress] = queries.onboarding_page(ada, "in_progress").items
    progress = queries.progress_of(in_progress)
    assert (progress.reads_done, progress.reads, progress.tasks_done, progress.tasks) == (1, 2, 0, 2)
    assert [o.employee for o in queries.onboarding_page(ada, "finished").items] == [alice]
    with pytest.raises(Invalid):
        queries.onboarding_page(ada, "sometime")


def test_cancelling_removes_the_checklist_and_cancels_the_open_first_tasks(ada, bob, run_events):
    onboarding = services.start_onboarding(actor=ada, employee=bob)
    done = Task.objects.get(assignee=bob, title="Log a call")
    with run_events():
        planner.complete_task(actor=bob, task=done)
    services.cancel_onboarding(actor=ada, onboarding=onboarding)
    assert not Onboarding.objects.exists() and not OnboardingItem.objects.exists()
    statuses = dict(Task.objects.filter(assignee=bob).values_list("title", "status"))
    assert statuses == {"Set up your profile": "cancelled", "Log a call": "done"}
    assert services.start_onboarding(actor=ada, employee=bob)  # a new one may start


def test_a_manager_cannot_cancel_and_a_finished_onboarding_stays(ada, mia, bob):
    onboarding = services.start_onboarding(actor=mia, employee=bob)
    before = database_state()
    with pytest.raises(NotAllowed):
        services.cancel_onboarding(actor=mia, onboarding=onboarding)
    assert database_state() == before
    Onboarding.objects.filter(pk=onboarding.pk).update(finished_at=timezone.now())
    before = database_state()
    with pytest.raises(Conflict):
        services.cancel_onboarding(actor=ada, onboarding=onboarding)
    assert database_state() == before


def test_administrators_manage_the_first_tasks(ada):
    first = services.create_first_task(actor=ada, title="  Plan a  task ", description="For tomorrow", days=2)
    assert (first.title, first.days) == ("Plan a task", 2)
    assert list(FirstTask.objects.values_list("title", flat=True)) == ["Set up your profile", "Log a call", first.title]
    services.update_first_task(actor=ada, first_task=first, days=0)
    services.move_first_task(actor=ada, first_task=first, step=-1)
    assert list(FirstTask.objects.values_list("title", "days"))[1] == ("Plan a task", 0)
    services.delete_first_task(actor=ada, first_task=first)
    assert FirstTask.objects.count() == 2
    assert AuditEntry.objects.filter(model="knowledge.firsttask").count() == 3


def test_managers_see_the_first_tasks_but_do_not_change_them(mia, alice):
    assert len(queries.first_tasks(mia)) == 2
    with pytest.raises(NotAllowed):
        queries.first_tasks(alice)
    before = database_state()
    with pytest.raises(NotAllowed):
        services.create_first_task(actor=mia, title="Smile")
    with pytest.raises(NotAllowed):
        services.delete_first_task(actor=mia, first_task=FirstTask.objects.first())
    assert database_state() == before


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "Ok", "days": -1}, "days"),
        ({"title": "Ok", "days": "three"}, "days"),
        ({"title": "Ok", "description": "x" * 2001}, "description"),
    ],
)
def test_a_wrong_first_task_is_refused_and_changes_nothing(ada, values, field):
    before = database_state()
    with pytest.raises(Invalid) as refused:
        services.create_first_task(actor=ada, **values)
    assert field in refused.value.errors
    assert database_state() == before


def test_reordering_names_every_first_task_once(ada):
    ids = list(FirstTask.objects.values_list("pk", flat=True))
    services.reorder_first_tasks(actor=ada, first_task_ids=list(reversed(ids)))
    assert list(FirstTask.objects.values_list("pk", flat=True)) == list(reversed(ids))
    for wrong in ([ids[0]], [*ids, ids[0]], ["x", ids[1]]):
        with pytest.raises(Invalid):
            services.reorder_first_tasks(actor=ada, first_task_ids=wrong)


def test_the_default_first_tasks_are_seeded_once_in_the_companys_language(settings):
    settings.LANGUAGE_CODE = "en"
    assert services.seed_first_tasks() == 0  # the list is not empty: left alone
    FirstTask.objects.all().delete()
    assert services.seed_first_tasks() == 4
    assert services.seed_first_tasks() == 0
    assert list(FirstTask.objects.values_list("title", flat=True)) == [
        "Set up your profile: language, time zone, phone extension",
        "Open a client card and read its timeline",
        "Log a call",
        "Plan a task for tomorrow",
    ]


# Screens


def test_the_onboarding_page_lists_onboardings_in_bounded_queries(client, people, django_assert_max_num_queries):
    for name in ("alice", "bob", "charlie"):
        services.start_onboarding(actor=people["ada"], employee=people[name])
    client.force_login(people["ada"])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("knowledge:onboarding_list")).content.decode()
    assert "Alice Seller" in page and "Charlie Seller" in page and "0 of 2" in page
    more = [EmployeeFactory(username=f"extra{n}", department=people["bob"].department) for n in range(6)]
    for employee in more:
        services.start_onboarding(actor=people["ada"], employee=employee)
    with django_assert_max_num_queries(12):
        client.get(reverse("knowledge:onboarding_list"))
    fragment = client.get(reverse("knowledge:onboarding_list") + "?state=finished", headers={"HX-Request": "true"})
    assert "No onboarding matches." in fragment.content.decode()


def test_a_manager_starts_an_onboarding_from_the_page(client, mia, bob, charlie):
    client.force_login(mia)
    page = client.get(reverse("knowledge:onboarding_list")).content.decode()
    assert "Start onboarding" in page and "Bob Seller" in page and "Charlie Seller" not in page
    assert "Add a first task" not in page  # the first tasks are the administrators'
    response = client.post(reverse("knowledge:onboarding_start"), {"employee": bob.pk})
    onboarding = Onboarding.objects.get(employee=bob)
    assert response.status_code == 302 and response["Location"] == f"/knowledge/onboarding/{onboarding.pk}/"
    again = client.post(reverse("knowledge:onboarding_start"), {"employee": bob.pk}, follow=True)
    assert "already has an onboarding" in again.content.decode()
    assert client.post(reverse("knowledge:onboarding_start"), {"employee": charlie.pk}).status_code == 403
    bad = client.post(reverse("knowledge:onboarding_start"), {"employee": "nobody"}, follow=True)
    assert bad.status_code == 200 and Onboarding.objects.count() == 1


def test_the_newcomer_sees_their_checklist_with_links(client, ada, bob):
    onboarding = services.start_onboarding(actor=ada, employee=bob)
    client.force_login(bob)
    page = client.get(reverse("knowledge:onboarding_mine")).content.decode()
    deals = Article.objects.get(title="Deals")
    task = Task.objects.get(assignee=bob, title="Log a call")
    assert f'href="{reverse("knowledge:article_detail", args=[deals.pk])}"' in page
    assert f'href="{reverse("planner:task_detail", args=[task.pk])}"' in page
    assert "0 of 4 done" in page
    assert client.get(reverse("knowledge:onboarding_detail", args=[onboarding.pk])).status_code == 200
    client.force_login(EmployeeFactory(username="zoe", role=role("sales")))
    assert "You have no onboarding" in client.get(reverse("knowledge:onboarding_mine")).content.decode()
    assert client.get(reverse("knowledge:onboarding_detail", args=[onboarding.pk])).status_code == 404


def test_the_administrator_edits_first_tasks_and_the_switch_on_the_page(client, ada):
    client.force_login(ada)
    response = client.post(reverse("knowledge:onboarding_first_task_create"), {"title": "", "days": "2"})
    assert response.status_code == 422 and FirstTask.objects.count() == 2
    client.post(reverse("knowledge:onboarding_first_task_create"), {"title": "Plan a task", "days": "2"})
    assert FirstTask.objects.filter(title="Plan a task", days=2).exists()
    client.post(reverse("knowledge:onboarding_switch"), {})
    assert services.onboards_new_employees() is False
    client.post(reverse("knowledge:onboarding_switch"), {"enabled": "on"})
    assert services.onboards_new_employees() is True


# API


def test_the_api_starts_reads_lists_and_cancels_an_onboarding(client, ada, bob):
    client.force_login(ada)
    created = client.post("/api/v1/onboardings", json.dumps({"employee_id": bob.pk}), content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert (body["employee_id"], body["reads"], body["tasks"], body["reads_done"]) == (bob.pk, 2, 2, 0)
    assert [item["kind"] for item in body["items"]] == ["read", "read", "task", "task"]
    assert client.get(f"/api/v1/onboardings/{body['id']}").json()["employee_name"] == "Bob Seller"
    assert client.get("/api/v1/onboardings?state=in_progress").json()["count"] == 1
    again = client.post("/api/v1/onboardings", json.dumps({"employee_id": bob.pk}), content_type="application/json")
    assert again.status_code == 409 and again["Content-Type"] == "application/problem+json"
    assert client.delete(f"/api/v1/onboardings/{body['id']}").status_code == 204
    assert not Onboarding.objects.exists()
    nobody = client.post("/api/v1/onboardings", json.dumps({"employee_id": 99999}), content_type="application/json")
    assert nobody.status_code == 400 and "employee_id" in nobody.json()["errors"]


def test_the_api_manages_the_first_tasks(client, ada, mia):
    client.force_login(ada)
    made = client.post("/api/v1/onboarding/first-tasks", {"title": "Plan a task", "days": 2}, "application/json")
    assert made.status_code == 201
    first_task = made.json()["id"]
    changed = client.put(
        f"/api/v1/onboarding/first-tasks/{first_task}", {"title": "Plan two", "days": 4}, "application/json"
    )
    assert changed.json()["title"] == "Plan two"
    ids = [item["id"] for item in client.get("/api/v1/onboarding/first-tasks").json()]
    order = client.put("/api/v1/onboarding/first-tasks/order", {"first_tasks": ids[::-1]}, "application/json")
    assert [item["id"] for item in order.json()] == ids[::-1]
    bad = client.post("/api/v1/onboarding/first-tasks", {"title": "", "days": 2}, "application/json")
    assert bad.status_code == 400 and "title" in bad.json()["errors"]
    assert client.delete(f"/api/v1/onboarding/first-tasks/{first_task}").status_code == 204
    client.force_login(mia)
    assert client.get("/api/v1/onboarding/first-tasks").status_code == 200
    assert client.post("/api/v1/onboarding/first-tasks", {"title": "x"}, "application/json").status_code == 403
