from carte.accounts.models import Right
from carte.core import policy


def test_administrator_holds_every_right_by_default():
    for module, by_role in policy.default_rights().items():
        assert by_role["administrator"] == dict.fromkeys(policy.Action.values, policy.Scope.ALL), module


def test_a_fresh_installation_gives_the_administrator_every_right(db):
    granted = Right.objects.filter(role__key="administrator", scope=policy.Scope.ALL)
    assert granted.count() == len(policy.modules()) * len(policy.Action.values)
