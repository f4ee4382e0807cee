"""The other domains' events, turned into notifications and live messages (subscribed in WorkspaceConfig.ready).

Events carry ids only (contracts of issue 5); each handler reads what it needs by id, makes
the texts in the recipient's language and time zone, and stays short. Handlers run after the
emitting transaction committed; one failing is logged and the others still run.
"""

import re
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carte.backups.models import Backup
from carte.calls.models import Call
from carte.clients.models import Client
from carte.core import events, live, policy
from carte.planner.models import Task
from carte.sales.models import Deal, Stage
from carte.transfer.models import Export, Import
from carte.workspace.models import Notification
from carte.workspace.notifications.services import Draft, in_language_of, make_notification, make_notifications, notify

Kind = Notification.Kind
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]+)")
MENTION_LIMIT = 20  # names looked up in one note
EXCERPT_LENGTH = 200


def url_of(name: str, *args) -> str:
    """The path of a page, or "" when the module showing it is not installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _employees(ids) -> list:
    return list(get_user_model().objects.filter(pk__in=[int(pk) for pk in ids or ()], is_active=True))


def _when(moment: datetime | None) -> str:
    """A time in the active zone and language (callers are inside in_language_of)."""
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _actor_name(event: events.Event) -> str:
    return str(event.actor) if getattr(event.actor, "pk", None) else _("Carte")


# ---------------------------------------------------------------------------------------------
# Tasks
# ---------------------------------------------------------------------------------------------


def _task(task_id):
    return Task.objects.select_related("author").filter(pk=task_id).first()


def task_assigned(event: events.Event) -> None:
    task = _task(event.data.get("task_id"))
    if task is None:
        return
    link = url_of("planner:task_detail", task.pk)
    for recipient in _employees(event.data.get("recipient_ids")):
        with in_language_of(recipient):
            body = _("%(kind)s due %(when)s, from %(who)s") % {
                "kind": task.get_kind_display(),
                "when": _when(task.due_at),
                "who": task.author or _actor_name(event),
            }
            title = _("Assigned to you: %(title)s") % {"title": task.title}
        make_notification(recipient=recipient, kind=Kind.ASSIGNED, title=title, body=body, link=link)


def task_reminder(event: events.Event) -> None:
    task = _task(event.data.get("task_id"))
    if task is None:
        return
    occurrence = parse_datetime(str(event.data.get("occurrence") or "")) or task.due_at
    minutes = max(0, round((occurrence - timezone.now()).total_seconds() / 60))
    link = url_of("planner:task_detail", task.pk)
    for recipient in _employees(event.data.get("recipient_ids")):
        with in_language_of(recipient):
            title = _("Reminder: %(title)s") % {"title": task.title}
            if minutes:
                body = ngettext("Due %(when)s, in %(count)d minute", "Due %(when)s, in %(count)d minutes", minutes) % {
                    "when": _when(occurrence),
                    "count": minutes,
                }
            else:
                body = _("Due now (%(when)s)") % {"when": _when(occurrence)}
        make_notification(recipient=recipient, kind=Kind.REMINDER, title=title, body=body, link=link)


def task_overdue(event: events.Event) -> None:
    task = _task(event.data.get("task_id"))
    if task is None:
        return
    link = url_of("planner:task_detail", task.pk)
    for recipient in _employees(event.data.get("recipient_ids")):
        with in_language_of(recipient):
            title = _("Overdue: %(title)s") % {"title": task.title}
            body = _("It was due %(when)s.") % {"when": _when(task.due_at)}
        make_notification(recipient=recipient, kind=Kind.OVERDUE, title=title, body=body, link=link)


# ---------------------------------------------------------------------------------------------
# Notes: @mentions
# ---------------------------------------------------------------------------------------------


def mentioned_in(text: str) -> list[str]:
    """The usernames a note mentions ("@bob", "@Alice."), lower case, in order, each once."""
    names: list[str] = []
    for found in MENTION.findall(text or ""):
        name = found.rstrip(".").lower()
        if name and name not in names:
            names.append(name)
    return names[:MENTION_LIMIT]


def note_added(event: events.Event) -> None:
    """Active employees mentioned by @username who may see the client; never the author."""
    names = mentioned_in(event.data.get("text", ""))
    client = Client.objects.filter(pk=event.data.get("client_id")).first()
    if not names or client is None:
        return
    author_id = getattr(event.actor, "pk", None)
    wanted = Q()
    for name in names:
        wanted |= Q(username__iexact=name)
    candidates = get_user_model().objects.filter(wanted, is_active=True).exclude(pk=author_id)
    excerpt = Truncator(" ".join(event.data.get("text", "").split())).chars(EXCERPT_LENGTH)
    link = url_of("clients:card", client.pk)
    for recipient in candidates:
        if not policy.can(recipient, policy.Action.VIEW, client):
            continue
        with in_language_of(recipient):
            title = _("%(who)s mentioned you on %(client)s") % {"who": _actor_name(event), "client": client.name}
        make_notification(recipient=recipient, kind=Kind.MENTION, title=title, body=excerpt, link=link)


# ---------------------------------------------------------------------------------------------
# Calls: the pop-up and the missed call
# ---------------------------------------------------------------------------------------------


def _call(call_id):
    return Call.objects.select_related("client", "employee").filter(pk=call_id).first()


def _caller(call) -> str:
    if call.client_id:
        return call.client.name
    return call.number or call.from_number or _("an unknown number")


def _call_link(call) -> str:
    return url_of("calls:call_detail", call.pk) or (url_of("clients:card", call.client_id) if call.client_id else "")


def calls_ringing(ringing: list[events.Event]) -> None:
    """The employees at the extensions: a notification each and the pop-up with the caller's card.

    Subscribed together: a phone system's batch of calls is read in one query and notified in one
    insert (carte.calls applies a batch inside events.batched()).
    """
    ids = [event.data.get("call_id") for event in ringing]
    calls = Call.objects.select_related("client", "employee").in_bulk([pk for pk in ids if pk])
    rung, drafts = [], []
    for pk in dict.fromkeys(ids):
        call = calls.get(pk)
        if call is None or call.employee_id is None or not call.employee.is_active:
            continue
        with in_language_of(call.employee):
            caller = _caller(call)
            title = _("Incoming call from %(caller)s") % {"caller": caller}
            body = call.number if call.client_id and call.number else ""
        rung.append((call, caller))
        drafts.append(Draft(call.employee, Kind.INCOMING_CALL, title, body, _call_link(call)))
    for (call, caller), (_notification, new) in zip(rung, make_notifications(drafts), strict=True):
        if new:
            live.publish(
                call.employee_id,
                {
                    "type": "call",
                    "state": "ringing",
                    "call_id": call.pk,
                    "title": caller,
                    "popup_url": url_of("calls:popup", call.pk),
                },
            )


def call_answered(event: events.Event) -> None:
    """The pop-up stays open while the employee talks; it says the call is answered."""
    if event.data.get("employee_id"):
        live.publish(event.data["employee_id"], {"type": "call", "state": "answered", "call_id": event.data["call_id"]})


def call_ended(event: events.Event) -> None:
    """The pop-up closes after a moment."""
    if event.data.get("employee_id"):
        live.publish(event.data["employee_id"], {"type": "call", "state": "ended", "call_id": event.data["call_id"]})


def calls_missed(missed: list[events.Event]) -> None:
    """The employee at the extension (else the callback task's assignee) hears of it, with the callback task.

    Subscribed together, like the ringing: a batch's missed calls and their tasks are read in two
    queries and notified in one insert.
    """
    calls = Call.objects.select_related("client", "employee").in_bulk(
        [event.data.get("call_id") for event in missed if event.data.get("call_id")]
    )
    tasks = Task.objects.select_related("assignee").in_bulk(
        [event.data.get("task_id") for event in missed if event.data.get("task_id")]
    )
    drafts = []
    for event in missed:
        call, task = calls.get(event.data.get("call_id")), tasks.get(event.data.get("task_id"))
        if call is None:
            continue
        recipient = call.employee if call.employee_id else (task.assignee if task is not None else None)
        if recipient is None or not recipient.is_active:
            continue
        live.publish(recipient.pk, {"type": "call", "state": "ended", "call_id": call.pk})
        with in_language_of(recipient):
            title = _("Missed call from %(caller)s") % {"caller": _caller(call)}
            body = _("At %(when)s. A task to call back is in your planner.") if task else _("At %(when)s.")
            body = body % {"when": _when(call.started_at)}
        link = url_of("planner:task_detail", task.pk) if task is not None else _call_link(call)
        drafts.append(Draft(recipient, Kind.MISSED_CALL, title, body, link))
    make_notifications(drafts)


# ---------------------------------------------------------------------------------------------
# Deals
# ---------------------------------------------------------------------------------------------


def deal_stage_changed(event: events.Event) -> None:
    """The deal's owner hears when someone else moved their deal."""
    owner_id = event.data.get("owner_id")
    if not owner_id or owner_id == getattr(event.actor, "pk", None):
        return
    deal = Deal.objects.select_related("owner").filter(pk=event.data.get("deal_id")).first()
    stage = Stage.objects.filter(pk=event.data.get("to_stage_id")).first()
    if deal is None or stage is None or not deal.owner.is_active:
        return
    with in_language_of(deal.owner):
        title = _("Your deal “%(deal)s” moved to %(stage)s") % {"deal": deal.title, "stage": stage.name}
        body = _("By %(who)s.") % {"who": _actor_name(event)}
    make_notification(
        recipient=deal.owner, kind=Kind.DEAL_STAGE, title=title, body=body, link=url_of("sales:deal_detail", deal.pk)
    )


def import_finished(event: events.Event) -> None:
    """Who imported a file hears when the run ends, with its counts, and finds the report behind the link."""
    source = Import.objects.select_related("owner").filter(pk=event.data.get("import_id")).first()
    if source is None or not source.owner.is_active:
        return
    with in_language_of(source.owner):
        if source.status == Import.Status.DONE:
            title = _("Import finished: %(file)s") % {"file": source.file_name}
            body = _("%(created)d created, %(updated)d updated, %(skipped)d skipped, %(failed)d failed.") % {
                "created": source.created,
                "updated": source.updated,
                "skipped": source.skipped,
                "failed": source.failed,
            }
        else:
            title = _("Import stopped: %(file)s") % {"file": source.file_name}
            body = source.error
    notify(
        recipient=source.owner,
        kind=Kind.IMPORT,
        title=title,
        body=body,
        link=url_of("transfer:import_detail", source.pk),
    )


def export_ready(event: events.Event) -> None:
    """A file written in the background is ready to download."""
    export = Export.objects.select_related("owner").filter(pk=event.data.get("export_id")).first()
    if export is None or not export.owner.is_active:
        return
    with in_language_of(export.owner):
        title = _("Your export is ready: %(file)s") % {"file": export.file_name}
    notify(recipient=export.owner, kind=Kind.EXPORT, title=title, link=url_of("transfer:export_download", export.pk))


def backup_failed(event: events.Event) -> None:
    """Who keeps the backups hears when one failed, or failed its verification: a night without a good
    backup must not wait for someone to open the bell (a good one needs no notice)."""
    backup = Backup.objects.filter(pk=event.data.get("backup_id")).first()
    if backup is None:
        return
    if backup.status == Backup.Status.FAILED:
        reason = backup.error
    elif backup.verification == Backup.Verification.FAILED:
        reason = backup.verification_error
    else:
        return
    for keeper in get_user_model().objects.filter(is_active=True).order_by("pk"):
        if not policy.can(keeper, policy.Action.VIEW, Backup):
            continue
        with in_language_of(keeper):
            if backup.status == Backup.Status.FAILED:
                title = _("The backup failed")
            else:
                title = _("A backup failed its verification")
        notify(recipient=keeper, kind=Kind.BACKUP, title=title, body=reason[:500], link=url_of("backups:backup_list"))


HANDLERS = {
    "task.assigned": task_assigned,
    "task.reminder": task_reminder,
    "task.overdue": task_overdue,
    "note.added": note_added,
    "call.answered": call_answered,
    "call.ended": call_ended,
    "deal.stage_changed": deal_stage_changed,
    "import.finished": import_finished,
    "backup.finished": backup_failed,
    "export.ready": export_ready,
}


TOGETHER = {"call.ringing": calls_ringing, "call.missed": calls_missed}


def subscribe_all() -> None:
    for name, handler in HANDLERS.items():
        events.subscribe(name, handler)
    for name, batch_handler in TOGETHER.items():
        events.subscribe_together(name, batch_handler)
