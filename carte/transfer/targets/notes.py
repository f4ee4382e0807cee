"""Importing notes: what was written about a client in the old system, onto the client's timeline.

A row names its client by name, tax id, email or the id it had in the old system, among the
clients the importer may see, and gives the note's text; its date, when given, becomes the
time of the timeline entry (read in the company's time zone), so old notes take their place
in the client's history rather than all landing today. Notes are always added: two notes with
the same words are two notes. Whoever may edit the client may add notes to it.
"""

from datetime import datetime, time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carte.clients.models import TimelineEntry
from carte.clients.services.timeline import SUMMARY_LENGTH, add_note
from carte.core import audit, policy
from carte.core.errors import Invalid, NotAllowed
from carte.transfer.models import ImportRow
from carte.transfer.targets.base import Context, Field, Outcome, Row, Target
from carte.transfer.targets.finding import company_zone, each_row, find_client, moment, raw_shown, stamp_of

Action = policy.Action
NOTE = "note"  # the timeline kind of notes (see carte.clients.services.timeline.add_note)


def when_text(entry: TimelineEntry) -> str:
    return f"{timezone.localtime(entry.at, company_zone()):%Y-%m-%d %H:%M}"


class NotesTarget(Target):
    key = "notes"
    label = gettext_lazy("Notes")
    module = "clients"
    model = TimelineEntry
    match_keys = {}
    select_related = ("client",)

    def fields(self) -> list[Field]:
        return [
            Field(
                "client",
                gettext_lazy("Client"),
                names=(
                    *("client", "company", "account", "customer", "contact", "client id", "société", "entreprise"),
                    *("клиент", "компания", "контрагент"),
                ),
                required=True,
                text=lambda entry: entry.client.name,
            ),
            Field(
                "text",
                gettext_lazy("Text"),
                names=("text", "note", "notes", "body", "content", "comment", "texte", "contenu", "commentaire")
                + ("текст", "заметка", "примечание", "комментарий"),
                required=True,
                text=lambda entry: entry.summary,
            ),
            Field(
                "date",
                gettext_lazy("Date"),
                names=("date", "created", "created at", "time", "date de création", "дата", "дата создания", "время"),
                text=when_text,
            ),
        ]

    def _labels(self) -> dict[str, str]:
        return {field.key: str(field.label) for field in self.fields()}

    # Checking and saving

    def check(self, context: Context, rows: list[Row]) -> list[Outcome]:
        return each_row(
            context, rows, lambda row: self._row(context, row, writing=False), self._labels(), writing=False
        )

    def save(self, context: Context, rows: list[Row]) -> list[Outcome]:
        return each_row(context, rows, lambda row: self._row(context, row, writing=True), self._labels(), writing=True)

    def _read(self, context: Context, row: Row) -> dict:
        """The client, the text and the time of a note; Invalid with every field's message at once."""
        values: dict = {}
        errors: dict = {}
        if row.first("client").strip():
            try:
                values["client"] = find_client(context, row.first("client"))
            except Invalid as refused:
                errors.update(refused.errors)
        else:
            errors["client"] = [_("Choose a client.")]
        text = "\n".join(row.values.get("text", [])).strip()
        if not text:
            errors["text"] = [_("Write something first.")]
        elif len(text) > SUMMARY_LENGTH:
            errors["text"] = [_("At most %(count)d characters.") % {"count": SUMMARY_LENGTH}]
        values["text"] = text
        if row.first("date").strip():
            try:
                day, at = moment(context, row.first("date"), "date")
                values["at"] = datetime.combine(day, at or time(0, 0), tzinfo=company_zone())
            except Invalid as refused:
                errors.update(refused.errors)
        if errors:
            raise Invalid(errors=errors)
        return values

    def _row(self, context: Context, row: Row, *, writing: bool) -> Outcome:
        values = self._read(context, row)
        labels = self._labels()
        shown = raw_shown(self.fields(), row) | {
            labels["client"]: str(values["client"]),
            labels["text"]: values["text"],
        }
        if "at" in values:
            shown[labels["date"]] = f"{values['at']:%Y-%m-%d %H:%M}"
        if not policy.can(context.actor, Action.EDIT, values["client"]):
            raise NotAllowed()
        if not writing:
            return Outcome(row.number, ImportRow.Outcome.CREATED, object_id=context.next_placeholder(), shown=shown)
        entry = add_note(actor=context.actor, client=values["client"], text=values["text"])
        if "at" in values:
            # The note keeps the time it was written in the old system: its place in the history.
            entry.at = values["at"]
            TimelineEntry.objects.filter(pk=entry.pk).update(at=entry.at)
        return Outcome(row.number, ImportRow.Outcome.CREATED, object_id=entry.pk, stamp=stamp_of(entry.at), shown=shown)

    # Undoing

    def moved(self, ids_and_stamps) -> set[int]:
        """Notes are not edited once written: only those deleted since (or whose time changed) moved."""
        stamps = dict(ids_and_stamps)
        now = dict(TimelineEntry.objects.filter(pk__in=list(stamps), kind=NOTE).values_list("pk", "at"))
        return {pk for pk, stamp in stamps.items() if pk not in now or stamp_of(now[pk]) != stamp}

    @transaction.atomic
    def undo(self, actor, created: list[int], updated: list[tuple[int, dict]]) -> None:
        """Delete the notes the import wrote; it takes the right that wrote them (editing their clients)."""
        for entry in TimelineEntry.objects.filter(pk__in=created, kind=NOTE).select_related("client"):
            policy.require(actor, Action.EDIT, entry.client)
            audit.record(
                actor,
                audit.Verb.DELETE,
                entry,
                changes={"client": [str(entry.client), None], "note": [entry.summary, None]},
            )
            entry.delete()
