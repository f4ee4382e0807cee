"""The retention rule: the newest archive of each of the last N days, M weeks and K months; the newest and
the archives made before a restore always stay."""

import random
from datetime import datetime, timedelta

from carte.backups.retention import Retention, archives_to_keep, archives_to_remove

START = datetime(2026, 3, 2, 2, 30)  # a Monday


def daily(days: int, start: datetime = START) -> list[tuple[str, datetime]]:
    """One archive a day at 02:30 for `days` days, named by its date."""
    return [
        (f"carte-backup-{(start + timedelta(days=n)):%Y%m%d-%H%M%S}.tar", start + timedelta(days=n))
        for n in range(days)
    ]


def names(pairs) -> set[str]:
    return {name for name, _moment in pairs}


def test_nothing_to_keep_in_an_empty_folder():
    assert archives_to_keep([], Retention(7, 4, 12)) == set()
    assert archives_to_remove([], Retention(7, 4, 12)) == []


def test_the_last_seven_days_are_kept_and_older_ones_go_without_weeks_or_months():
    archives = daily(10)
    kept = archives_to_keep(archives, Retention(7, 0, 0))
    assert kept == names(archives[-7:])
    assert archives_to_remove(archives, Retention(7, 0, 0)) == [name for name, _ in archives[:3]]


def test_only_the_newest_archive_of_a_day_counts_for_that_day():
    morning, noon, evening = (START.replace(hour=hour) for hour in (2, 12, 20))
    archives = [("a-morning.tar", morning), ("a-noon.tar", noon), ("a-evening.tar", evening)]
    archives += [("b-yesterday.tar", START - timedelta(days=1))]
    assert archives_to_keep(archives, Retention(2, 0, 0)) == {"a-evening.tar", "b-yesterday.tar"}


def test_weeks_keep_the_newest_archive_of_each_iso_week():
    archives = daily(28)  # four whole ISO weeks, Monday to Sunday
    kept = archives_to_keep(archives, Retention(0, 4, 0))
    sundays = {name for name, moment in archives if moment.isoweekday() == 7}
    assert kept == sundays and len(kept) == 4


def test_months_keep_the_newest_archive_of_each_month():
    archives = daily(120, datetime(2026, 1, 1, 2, 30))  # January to April
    kept = archives_to_keep(archives, Retention(0, 0, 3))
    assert kept == {
        "carte-backup-20260430-023000.tar",
        "carte-backup-20260331-023000.tar",
        "carte-backup-20260228-023000.tar",
    }


def test_rules_add_up_and_an_archive_kept_by_several_is_kept_once():
    archives = daily(90, datetime(2026, 1, 1, 2, 30))  # to Tuesday 31 March
    kept = archives_to_keep(archives, Retention(7, 4, 12))
    # 25 to 31 March; the Sundays 29 (among the days), 22 and 15 March for the weeks;
    # 31 March (among the days), 28 February and 31 January for the months.
    days = {f"carte-backup-202603{day}-023000.tar" for day in range(25, 32)}
    weeks = {"carte-backup-20260322-023000.tar", "carte-backup-20260315-023000.tar"}
    months = {"carte-backup-20260228-023000.tar", "carte-backup-20260131-023000.tar"}
    assert kept == days | weeks | months
    assert len(archives_to_remove(archives, Retention(7, 4, 12))) == 90 - 11


def test_the_newest_archive_stays_even_when_nothing_is_to_be_kept():
    archives = daily(3)
    assert archives_to_keep(archives, Retention(0, 0, 0)) == {archives[-1][0]}


def test_archives_made_before_a_restore_always_stay_and_take_no_daily_place():
    archives = daily(5)
    before = ("carte-before-restore-20260101-120000.tar", datetime(2026, 1, 1, 12))
    newest_before = ("carte-before-restore-20260306-120000.tar", START + timedelta(days=4, hours=10))
    kept = archives_to_keep([*archives, before, newest_before], Retention(2, 0, 0))
    assert kept == {before[0], newest_before[0], archives[-1][0], archives[-2][0]}


def test_times_are_taken_as_given_so_a_late_evening_local_backup_belongs_to_its_local_day():
    late = ("late.tar", datetime(2026, 3, 2, 23, 50))
    early = ("early.tar", datetime(2026, 3, 3, 0, 10))
    assert archives_to_keep([late, early], Retention(2, 0, 0)) == {"late.tar", "early.tar"}
    assert archives_to_keep([late, early], Retention(1, 0, 0)) == {"early.tar"}


def test_the_order_of_the_input_does_not_matter():
    archives = daily(40)
    assert archives_to_keep(list(reversed(archives)), Retention(3, 2, 1)) == archives_to_keep(
        archives, Retention(3, 2, 1)
    )


def test_kept_and_removed_split_the_archives_and_never_lose_the_newest():
    """Many random folders (a fixed seed: the same cases each run)."""
    chance = random.Random(7)
    for _case in range(500):
        offsets = chance.sample(range(60 * 24 * 400), chance.randint(1, 60))
        archives = [(f"a{minutes:08d}.tar", START + timedelta(minutes=minutes)) for minutes in offsets]
        retention = Retention(chance.randint(0, 10), chance.randint(0, 6), chance.randint(0, 14))
        kept, removed = archives_to_keep(archives, retention), archives_to_remove(archives, retention)
        assert kept | set(removed) == names(archives) and not kept & set(removed)
        assert max(archives, key=lambda pair: pair[1])[0] in kept
        assert len(kept) <= 1 + retention.daily + retention.weekly + retention.monthly
        days = {moment.date() for _name, moment in archives}
        assert len(kept) >= min(retention.daily, len(days))
        assert removed == sorted(removed, key=dict(archives).get)
