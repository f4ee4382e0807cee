"""Tasks and the calendar: every path returns exactly the tasks the policy allows.

Expected sets are written by hand from the personas' rights: sellers see the tasks they are
assigned or co-assigned (Charlie's "shared" task names Bob as co-assignee); Mia her
department's assignees' tasks (not Charlie's shared one); Ada and Rita every task.
"""

import pytest

from tests.security.visibility_data import by_persona, linked_ids, listed, page_ids, seeded_fixture

pytestmark = pytest.mark.django_db

shared_seed, seeded, signed_in = seeded_fixture()

EVERY_TASK = {"alice", "bob", "mia", "charlie", "shared"}
SEES = {
    "ada": EVERY_TASK,
    "mia": {"alice", "bob", "mia"},
    "alice": {"alice"},
    "bob": {"bob", "shared"},
    "charlie": {"charlie", "shared"},
    "rita": EVERY_TASK,
}
# Whose tasks each persona may choose to look at (their "tasks / view" scope over people).
MAY_LOOK_AT = {
    "ada": {"ada", "mia", "alice", "bob", "charlie", "rita"},
    "mia": {"mia", "alice", "bob"},
    "alice": {"alice"},
    "bob": {"bob"},
    "charlie": {"charlie"},
    "rita": {"ada", "mia", "alice", "bob", "charlie", "rita"},
}
# Each employee's own calendar: what they are assigned or co-assigned.
CALENDAR_OF = {"ada": set(), "rita": set(), "alice": {"alice"}, "bob": {"bob", "shared"}, "mia": {"mia"}}
CALENDAR_OF["charlie"] = {"charlie", "shared"}
# Whose assignee each task is (the list's one-person filter; co-assignees aside).
ASSIGNED_TO = {"alice": {"alice"}, "bob": {"bob"}, "mia": {"mia"}, "charlie": {"charlie", "shared"}}
OWN_SCOPE = {"alice", "bob", "charlie"}
CLIENTS = {"ada": EVERY_TASK, "mia": EVERY_TASK, "rita": EVERY_TASK, "charlie": {"charlie"}}
CLIENTS |= dict.fromkeys(("alice", "bob"), {"alice", "bob", "mia"})
MARCH = {"start": "2030-03-01", "end": "2030-03-31"}


@by_persona
def test_task_list_api_and_search_show_exactly_the_allowed_tasks(signed_in, seeded, persona):
    expected = seeded.of("task", *SEES[persona])
    whose = "me" if persona in OWN_SCOPE else "all"
    assert page_ids(signed_in, "/planner/tasks/", "planner/tasks", assignee=whose, status="open") == expected
    assert listed(signed_in, "/api/v1/tasks") == (expected, len(expected))
    hits = signed_in.get("/api/v1/search", {"q": "Quokka task"}).json()
    assert linked_ids("".join(f'href="{hit["url"]}"' for hit in hits), "planner/tasks") == expected
    assert page_ids(signed_in, "/search/", "planner/tasks", q="Quokka task") == expected


@by_persona
def test_the_mine_filter_shows_the_tasks_assigned_or_shared_with_the_persona(signed_in, seeded, persona):
    expected = seeded.of("task", *CALENDAR_OF[persona])
    assert page_ids(signed_in, "/planner/tasks/", "planner/tasks", assignee="me", status="open") == expected


@by_persona
def test_another_persons_tasks_show_only_when_the_persona_may_look_at_them(signed_in, seeded, persona):
    # One's own tasks are the "mine" filter: the one-person choices offer only others.
    for name, assigned in ASSIGNED_TO.items():
        if name == persona:
            continue
        shown = page_ids(signed_in, "/planner/tasks/", "planner/tasks", assignee=seeded.people[name].pk, status="open")
        expected = seeded.of("task", *assigned) if name in MAY_LOOK_AT[persona] else set()
        assert shown == expected, name


@by_persona
def test_the_calendar_shows_only_allowed_tasks_of_the_people_asked_for(signed_in, seeded, persona):
    own = signed_in.get("/api/v1/calendar", MARCH).json()
    assert {item["task_id"] for item in own} == seeded.of("task", *CALENDAR_OF[persona])
    for name in ("alice", "bob", "mia", "charlie"):
        response = signed_in.get("/api/v1/calendar", MARCH | {"employee": seeded.people[name].pk})
        if name not in MAY_LOOK_AT[persona]:
            assert response.status_code == 403, name
            continue
        shown = {item["task_id"] for item in response.json()}
        assert shown == seeded.of("task", *(CALENDAR_OF[name] & SEES[persona])), name
    page = signed_in.get("/planner/calendar/", {"view": "month", "date": "2030-03-12"}).content.decode()
    assert linked_ids(page, "planner/tasks") == seeded.of("task", *CALENDAR_OF[persona])


def test_a_department_calendar_shows_its_peoples_tasks_and_no_shared_outsider(client, seeded):
    client.force_login(seeded.people["mia"])
    north = seeded.people["mia"].department_id
    shown = {item["task_id"] for item in client.get("/api/v1/calendar", MARCH | {"department": north}).json()}
    assert shown == seeded.of("task", "alice", "bob", "mia")
    client.force_login(seeded.people["alice"])
    assert client.get("/api/v1/calendar", MARCH | {"department": north}).status_code == 403


@by_persona
def test_client_cards_list_only_allowed_tasks(signed_in, seeded, persona):
    owners = CLIENTS[persona] - {"shared"}
    tabs = set()
    for owner in owners:
        tabs |= page_ids(signed_in, f"/clients/{seeded.ids['client'][owner]}/tabs/tasks/", "planner/tasks")
    assert tabs == seeded.of("task", *(SEES[persona] & owners))


@by_persona
def test_the_phone_calendar_feed_holds_only_the_personas_own_tasks(signed_in, seeded, persona):
    response = signed_in.post("/api/v1/calendar/feed")
    if response.status_code != 201:
        assert not CALENDAR_OF[persona] or response.status_code == 403
        return
    path = response.json()["url"].split("testserver", 1)[1]
    feed = signed_in.get(path).content.decode()
    titles = {line.split(":", 1)[1].strip() for line in feed.splitlines() if line.startswith("SUMMARY")}
    assert titles == {f"Quokka task {name}" for name in CALENDAR_OF[persona]}
