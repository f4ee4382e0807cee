"""A dry run's memory of the keys it would create: every key added is found, through every merge."""

from carte.transfer.targets.base import SeenKeys


def test_keys_are_found_before_and_after_they_are_merged(monkeypatch):
    monkeypatch.setattr(SeenKeys, "RECENT", 10)
    seen = SeenKeys()
    added = [("email", f"person{number}@example.com") for number in range(1000)]
    for count, key in enumerate(added, start=1):
        seen.add(key)
        assert key in seen
        if count in (5, 500):
            assert all(earlier in seen for earlier in added[:count])
    assert sum(len(level) for level in seen.levels) >= 990  # all but the newest went to the arrays
    assert len(seen.levels) == bin(100).count("1")  # 100 flushes of 10 keys: an array per 1 bit of 100
    assert all(key in seen for key in added)
    assert ("email", "nobody@example.com") not in seen
    assert ("phone", "person1@example.com") not in seen


def test_the_same_key_twice_is_found_once_merged():
    seen = SeenKeys()
    seen.update([("company", "acme"), ("company", "acme")])
    assert ("company", "acme") in seen and ("company", "other") not in seen
