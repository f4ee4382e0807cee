"""Exporting a list: sent at once when small, prepared in the background when large, kept a week.

`export_list` is the one use case behind the Export control of every list screen and
POST /api/v1/exports. It needs the "export" right of the list's module and writes only the
records the list shows with the given parameters that the actor may export, audited once
(who, which list, how many rows, which filters and columns). A list of at most
EXPORT_INLINE_ROWS rows is written as it is sent (an `ExportFile`); a larger one becomes an
`Export` that the worker writes under MEDIA_ROOT/exports/, in the language and time zone of
the request, with the rights its owner holds then. The exports page lists an employee's own
exports and offers each file once it is ready: only to who asked for it (anyone else gets
404). Files and their records are removed after KEEP_DAYS (`remove_old_exports`, daily).

Rows are read KEY_CHUNK at a time (`iterator(chunk_size=…)`, related rows prefetched per
chunk), so an export runs a bounded number of queries per chunk and never one per row.
"""

import logging
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from carte.core import events, policy
from carte.core.audit import Verb, diff, record
from carte.core.errors import Conflict, DomainError, Invalid, NotFound
from carte.transfer.exports import writers
from carte.transfer.exports.lists import ClientsList, ColumnChoice, ExportList, Layout, export_list_of
from carte.transfer.models import Export

log = logging.getLogger(__name__)

EXPORT_INLINE_ROWS = 5000  # up to this many rows, the file is sent at once; beyond, prepared in the background
KEY_CHUNK = 2000  # rows read per query
KEEP_DAYS = 7
LISTED = 50  # exports shown on the exports page
FORMATS = {
    "csv": ("text/csv", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "vcard": ("text/vcard", "vcf"),
}
COPY_BLOCK = 64 * 1024


@dataclass(frozen=True)
class ExportOptions:
    """How the file is written: CSV delimiter and encoding, and which columns (see ColumnChoice)."""

    delimiter: str = ","
    encoding: str = "utf-8-sig"
    columns: str = "list"
    keys: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {
            "delimiter": self.delimiter,
            "encoding": self.encoding,
            "columns": self.columns,
            "keys": list(self.keys),
        }


@dataclass
class ExportFile:
    """An export sent at once: the name offered to the browser, its type, its row count and its bytes."""

    file_name: str
    content_type: str
    rows: int
    chunks: Iterator[bytes]


def read_options(raw: Mapping | None) -> ExportOptions:
    """The file options as a form or the API gives them; Invalid naming each wrong one."""
    raw = raw or {}
    errors: dict[str, list[str]] = {}
    delimiter = str(raw.get("delimiter") or ",")
    delimiter = "\t" if delimiter in ("tab", "\\t") else delimiter
    if delimiter not in writers.DELIMITERS:
        errors["delimiter"] = [_("Choose a comma, a semicolon, a tab or a vertical bar.")]
    encoding = str(raw.get("encoding") or "utf-8-sig").lower()
    if encoding not in writers.ENCODINGS:
        errors["encoding"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(writers.ENCODINGS)}]
    columns = str(raw.get("columns") or "list")
    if columns not in ("list", "all"):
        errors["columns"] = [_("Choose the list's columns or every field.")]
    keys = raw.get("keys") or ()
    keys = [keys] if isinstance(keys, str) else keys
    if errors:
        raise Invalid(_("Please correct the export options."), errors=errors)
    return ExportOptions(delimiter, encoding, columns, tuple(str(key) for key in keys if str(key)))


def _params(params) -> QueryDict:
    """The list's parameters as a QueryDict (what every list's parser reads), from a QueryDict, a query
    string or a dict of values or lists of values; the screens' paging is dropped."""
    if isinstance(params, QueryDict):
        given = params.copy()
    elif isinstance(params, str):
        given = QueryDict(params, mutable=True)
    else:
        given = QueryDict(mutable=True)
        for name, value in (params or {}).items():
            given.setlist(str(name), [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)])
    for name in ("page", "page_size", "segment"):
        given.pop(name, None)
    return given


def _check(kind: ExportList, file_format: str, options: ExportOptions) -> None:
    if file_format not in FORMATS:
        raise Invalid(
            _("Unknown format “%(format)s”. Choose one of: %(formats)s.")
            % {"format": str(file_format)[:20], "formats": ", ".join(kind.formats)},
            errors={"format": [_("Not one of the choices.")]},
        )
    if file_format not in kind.formats:
        raise Invalid(
            _("%(list)s cannot be exported as %(format)s. Choose one of: %(formats)s.")
            % {"list": kind.label, "format": file_format, "formats": ", ".join(kind.formats)},
            errors={"format": [_("Not one of the choices.")]},
        )
    if options.columns not in kind.column_choices:
        raise Invalid(errors={"columns": [_("This list offers its own columns only.")]})


def _file_name(kind: ExportList, file_format: str) -> str:
    stem = slugify(str(kind.label)) or kind.key
    return f"{stem}-{timezone.localdate().isoformat()}.{FORMATS[file_format][1]}"


def export_list(
    *, actor, list_key: str, params=None, file_format: str = "csv", options: Mapping | ExportOptions | None = None
) -> ExportFile | Export:
    """Export a list as its screen shows it with `params` (its filters and sort): an ExportFile to send
    now, or, beyond EXPORT_INLINE_ROWS rows, an Export being prepared in the background.

    NotAllowed without the export right of the list's module; Invalid for an unknown list, format,
    option, filter or column. Audited once.
    """
    kind = export_list_of(list_key)
    chosen = options if isinstance(options, ExportOptions) else read_options(options)
    _check(kind, file_format, chosen)
    policy.require(actor, policy.Action.EXPORT, kind.model)
    given = _params(params)
    records = kind.records(actor, given)
    layout = kind.layout(actor, ColumnChoice(chosen.columns, chosen.keys))
    count = records.count()
    _audit(actor, kind, given, file_format, layout, count)
    if count > EXPORT_INLINE_ROWS:
        return _queue(actor, kind, given, file_format, chosen)
    chunks = _written(actor, kind, records, layout, file_format, chosen)
    return ExportFile(_file_name(kind, file_format), _content_type(file_format, chosen), count, chunks)


def _content_type(file_format: str, options: ExportOptions) -> str:
    content_type = FORMATS[file_format][0]
    if file_format == "csv":
        charset = {"utf-8-sig": "utf-8", "cp1251": "windows-1251", "cp1252": "windows-1252"}
        return f"{content_type}; charset={charset.get(options.encoding, options.encoding)}"
    return f"{content_type}; charset=utf-8" if file_format == "vcard" else content_type


def _audit(actor, kind: ExportList, params: QueryDict, file_format: str, layout: Layout, count: int) -> None:
    record(
        actor,
        Verb.EXPORT,
        label=_("%(list)s export") % {"list": kind.label},
        changes=diff(
            {},
            {
                "list": kind.key,
                "format": file_format,
                "rows": count,
                "filters": urlencode(list(params.lists()), doseq=True),
                "columns": ", ".join(column.key for column in layout.columns) if file_format != "vcard" else "",
            },
        ),
    )


def _rows(records, layout: Layout) -> Iterator[list]:
    if layout.rows is not None:
        yield from layout.rows(records, KEY_CHUNK)
        return
    columns = [column.value for column in layout.columns]
    for item in layout.prepare(records).iterator(chunk_size=KEY_CHUNK):
        yield [value(item) for value in columns]


def _in_context(language: str | None, zone, produce: Callable[[], Iterator[bytes]]) -> Iterator[bytes]:
    """The bytes `produce` makes, in this language and time zone (a streamed response runs after the view)."""
    with translation.override(language), timezone.override(zone):
        yield from produce()


def _written(actor, kind: ExportList, records, layout: Layout, file_format: str, options: ExportOptions):
    """The file's bytes as they are written, in the language and time zone of the caller."""
    header = [str(column.label) for column in layout.columns]

    def produce() -> Iterator[bytes]:
        if file_format == "vcard":
            assert isinstance(kind, ClientsList)
            yield from writers.vcard_chunks(kind.for_vcard(actor, records).iterator(chunk_size=KEY_CHUNK))
        elif file_format == "xlsx":
            # A workbook is a zip: it can only be sent once whole. Written to a temporary file, then read back.
            with tempfile.TemporaryFile() as spool:
                writers.write_xlsx(spool, header, _rows(records, layout), title=str(kind.label))
                spool.seek(0)
                while block := spool.read(COPY_BLOCK):
                    yield block
        else:
            rows = _rows(records, layout)
            yield from writers.csv_chunks(header, rows, delimiter=options.delimiter, encoding=options.encoding)

    return _in_context(translation.get_language(), timezone.get_current_timezone(), produce)


# --- in the background ----------------------------------------------------------------------------


def _queue(actor, kind: ExportList, params: QueryDict, file_format: str, options: ExportOptions) -> Export:
    export = Export.objects.create(
        owner=actor,
        list=kind.key,
        format=file_format,
        file_name=_file_name(kind, file_format),
        params={
            "filters": {name: values for name, values in params.lists()},
            "options": options.as_dict(),
            "language": translation.get_language() or settings.LANGUAGE_CODE,
            "zone": timezone.get_current_timezone_name(),
        },
    )
    from carte.transfer.tasks import write_export_job  # the job module imports this one

    transaction.on_commit(lambda: write_export_job(export.pk))
    return export


def exports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "exports"


def write_export(export_id: int) -> Export | None:
    """Write a queued export's file (the worker's job), with the rights its owner holds now.

    The file is written under a temporary name and renamed once whole, so a worker stopped
    half way leaves no file that looks ready. A refusal (the owner lost the right, a filter
    no longer reads) or an error marks the export failed with the reason.
    """
    export = Export.objects.select_related("owner").filter(pk=export_id).first()
    if export is None or export.status not in (Export.Status.QUEUED, Export.Status.RUNNING):
        return export
    Export.objects.filter(pk=export.pk).update(status=Export.Status.RUNNING)
    folder = exports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"{secrets.token_hex(16)}.{FORMATS[export.format][1]}"
    partial = folder / f"{stored}.part"
    params = export.params or {}
    try:
        with translation.override(params.get("language")), timezone.override(params.get("zone") or None):
            rows = _write_file(export, partial)
        partial.rename(folder / stored)
    except DomainError as refused:
        partial.unlink(missing_ok=True)
        return _finish(export, Export.Status.FAILED, error=str(refused.message))
    except Exception:
        partial.unlink(missing_ok=True)
        log.exception("Export %s failed", export.pk)
        return _finish(export, Export.Status.FAILED, error=_("The export failed; try again, or ask an administrator."))
    done = _finish(export, Export.Status.DONE, rows=rows, stored_name=stored)
    events.emit("export.ready", actor=export.owner, export_id=done.pk)
    return done


def _write_file(export: Export, path: Path) -> int:
    """Write the export's rows into `path`; the row count."""
    owner, params = export.owner, export.params or {}
    kind = export_list_of(export.list)
    options = read_options(params.get("options"))
    policy.require(owner, policy.Action.EXPORT, kind.model)
    records = kind.records(owner, _params(params.get("filters") or {}))
    layout = kind.layout(owner, ColumnChoice(options.columns, options.keys))
    count = 0

    def counted(rows):
        nonlocal count
        for row in rows:
            count += 1
            yield row

    with path.open("wb") as file:
        if export.format == "xlsx":
            header = [str(column.label) for column in layout.columns]
            writers.write_xlsx(file, header, counted(_rows(records, layout)), title=str(kind.label))
        elif export.format == "vcard":
            assert isinstance(kind, ClientsList)
            for chunk in writers.vcard_chunks(counted(kind.for_vcard(owner, records).iterator(chunk_size=KEY_CHUNK))):
                file.write(chunk)
        else:
            header = [str(column.label) for column in layout.columns]
            rows = counted(_rows(records, layout))
            for chunk in writers.csv_chunks(header, rows, delimiter=options.delimiter, encoding=options.encoding):
                file.write(chunk)
    return count


def _finish(export: Export, status: str, **values) -> Export:
    values |= {"status": status, "finished_at": timezone.now()}
    Export.objects.filter(pk=export.pk).update(**values)
    for name, value in values.items():
        setattr(export, name, value)
    return export


# --- reading and downloading ----------------------------------------------------------------------


def exports_for(actor) -> list[Export]:
    """The actor's own exports, newest first (the last LISTED)."""
    return list(Export.objects.filter(owner_id=actor.pk)[:LISTED])


def get_export_for(actor, pk) -> Export:
    """One of the actor's own exports; NotFound for anyone else's (it is never shown to another)."""
    text = str(pk)
    export = (
        Export.objects.filter(pk=int(text), owner_id=actor.pk).first() if text.isdigit() and len(text) < 12 else None
    )
    if export is None:
        raise NotFound()
    return export


def download(*, actor, export_id) -> tuple[Export, Path]:
    """The actor's own ready export and its file. NotFound for another's export or a removed file;
    Conflict while it is still being written (or when it failed)."""
    export = get_export_for(actor, export_id)
    if export.status != Export.Status.DONE:
        message = export.error if export.status == Export.Status.FAILED else _("This export is not ready yet.")
        raise Conflict(message or _("This export failed."))
    path = exports_dir() / export.stored_name
    if not export.stored_name or not path.is_file():
        raise NotFound(_("This file was removed: exports are kept %(days)d days.") % {"days": KEEP_DAYS})
    return export, path


def remove_old_exports(now=None) -> int:
    """Remove the exports older than KEEP_DAYS, with their files, and files no export names (a stopped
    worker's partial files); the number of exports removed."""
    limit = (now or timezone.now()) - timedelta(days=KEEP_DAYS)
    old = list(Export.objects.filter(created_at__lt=limit).values_list("pk", "stored_name"))
    folder = exports_dir()
    for _pk, stored in old:
        if stored:
            (folder / stored).unlink(missing_ok=True)
    Export.objects.filter(pk__in=[pk for pk, _stored in old]).delete()
    if folder.is_dir():
        named = set(Export.objects.exclude(stored_name="").values_list("stored_name", flat=True))
        for path in folder.iterdir():
            written = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
            if path.name not in named and written < limit:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
    return len(old)
