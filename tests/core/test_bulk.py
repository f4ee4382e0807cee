"""Inserts without model instances (carte.core.bulk): values as the ORM writes them, ids reserved safely."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from carte.clients.models import TimelineEntry
from carte.core import bulk
from carte.core.testing import ClientFactory

pytestmark = pytest.mark.django_db


def test_times_are_written_as_the_orm_writes_them():
    field = TimelineEntry._meta.get_field("at")
    moment = datetime(2026, 11, 27, 9, 30, tzinfo=UTC) - timedelta(days=3, microseconds=17)
    assert bulk._converter(field)(moment) == field.get_db_prep_save(moment, connection)


def test_reserved_ids_are_fresh_and_the_next_record_comes_after_them(alice):
    client = ClientFactory(owner=alice)
    with transaction.atomic():
        ids = bulk.reserve_ids(TimelineEntry, 3)
        assert len(set(ids)) == 3
        now = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
        rows = [(pk, client.pk, "note", f"entry {pk}", "", now) for pk in ids]
        assert bulk.insert(TimelineEntry, ("id", "client", "kind", "summary", "link", "at"), rows) == 3
    assert set(TimelineEntry.objects.filter(pk__in=ids).values_list("summary", flat=True)) == {
        f"entry {pk}" for pk in ids
    }
    later = TimelineEntry.objects.create(client=client, kind="note", summary="after")
    assert later.pk > max(ids)
