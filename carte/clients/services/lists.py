"""The client list's own settings for each employee: the columns they chose."""

from django.db import transaction

from carte.clients.models import Client, ListLayout
from carte.clients.queries.lists import read_columns
from carte.core import policy


@transaction.atomic
def save_columns(*, actor, columns) -> list[str]:
    """Keep the columns this employee wants in the client list (and in its exports); returns their keys.

    Unknown keys raise Invalid; the name is always kept. A display preference of one
    person, not a record of the company: it is not audited.
    """
    policy.require(actor, policy.Action.VIEW, Client)
    keys = [column.key for column in read_columns(columns)]
    ListLayout.objects.update_or_create(employee=actor, defaults={"columns": keys})
    return keys
