"""The import flow: upload a file, map its columns, preview, dry run, run in the background, undo.

An upload is checked and read (carte.transfer.readers) before anything is kept: a file that
is not what it claims leaves nothing behind. The mapping and the options say how rows become
records; `preview` shows the first rows as they would be saved, without writing. The dry run
and the run itself are jobs (carte.transfer.running); this module only queues them.
"""

import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from carte.core import policy
from carte.core.audit import record
from carte.core.cells import FORMULA_STARTS
from carte.core.errors import Conflict, Invalid, NotAllowed
from carte.core.models import AuditEntry
from carte.transfer import readers
from carte.transfer.models import Import, ImportRow, Mapping
from carte.transfer.services import mapping as mappings
from carte.transfer.targets import PATHS, target
from carte.transfer.targets.base import Options, Outcome, Row

PREVIEW_ROWS = 10
STALLED_AFTER = timedelta(minutes=5)  # a run with no saved batch for this long has lost its worker
CHUNK = 1024 * 1024
Status = Import.Status


def folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def path_of(source: Import) -> Path:
    return folder() / source.stored_name


def default_options(actor, target_key: str) -> Options:
    """Numbers and dates read as the user's language writes them; duplicates found by every key the target
    knows, and skipped; the user owns new records."""
    language = (getattr(actor, "language", "") or get_language() or settings.LANGUAGE_CODE)[:2]
    return Options(
        decimal="," if language in ("fr", "ru") else ".",
        date_order="mdy" if settings.PHONE_REGION == "US" else "dmy",
        match_by=tuple(target(target_key).match_keys),
    )


def options_of(source: Import) -> Options:
    stored = dict(source.options.get("values") or {})
    if stored.get("match_by") is not None:
        stored["match_by"] = tuple(stored["match_by"])
    return Options(**stored)


def layout_of(source: Import) -> readers.Layout:
    return readers.Layout.from_dict(source.options["layout"])


def _require_import(actor, target_key: str) -> None:
    if target_key not in PATHS:
        raise Invalid(errors={"target": [_("Choose what the file holds.")]})
    policy.require(actor, policy.Action.CREATE, Import(owner=actor))
    if not policy.can_in_module(actor, target(target_key).module, policy.Action.CREATE, policy.Scope.OWN):
        raise NotAllowed(_("You may not create these records."))


def _store(file) -> tuple[str, int]:
    """Copy the upload under a generated name, refusing it past the size limit; (name, size)."""
    folder().mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.upload"
    size, limit = 0, settings.IMPORT_MAX_BYTES
    with open(folder() / name, "wb") as out:
        for chunk in file.chunks(CHUNK) if hasattr(file, "chunks") else iter(lambda: file.read(CHUNK), b""):
            size += len(chunk)
            if size > limit:
                out.close()
                (folder() / name).unlink(missing_ok=True)
                raise Invalid(
                    errors={"file": [_("The file is larger than %(size)d MB.") % {"size": limit // (1024 * 1024)}]}
                )
            out.write(chunk)
    return name, size


def upload(*, actor, target_key: str, file, file_name: str, **layout) -> Import:
    """Keep an uploaded file for an import of `target_key` records, once it reads as a table.

    `layout` overrides what is detected (format, encoding, delimiter, sheet, header_row).
    Raises Invalid with the reason when the file cannot be read; nothing is kept then.
    """
    _require_import(actor, target_key)
    stored, size = _store(file)
    try:
        read = readers.inspect(folder() / stored, file_name, **layout)
    except Exception:
        (folder() / stored).unlink(missing_ok=True)
        raise
    source = Import.objects.create(
        owner=actor,
        target=target_key,
        file_name=Path(file_name or "").name[:255] or stored,
        stored_name=stored,
        size=size,
        format=read.format,
        options={"layout": read.as_dict(), "values": _stored_options(default_options(actor, target_key))},
        columns=read.columns,
    )
    source.mapping = mappings.suggest(target_key, read.columns, _saved_fields(actor, target_key, read.columns))
    source.save(update_fields=["mapping"])
    record(
        actor, AuditEntry.Verb.CREATE, source, changes={"file": [None, source.file_name], "records": [None, target_key]}
    )
    return source


def _saved_fields(actor, target_key: str, columns: list[str]) -> dict[str, str] | None:
    """The employee's saved mapping that knows the most of these headers, if any knows one."""
    best, best_count = None, 0
    for saved in Mapping.objects.filter(owner=actor, target=target_key):
        count = len(set(saved.fields) & set(columns))
        if count > best_count:
            best, best_count = saved.fields, count
    return best


def _stored_options(options: Options) -> dict:
    stored = asdict(options)
    stored["match_by"] = list(options.match_by)
    return stored


def _editable(actor, source: Import) -> Import:
    """The import, locked, when it can still be set up (not running, not run)."""
    source = Import.objects.select_for_update().get(pk=source.pk)
    policy.require(actor, policy.Action.CREATE, source)
    if source.status not in (Status.UPLOADED, Status.CHECKED):
        raise Conflict(_("This import has already run; upload the file again to import it another way."))
    return source


@transaction.atomic
def change_layout(*, actor, source: Import, **layout) -> Import:
    """Read the file again another way (encoding, delimiter, sheet, header row); the mapping is suggested anew."""
    source = _editable(actor, source)
    given = {name: value for name, value in layout.items() if value not in (None, "")}
    read = readers.inspect(path_of(source), source.file_name, format=source.format, **given)
    source.options = {**source.options, "layout": read.as_dict()}
    source.columns = read.columns
    source.mapping = mappings.suggest(source.target, read.columns, _saved_fields(actor, source.target, read.columns))
    _forget_check(source)
    source.save()
    return source


def checked_options(values: dict, actor, target_key: str) -> Options:
    """Options from a form or the API for an import of `target_key` records, checked; Invalid names each wrong one."""
    options = default_options(actor, target_key)
    errors: dict[str, list[str]] = {}
    for name, allowed in (
        ("decimal", Options.DECIMALS),
        ("date_order", Options.DATE_ORDERS),
        ("duplicates", Options.DUPLICATES),
        ("unknown_values", Options.UNKNOWN_VALUES),
    ):
        value = values.get(name)
        if value in (None, ""):
            continue
        if value not in allowed:
            errors[name] = [_("Not one of the choices.")]
        else:
            setattr(options, name, value)
    if values.get("match_by") is not None:
        match_by = [key for key in values["match_by"] if key]
        if any(key not in target(target_key).match_keys for key in match_by):
            errors["match_by"] = [_("Not one of the choices.")]
        options.match_by = tuple(match_by)
    owner = str(values.get("owner") or "")
    if owner:
        employee = None
        if owner.isdecimal() and len(owner) < 12:
            employee = get_user_model().objects.filter(pk=int(owner), is_active=True).first()
        if employee is None:
            errors["owner"] = [_("Choose an active employee.")]
        else:
            options.owner = employee.pk
    if errors:
        raise Invalid(errors=errors)
    return options


@transaction.atomic
def configure(*, actor, source: Import, mapping: dict, options: dict) -> Import:
    """Set the mapping (column index → field key) and the options; a previous dry run no longer holds."""
    source = _editable(actor, source)
    source.mapping = mappings.checked_mapping(source, mapping)
    chosen = checked_options(options or {}, actor, source.target)
    source.options = {**source.options, "values": _stored_options(chosen)}
    _forget_check(source)
    source.save()
    return source


def _forget_check(source: Import) -> None:
    source.rows.filter(phase=ImportRow.Phase.CHECK).delete()
    source.check_counts, source.checked_at, source.status = {}, None, Status.UPLOADED


def rows_of(source: Import, cells_rows) -> list[Row]:
    """Rows of the file as the target takes them: the texts of mapped columns by field key."""
    from carte.transfer.values import split_values

    fields = {field.key: field for field in target(source.target).fields()}
    mapped = [(int(index), key, fields[key]) for index, key in source.mapping.items() if key in fields]
    made = []
    for number, cells in cells_rows:
        values: dict[str, list[str]] = {}
        for index, key, field in mapped:
            text = cells[index] if index < len(cells) else ""
            if not text:
                continue
            if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
                text = text[1:]  # a cell an export neutralized (carte.core.cells): the text it stood for
            if field.many:
                values.setdefault(key, []).extend(split_values(text))
            elif field.joined:
                values.setdefault(key, []).append(text)
            elif key not in values:
                values[key] = [text]
        made.append(Row(number, values))
    return made


@dataclass
class Preview:
    """The first rows of the file, each with what would happen to it."""

    rows: list[tuple[list[str], Outcome]]


def preview(*, actor, source: Import, limit: int = PREVIEW_ROWS) -> Preview:
    """The first `limit` rows as they would be saved, with their errors; writes nothing."""
    policy.require(actor, policy.Action.VIEW, source)
    from carte.transfer.running import context_for

    cells = []
    for item in readers.rows(path_of(source), layout_of(source)):
        cells.append(item)
        if len(cells) >= limit:
            break
    if not source.mapping:
        return Preview([(row_cells, Outcome(number, "")) for number, row_cells in cells])
    context = context_for(source, dry=True)
    with transaction.atomic():
        outcomes = target(source.target).check(context, rows_of(source, cells))
        transaction.set_rollback(True)  # a dry run writes nothing, whatever a target does
    return Preview([(row_cells, outcome) for (_number, row_cells), outcome in zip(cells, outcomes, strict=True)])


def _queue(source: Import, status: str, job) -> Import:
    source.status, source.error = status, ""
    source.save(update_fields=["status", "error"])
    transaction.on_commit(lambda: job(source.pk))
    return source


@transaction.atomic
def start_check(*, actor, source: Import) -> Import:
    """Queue a dry run over the whole file: counts and per-row reasons, nothing saved."""
    from carte.transfer.tasks import check_import_job

    source = _editable(actor, source)
    mappings.checked_mapping(source, source.mapping)
    return _queue(source, Status.CHECKING, check_import_job)


@transaction.atomic
def start_run(*, actor, source: Import) -> Import:
    """Queue the import itself; it runs in the background, batch by batch."""
    from carte.transfer.tasks import run_import_job

    source = _editable(actor, source)
    mappings.checked_mapping(source, source.mapping)
    record(actor, AuditEntry.Verb.UPDATE, source, changes={"status": [source.status, Status.QUEUED]})
    return _queue(source, Status.QUEUED, run_import_job)


@transaction.atomic
def resume(*, actor, source: Import) -> Import:
    """Go on with an import that stopped (an error, a worker that died) after the last saved batch."""
    from carte.transfer.tasks import run_import_job

    source = Import.objects.select_for_update().get(pk=source.pk)
    policy.require(actor, policy.Action.CREATE, source)
    stalled = (
        source.status == Status.RUNNING and source.heartbeat_at and source.heartbeat_at < timezone.now() - STALLED_AFTER
    )
    if source.status != Status.FAILED and not stalled:
        raise Conflict(_("Only a stopped import can be resumed."))
    return _queue(source, Status.QUEUED, run_import_job)


@transaction.atomic
def start_undo(*, actor, source: Import) -> Import:
    """Queue the undo of a finished import, once sure no record it wrote was changed since."""
    from carte.transfer.running import moved_rows
    from carte.transfer.tasks import undo_import_job

    source = Import.objects.select_for_update().get(pk=source.pk)
    policy.require(actor, policy.Action.DELETE, source)
    if source.status not in (Status.DONE, Status.FAILED):
        raise Conflict(_("Only a finished import can be undone."))
    moved = moved_rows(source)
    if moved:
        raise Conflict(moved_message(moved))
    record(actor, AuditEntry.Verb.DELETE, source, changes={"status": [source.status, Status.UNDOING]})
    return _queue(source, Status.UNDOING, undo_import_job)


def moved_message(numbers: list[int]) -> str:
    shown = ", ".join(str(number) for number in numbers[:20]) + ("…" if len(numbers) > 20 else "")
    return _(
        "Records of rows %(rows)s were changed since the import; undoing it would lose those changes. "
        "Nothing was undone."
    ) % {"rows": shown}
