"""A length of time as people say it (calls, backups)."""

import pytest

from carte.core.durations import duration_text


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(None, "0 s"), (-3, "0 s"), (45, "45 s"), (44.6, "45 s"), (192, "3 min 12 s"), (3900, "1 h 5 min")],
)
def test_a_duration_is_said_in_hours_minutes_or_seconds(seconds, said):
    assert duration_text(seconds) == said
