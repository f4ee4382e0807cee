"""The snapshot the rights matrix compares: any written value, in any table, shows."""

from carte.clients.models import ReferenceValue
from carte.core.testing import database_state


def test_a_changed_value_an_added_link_and_a_deleted_row_each_change_the_state(alices_client):
    first = database_state()
    assert first == database_state()

    ReferenceValue.objects.filter(list="status", key="lead").update(label="Lead!")
    second = database_state()
    assert second["clients.ReferenceValue"] != first["clients.ReferenceValue"]

    alices_client.tags.add(ReferenceValue.objects.create(list="tag", key="gold", label="Gold"))
    third = database_state()
    changed = {label for label in third if third[label] != second[label]}
    assert changed == {"clients.ReferenceValue", "clients.Client_tags"}

    alices_client.delete()
    assert database_state()["clients.Client"] != third["clients.Client"]
