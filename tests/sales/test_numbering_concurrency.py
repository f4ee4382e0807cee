"""Gap-free numbering under concurrent creation, proved on PostgreSQL: many threads, then many processes.

Each thread has its own database connection (Django gives one per thread); each process is a
separate Python running carte's settings against the test database. Whatever the interleaving,
the invoices of a year are numbered 1..N, once each; a creation rolled back gives its number back.
SQLite has a single writer, so there the race cannot happen: these tests run on PostgreSQL only.
"""

import os
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, connections, transaction

from carte.sales.models import SalesDocument
from carte.sales.services import documents as services
from tests.documents.helpers import deal_with_lines

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and concurrent writers"),
]
THREADS = 8
PER_THREAD = 5
PROCESSES = 4
PER_PROCESS = 10
ROOT = Path(__file__).resolve().parents[2]


class Boom(Exception):
    """A creation that fails after it took its number."""


def sequences() -> list[int]:
    return list(SalesDocument.objects.filter(kind="invoice").order_by("sequence").values_list("sequence", flat=True))


def test_invoices_from_many_threads_are_numbered_without_gap_or_duplicate(alice):
    deal = deal_with_lines(alice)
    start = threading.Barrier(THREADS + 1)
    failures: list[BaseException] = []
    rolled_back: list[int] = []

    def create(index: int):
        try:
            start.wait()
            for round_ in range(PER_THREAD):
                if index == 0 and round_ == 2:
                    # This creation takes a number, then fails: its transaction and its number are undone.
                    try:
                        with transaction.atomic():
                            document = services.create_from_deal(actor=alice, deal=deal, kind="invoice")
                            rolled_back.append(document.sequence)
                            raise Boom
                    except Boom:
                        continue
                services.create_from_deal(actor=alice, deal=deal, kind="invoice")
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    start.wait()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(rolled_back) == 1
    made = THREADS * PER_THREAD - 1
    assert sequences() == list(range(1, made + 1))
    numbers = list(SalesDocument.objects.values_list("number", flat=True))
    assert len(set(numbers)) == made


SCRIPT = """
import sys
import django

django.setup()
from django.contrib.auth import get_user_model
from django.db import connections
from carte.sales.models import Deal
from carte.sales.services.documents import create_from_deal

deal_id, actor_id, count = (int(value) for value in sys.argv[1:4])
deal = Deal.objects.get(pk=deal_id)
actor = get_user_model().objects.get(pk=actor_id)
sys.stdin.readline()  # wait for the start signal, so the processes race
for _ in range(count):
    create_from_deal(actor=actor, deal=deal, kind="invoice")
connections.close_all()
print("done")
"""


def _database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


def test_invoices_from_many_processes_are_numbered_without_gap_or_duplicate(alice, tmp_path):
    deal = deal_with_lines(alice)
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "carte.settings",
        "CARTE_DATABASE_URL": _database_url(),  # the test database, which this test has committed to
        "CARTE_VAR_DIR": str(tmp_path),
        "CARTE_SECRET_KEY": "test-only-" + "x" * 40,
        "PYTHONPATH": str(ROOT),
    }
    environment.pop("CARTE_REDIS_URL", None)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(deal.pk), str(alice.pk), str(PER_PROCESS)],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    try:
        for process in processes:  # every process is set up: let them all go at once
            process.stdin.write("go\n")
            process.stdin.flush()
        results = [process.communicate(timeout=300) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    for process, (out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
        assert out.strip() == "done"
    made = PROCESSES * PER_PROCESS
    assert sequences() == list(range(1, made + 1))
    assert SalesDocument.objects.values("number").distinct().count() == made
