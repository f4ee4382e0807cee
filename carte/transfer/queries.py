"""Reading imports, scoped to the user through the access policy: the list, one import, its journal, its report.

An import is seen by who uploaded it, and by those whose scope in the "imports" module reaches
them (a manager, their department's); anyone else gets NotFound, as if it did not exist.
Saved mappings are personal: only their owner reads or deletes them. The report is the
journal as CSV lines, each cell neutralized so a spreadsheet never runs it as a formula.
"""

import csv
import io
from collections.abc import Callable, Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from carte.core import policy
from carte.core.cells import neutralized
from carte.core.errors import Invalid, NotFound
from carte.core.listing import Page, address_of, page_of
from carte.transfer.models import Import, ImportRow, Mapping
from carte.transfer.targets import PATHS, target
from carte.transfer.targets.base import Target

JOURNAL_PAGE_SIZE = 50
Status, Phase, Outcome = Import.Status, ImportRow.Phase, ImportRow.Outcome

# Where a record written by an import opens, by target (a target left out has no page of its own).
RECORD_VIEWS = {
    "clients": "clients:card",
    "deals": "sales:deal_detail",
    "products": "sales:product_detail",
    "tasks": "planner:task_detail",
}
# Statuses in which a job is at work on the import: the screens poll them.
WORKING = (Status.CHECKING, Status.QUEUED, Status.RUNNING, Status.UNDOING)
# Statuses in which the import has run (or begun to): its report is the run's journal, not the dry run's.
RAN = (Status.QUEUED, Status.RUNNING, Status.DONE, Status.FAILED, Status.UNDOING, Status.UNDONE)


def imports_visible_to(actor, action: str = policy.Action.VIEW) -> QuerySet:
    """The imports the user may act on (view by default)."""
    return policy.visible(actor, Import.objects.all(), action)


def import_page(actor, number=1, size=None) -> Page:
    """A page of the imports the user may see, newest first, with who uploaded each (three queries)."""
    policy.require(actor, policy.Action.VIEW, Import)
    imports = imports_visible_to(actor).select_related("owner").order_by("-created_at", "-id")
    return page_of(imports, number, size)


def get_import_for(actor, pk, action: str = policy.Action.VIEW) -> Import:
    """The import with this id if the user may see it (NotFound otherwise) and do `action` to it."""
    try:
        source = imports_visible_to(actor).select_related("owner").get(pk=int(pk))
    except (Import.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None
    if action != policy.Action.VIEW:
        policy.require(actor, action, source)
    return source


def import_targets(actor) -> list[Target]:
    """The kinds of records the user may import: those whose module lets them create records."""
    if not policy.can_in_module(actor, "imports", policy.Action.CREATE, policy.Scope.OWN):
        return []
    return [
        target(key)
        for key in PATHS
        if policy.can_in_module(actor, target(key).module, policy.Action.CREATE, policy.Scope.OWN)
    ]


def shown_phase(source: Import) -> str:
    """The journal a report of this import shows: the run's once it has run, the dry run's before."""
    return Phase.RUN if source.status in RAN else Phase.CHECK


def _checked_filters(phase: str, outcome: str) -> None:
    errors = {}
    if phase and phase not in Phase.values:
        errors["phase"] = [_("Choose one of: %(values)s.") % {"values": ", ".join(Phase.values)}]
    if outcome and outcome not in Outcome.values:
        errors["outcome"] = [_("Choose one of: %(values)s.") % {"values": ", ".join(Outcome.values)}]
    if errors:
        raise Invalid(errors=errors)


def journal(source: Import, *, phase: str = "", outcome: str = "") -> QuerySet:
    """The journal rows of one phase of the import (the shown one by default), by row number; Invalid for an
    unknown phase or outcome. `outcome` may also be "problems": the failed and skipped rows."""
    problems = outcome == "problems"
    _checked_filters(phase, "" if problems else outcome)
    rows = ImportRow.objects.filter(source=source, phase=phase or shown_phase(source))
    if problems:
        rows = rows.filter(outcome__in=(Outcome.FAILED, Outcome.SKIPPED))
    elif outcome:
        rows = rows.filter(outcome=outcome)
    return rows.order_by("number", "id")


def journal_page(source: Import, *, phase: str = "", outcome: str = "", number=1, size=JOURNAL_PAGE_SIZE) -> Page:
    """One page of the journal (two queries), each row with the address of its record when it has one."""
    page = page_of(journal(source, phase=phase, outcome=outcome), number, size)
    with_links(source, page.items)
    return page


def record_address(target_key: str) -> Callable[[object], str] | None:
    """A function giving the address of a record of this target, None when its records have no page."""
    view = RECORD_VIEWS.get(target_key)
    return address_of(view) if view else None


def with_links(source: Import, rows: list[ImportRow]) -> list[ImportRow]:
    """Set `url` on each journal row: its record's page, when the record is still there to open."""
    address = record_address(source.target)
    ids = {row.object_id for row in rows if row.object_id and row.outcome != Outcome.FAILED}
    alive = set()
    if address and ids and source.status != Status.UNDONE:
        model = target(source.target).model
        alive = set(model._default_manager.filter(pk__in=ids).values_list("pk", flat=True))
    for row in rows:  # `url` is no field: the journal screen shows it
        row.url = address(row.object_id) if address and row.object_id in alive else ""  # type: ignore[attr-defined]
    return rows


def counts_of(source: Import) -> dict[str, int]:
    """How many rows ended each way: the run's counters once it has run, the dry run's counts before."""
    if shown_phase(source) == Phase.RUN:
        return {name: getattr(source, name) for name in ("created", "updated", "skipped", "failed")}
    return {name: int(source.check_counts.get(name, 0)) for name in ("created", "updated", "skipped", "failed")}


def progress_of(source: Import) -> tuple[int, int | None]:
    """(rows done, rows in all) of the job at work: the dry run's count while checking, the run's otherwise."""
    done = int(source.check_counts.get("rows", 0)) if source.status == Status.CHECKING else source.rows_done
    return done, source.total_rows


def report_lines(source: Import, *, base_url: str = "") -> Iterator[list[str]]:
    """The report as CSV lines: a header, then every journal row (row number, outcome, reason, record id and link).

    Read in chunks (constant memory whatever the file); every text cell is neutralized, since
    reasons quote the file's own cells. `base_url` ("https://host") makes the links absolute.
    """
    yield [_("Row"), _("Outcome"), _("Reason"), _("Record"), _("Link")]
    address = record_address(source.target)
    labels = dict(Outcome.choices)
    rows = journal(source).values_list("number", "outcome", "message", "object_id")
    for number, outcome, message, object_id in rows.iterator(chunk_size=2000):
        link = f"{base_url}{address(object_id)}" if address and object_id else ""
        yield [
            str(number),
            neutralized(str(labels.get(outcome, outcome))),
            neutralized(message),
            str(object_id or ""),
            neutralized(link),
        ]


def report_csv(source: Import, *, base_url: str = "") -> Iterator[str]:
    """The report as the text of a CSV file, line by line: UTF-8 with a BOM so that Excel reads it right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for line in report_lines(source, base_url=base_url):
        writer.writerow(line)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def report_name(source: Import) -> str:
    """The report's file name: the import's file name (safe characters only) and "report"."""
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in source.file_name.rsplit(".", 1)[0])[:60]
    return f"{stem or 'import'}-report.csv"


# Saved mappings


def mappings_of(actor, target_key: str = "") -> QuerySet:
    """The mappings the user saved (for one target when given), by name."""
    mappings = Mapping.objects.filter(owner=actor)
    if target_key:
        mappings = mappings.filter(target=target_key)
    return mappings.order_by("name", "id")


def get_mapping_for(actor, pk) -> Mapping:
    """One of the user's saved mappings; NotFound for another's or an unknown one."""
    try:
        return Mapping.objects.get(pk=int(pk), owner=actor)
    except (Mapping.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None
