"""Which archives to keep: the last N days, M weeks and K months, each by its newest archive.

A pure function over (name, time) pairs, so that the rule is tested on its own and applied
the same way to the backup folder and to the second folder. Times are local times (the
company's TIME_ZONE): "one a day" means a day as the people who use Carte count it.

- daily: the newest archive of each of the last N days that have one;
- weekly: the newest archive of each of the last M ISO weeks that have one;
- monthly: the newest archive of each of the last K months that have one;
- always: the newest archive of all (even with N = M = K = 0), and every archive made just
  before a restore (the state a restore replaced is kept until an administrator removes it).

An archive kept by several rules is kept once. Archives made before a restore are not
counted in the daily, weekly or monthly slots: they would otherwise push a regular one out.
"""

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime

BEFORE_RESTORE_PREFIX = "carte-before-restore-"


@dataclass(frozen=True)
class Retention:
    """How many days, weeks and months to keep (CARTE_BACKUP_KEEP "7,4,12")."""

    daily: int
    weekly: int
    monthly: int


def made_before_restore(name: str) -> bool:
    return name.startswith(BEFORE_RESTORE_PREFIX)


def _day(moment: datetime) -> Hashable:
    return moment.date()


def _week(moment: datetime) -> Hashable:
    year, week, _weekday = moment.isocalendar()
    return (year, week)


def _month(moment: datetime) -> Hashable:
    return (moment.year, moment.month)


def _newest_of_periods(archives: list[tuple[str, datetime]], period: Callable[[datetime], Hashable], count: int):
    """The names of the newest archive of each of the `count` latest periods (archives sorted newest first)."""
    kept: dict[Hashable, str] = {}
    for name, moment in archives:
        if len(kept) >= count:
            break
        kept.setdefault(period(moment), name)
    return set(kept.values())


def archives_to_keep(archives: Iterable[tuple[str, datetime]], retention: Retention) -> set[str]:
    """The names of the archives the rule keeps, among (name, local time) pairs."""
    ordered = sorted(archives, key=lambda pair: (pair[1], pair[0]), reverse=True)
    if not ordered:
        return set()
    keep = {ordered[0][0]} | {name for name, _moment in ordered if made_before_restore(name)}
    regular = [(name, moment) for name, moment in ordered if not made_before_restore(name)]
    for period, count in ((_day, retention.daily), (_week, retention.weekly), (_month, retention.monthly)):
        keep |= _newest_of_periods(regular, period, max(0, count))
    return keep


def archives_to_remove(archives: Iterable[tuple[str, datetime]], retention: Retention) -> list[str]:
    """The names the rule lets go, oldest first."""
    pairs = sorted(archives, key=lambda pair: (pair[1], pair[0]))
    keep = archives_to_keep(pairs, retention)
    return [name for name, _moment in pairs if name not in keep]
