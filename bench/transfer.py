"""The import and export checks: clients imported from a CSV file, a million rows in bounded memory, an export.

- `import_clients`: a 100,000-row CSV of companies (name, email, phone, city, tax id), one row
  in twenty an existing client of the data set (by email: skipped as a duplicate) and one in a
  hundred a repeat of an earlier row of the file, uploaded and run through the import service
  as the worker runs it: rows per second over the run, counts verified, then undone (timed too)
  so the data set stays as built.
- `import_memory`: a 1,000,000-row file through the dry run (every row read, mapped, checked
  and matched against the database: the import's whole reading path) in a worker process of
  its own; its peak resident memory.
- `export_clients`: the companies of the data set (100,000 in the medium set) written to CSV by
  the export service's background job, with the list's columns, as an administrator: rows per second.
"""

import csv
import random
import subprocess
import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File

from bench.databases import BENCH_DIR
from carte.clients.models import Client, Email
from carte.transfer import running
from carte.transfer.models import Export, Import
from carte.transfer.services import imports

IMPORTER = "bench.importer"
IMPORT_ROWS = 100_000
MEMORY_ROWS = 1_000_000
EXPORT_ROWS = 100_000
IMPORT_TARGET = 5_000  # rows per second
EXPORT_TARGET = 20_000  # rows per second
MEMORY_TARGET_MB = 300
HEADER = ["Name", "Email", "Phone", "City", "SIREN", "Notes"]
WORDS = ("Atelier", "Nova", "Boréal", "Cobalt", "Delta", "Ember", "Fjord", "Garnet", "Helix", "Iris", "Jade",
         "Kestrel", "Lumen", "Mistral", "Nordic", "Opale", "Pixel", "Quartz", "Rivage", "Sable")  # fmt: skip
FORMS = ("SARL", "SAS", "SA", "Ltd", "ООО", "GmbH")
CITIES = ("Paris", "Lyon", "Lille", "Nantes", "Москва", "Berlin")


def _admin():
    """The administrator the checks act as (the data set's staff has none): made once, inert otherwise."""
    from carte.accounts.models import Role

    admin, _made = get_user_model().objects.get_or_create(
        username=IMPORTER,
        defaults={"first_name": "Bench", "last_name": "Importer", "role": Role.objects.get(key="administrator")},
    )
    return admin


def _siren(number: int) -> str:
    """A valid SIREN (Luhn) made from a number: eight digits and their check digit."""
    digits = f"{number % 10**8:08d}"
    total = 0
    for position, digit in enumerate(reversed(digits + "0")):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return digits + str((10 - total % 10) % 10)


def write_clients_csv(path: Path, rows: int, seed: int, existing: list[str]) -> int:
    """A semicolon CSV as a French spreadsheet saves it; answers how many rows repeat existing clients."""
    chance = random.Random(seed)
    repeated = 0
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADER)
        for index in range(rows):
            if existing and index % 20 == 7:
                email = existing[(index // 20) % len(existing)]
                repeated += 1
            elif index % 100 == 51:
                email = f"contact{index - 1}@bench-import.example"  # the row before: a repeat within the file
            else:
                email = f"contact{index}@bench-import.example"
            name = f"{chance.choice(WORDS)} {chance.choice(WORDS)} {index} {chance.choice(FORMS)}"
            digits = f"{index:08d}"
            phone = f"+33 9 {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}"
            notes = "Client depuis 2019; relancer au printemps" if index % 3 == 0 else ""
            writer.writerow([name, email, phone, chance.choice(CITIES), _siren(700_000_00 + index), notes])
    return repeated


def _uploaded(path: Path, actor) -> Import:
    with open(path, "rb") as handle:
        source = imports.upload(actor=actor, target_key="clients", file=File(handle), file_name=path.name)
    return imports.configure(actor=actor, source=source, mapping=source.mapping, options={"duplicates": "skip"})


def import_clients(seed: int, rows: int = IMPORT_ROWS) -> dict:
    """Import `rows` rows through the service and the worker's run; verify, then undo."""
    actor = _admin()
    existing = list(Email.objects.order_by("pk").values_list("address", flat=True)[:5000])
    path = BENCH_DIR / "import-clients.csv"
    repeated = write_clients_csv(path, rows, seed, existing)
    before = Client.objects.count()
    source = _uploaded(path, actor)
    Import.objects.filter(pk=source.pk).update(status=Import.Status.QUEUED)
    started = time.perf_counter()
    running.run(source.pk)
    seconds = time.perf_counter() - started
    source.refresh_from_db()
    created = Client.objects.count() - before
    # Every row saved or skipped; at least the planted repeats skipped (a generated phone or tax id
    # may also meet one of the data set's).
    verified = (
        source.status == Import.Status.DONE
        and source.created == created
        and source.created + source.skipped == rows
        and source.skipped >= repeated + rows // 100
        and source.failed == 0
    )
    Import.objects.filter(pk=source.pk).update(status=Import.Status.UNDOING)
    undo_started = time.perf_counter()
    running.undo(source.pk)
    undo_seconds = time.perf_counter() - undo_started
    gone = Client.objects.count() == before
    imports.path_of(source).unlink(missing_ok=True)
    path.unlink(missing_ok=True)
    source.delete()
    rate = rows / seconds
    return {
        "name": "import clients",
        "rows": rows,
        "rows_per_second": round(rate),
        "seconds": round(seconds, 1),
        "rows_created": source.created,
        "rows_skipped": source.skipped,
        "rows_failed": source.failed,
        "verified": verified,
        "undo_seconds": round(undo_seconds, 1),
        "undone": gone,
        "target_rows_per_second": IMPORT_TARGET,
        "met": verified and gone and rate >= IMPORT_TARGET,
    }


def import_memory(seed: int) -> dict:
    """The dry run of a MEMORY_ROWS-row file in a worker process of its own; its peak memory."""
    actor = _admin()
    path = BENCH_DIR / "import-million.csv"
    write_clients_csv(path, MEMORY_ROWS, seed, [])
    source = _uploaded(path, actor)
    Import.objects.filter(pk=source.pk).update(status=Import.Status.CHECKING)
    started = time.perf_counter()
    worker = [sys.executable, "-m", "bench.import_worker", str(source.pk)]
    printed = subprocess.run(worker, check=True, capture_output=True, text=True).stdout.split()
    seconds = time.perf_counter() - started
    peak_mb = int(printed[-1]) / 1024
    source.refresh_from_db()
    checked = source.check_counts.get("rows", 0)
    imports.path_of(source).unlink(missing_ok=True)
    path.unlink(missing_ok=True)
    source.delete()
    return {
        "name": "import memory",
        "rows": checked,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_mb),
        "target_mb": MEMORY_TARGET_MB,
        "met": checked == MEMORY_ROWS and peak_mb <= MEMORY_TARGET_MB,
    }


def export_clients(inline_rows: int | None = None) -> dict:
    """The data set's companies (100,000 in the medium set) to CSV, the list's columns, as the worker writes them."""
    from carte.transfer.services import exports

    actor = _admin()
    export = exports.export_list(actor=actor, list_key="clients", params={"kind": "company"}, file_format="csv")
    if inline_rows is not None and not isinstance(export, Export):  # a small data set: sent at once
        started = time.perf_counter()
        written = sum(1 for _chunk in export.chunks) and export.rows
        seconds = time.perf_counter() - started
        return {"name": "export clients", "rows": written, "rows_per_second": round(written / seconds)}
    started = time.perf_counter()
    done = exports.write_export(export.pk) if isinstance(export, Export) else None
    seconds = time.perf_counter() - started
    written = done.rows if done is not None else 0
    if done is not None and done.stored_name:
        (exports.exports_dir() / done.stored_name).unlink(missing_ok=True)
    rate = written / seconds
    return {
        "name": "export clients",
        "rows": written,
        "rows_per_second": round(rate),
        "seconds": round(seconds, 1),
        "target_rows_per_second": EXPORT_TARGET,
        "met": written >= min(EXPORT_ROWS, Client.objects.companies().count()) and rate >= EXPORT_TARGET,
    }
