from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carte.clients import queries
from carte.clients.models import TimelineEntry
from carte.core.errors import Invalid, NotAllowed


def fill(client, count, *, kind="email", same_time=False):
    """`count` entries, one a minute back from now (or all at the same instant).

    Of a kind about no record: a call's entry without its call is hidden from those who see not every call.
    """
    now = timezone.now()
    TimelineEntry.objects.bulk_create(
        TimelineEntry(
            client=client, kind=kind, summary=f"{kind} {n}", at=now if same_time else now - timedelta(minutes=n)
        )
        for n in range(count)
    )


def walk(actor, client, **criteria):
    """Every page of the timeline, following the cursors."""
    pages, cursor = [], None
    while True:
        page = queries.timeline_for(actor, client, before=cursor, **criteria)
        pages.append(page.entries)
        cursor = page.next_cursor
        if cursor is None:
            return pages


def test_pages_follow_one_another_newest_first_without_gaps(alice, acme):
    fill(acme, 74)  # plus the "created" entry
    pages = walk(alice, acme, limit=30)
    assert [len(page) for page in pages] == [30, 30, 15]
    entries = [entry for page in pages for entry in page]
    assert len({entry.pk for entry in entries}) == 75
    assert [(e.at, e.pk) for e in entries] == sorted(((e.at, e.pk) for e in entries), reverse=True)


def test_entries_at_the_same_instant_are_paged_by_id(alice, acme):
    fill(acme, 10, same_time=True)
    pages = walk(alice, acme, limit=4)
    assert sum(len(page) for page in pages) == 11
    assert len({entry.pk for page in pages for entry in page}) == 11


def test_a_page_deep_in_a_long_history_costs_one_query_without_offset(alice, acme, django_assert_num_queries):
    fill(acme, 300)
    cursor = queries.timeline_for(alice, acme, limit=200).next_cursor
    with CaptureQueriesContext(connection) as captured:
        page = queries.timeline_for(alice, acme, before=cursor, limit=30)
    assert len(captured.captured_queries) == 1
    assert "OFFSET" not in captured.captured_queries[0]["sql"].upper()
    assert len(page.entries) == 30


def test_timeline_filters_by_kind(alice, acme):
    fill(acme, 3, kind="note")
    fill(acme, 5, kind="call")
    assert {entry.kind for entry in queries.timeline_for(alice, acme, kind="note").entries} == {"note"}
    assert len(queries.timeline_for(alice, acme, kind="note").entries) == 3


def test_a_bad_cursor_is_refused(alice, acme):
    with pytest.raises(Invalid):
        queries.timeline_for(alice, acme, before="yesterday")


def test_outsider_cannot_read_the_timeline(charlie, acme):
    with pytest.raises(NotAllowed):
        queries.timeline_for(charlie, acme)
