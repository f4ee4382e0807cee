"""The targets whose rows go one at a time through their domain's services: deals, products, tasks.

Each row runs in its own savepoint (`finding.each_row`), so a refused row fails alone. What the
batch's rows may match is read once (`_known`); the old ids of the records a batch saved are
collected while it runs and recorded after it (`finding.remember_keys`).
"""

from typing import ClassVar

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from carte.core import policy
from carte.core.errors import NotAllowed
from carte.transfer.targets.base import Context, Field, Outcome, Row, Target
from carte.transfer.targets.finding import each_row, keyed_ids, match_keys, remember_keys

OLD_ID = gettext_lazy("Id in the old system")


def old_id_field(*names: str) -> Field:
    """The column of a record's id in the old system, known by these headers beside the common ones."""
    return Field("external_id", OLD_ID, names=("id", "external id", "identifiant", "идентификатор", *names))


class OneByOneTarget(Target):
    """A subclass gives `_row(context, row, known, keys, writing=...)`, and may give `_known` and `extra_labels`."""

    # For `_by_old_id`: what to read along with the record, and what to say of one the importer may not see.
    match_related: ClassVar[tuple[str, ...]] = ()
    hidden_match: ClassVar[str | Promise] = ""
    match_keys = {"external_id": OLD_ID}

    def extra_labels(self, labels: dict[str, str]) -> dict[str, str]:
        """Labels of the service's own error keys that are no field of the import ("due_at" → Due)."""
        return {}

    def _labels(self) -> dict[str, str]:
        labels = {field.key: str(field.label) for field in self.fields()}
        return labels | self.extra_labels(labels)

    def check(self, context: Context, rows: list[Row]) -> list[Outcome]:
        return self._rows(context, rows, writing=False)

    def save(self, context: Context, rows: list[Row]) -> list[Outcome]:
        return self._rows(context, rows, writing=True)

    def _rows(self, context: Context, rows: list[Row], *, writing: bool) -> list[Outcome]:
        known = self._known(context, rows)
        keys: list[tuple[str, int]] = []
        outcomes = each_row(
            context,
            rows,
            lambda row: self._row(context, row, known, keys, writing=writing),
            self._labels(),
            writing=writing,
        )
        if writing:
            remember_keys(self.key, self.model, keys)
        return outcomes

    def _known(self, context: Context, rows: list[Row]):
        """{old id: record id} for the batch's rows, when duplicates are found by old id."""
        if not match_keys(context, self.match_keys):
            return {}
        return keyed_ids(self.key, (row.first("external_id").strip() for row in rows))

    def _row(self, context: Context, row: Row, known, keys: list, *, writing: bool) -> Outcome:
        raise NotImplementedError

    def _by_old_id(self, context: Context, row: Row, keyed: dict[str, int]) -> models.Model | int | None:
        """The record with the row's old id: made by an earlier row (a placeholder in a dry run) or in Carte."""
        external_id = row.first("external_id").strip()
        if not external_id or not match_keys(context, self.match_keys):
            return None
        made = context.created.get(("external_id", external_id))
        pk = made if made is not None else keyed.get(external_id)
        if pk is None or pk < 0:
            return pk
        found = self.model._default_manager.select_related(*self.match_related).filter(pk=pk).first()
        if found is not None and not policy.can(context.actor, policy.Action.VIEW, found):
            raise NotAllowed(self.hidden_match)
        return found

    def _made(self, context: Context, row: Row, object_id: int, keys: list, *, writing: bool) -> None:
        """Let later rows of the file find this record by its old id, and keep the id for the batch's end."""
        external_id = row.first("external_id").strip()
        if external_id:
            context.created[("external_id", external_id)] = object_id
            if writing:
                keys.append((external_id, object_id))
