"""PostgreSQL scratch databases of verifications ("carte_verify_…"): one left by a verification
killed with kill -9 is dropped by the next one; one in use, or another machine's, is kept.

A scratch database's lock file in the backup folder is held while it lives (carte.backups.locks):
kill -9 leaves the file but lets go of the lock, and that is how a left one is known.
"""

import os
import secrets
import signal

import pytest
from django.db import connection
from psycopg import sql

from carte.backups import engine, locks, postgres
from tests.backups.files import backup_process, database_url

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="scratch databases are PostgreSQL's")

VERIFYING_SCRIPT = """
import sys, time
import django
django.setup()
from carte.backups import postgres
with postgres._scratch_database() as name:
    print(name, flush=True)
    time.sleep(600)
"""


def databases() -> set[str]:
    with postgres._connect() as server:
        return {row[0] for row in server.execute(postgres.SCRATCH_DATABASES, ["carte\\_verify\\_%"])}


@pytest.fixture
def made_by_hand(folders):
    """Make scratch databases as a verification names them; drops whatever is left at the end."""
    made = []

    def make() -> str:
        name = f"{postgres.SCRATCH_PREFIX}{secrets.token_hex(6)}"
        with postgres._connect(autocommit=True) as server:
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        made.append(name)
        return name

    yield make
    for name in made:
        postgres._drop(name)


def lock_of(name: str, folders):
    return folders.backups / f".{name}.lock"


def left_by_a_dead_process(name: str, folders) -> None:
    """The lock file as kill -9 leaves it: there, and held by nobody."""
    folders.backups.mkdir(exist_ok=True)
    lock_of(name, folders).touch()


@pytest.mark.django_db
def test_a_scratch_database_of_a_killed_verification_is_dropped_by_the_cleanup(folders):
    process, name = backup_process(database_url(folders.root), folders, script=VERIFYING_SCRIPT), ""
    try:
        name = process.stdout.readline().strip()
        assert name.startswith(postgres.SCRATCH_PREFIX), process.stderr.read()
        assert postgres.drop_abandoned_scratch_databases() == []  # alive: kept
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert name in databases() and lock_of(name, folders).exists()

        assert postgres.drop_abandoned_scratch_databases() == [name]
    finally:
        process.kill()
        process.wait()
        process.stdout.close()
        process.stderr.close()
        if name.startswith(postgres.SCRATCH_PREFIX):
            postgres._drop(name)
    assert name not in databases()
    assert not lock_of(name, folders).exists()


@pytest.mark.django_db
def test_a_scratch_database_in_use_or_without_a_lock_file_is_kept(folders, made_by_hand):
    in_use, elsewhere, left = made_by_hand(), made_by_hand(), made_by_hand()
    left_by_a_dead_process(left, folders)
    with locks.held(lock_of(in_use, folders)):
        assert postgres.drop_abandoned_scratch_databases() == [left]
        assert {in_use, elsewhere} <= databases()
    assert left not in databases()


@pytest.mark.django_db(transaction=True)
def test_the_next_verification_drops_a_scratch_database_left_behind(company, made_by_hand):
    path, _manifest = engine.make_archive()
    left = made_by_hand()
    left_by_a_dead_process(left, company)
    engine.verify_archive(path)
    assert left not in databases()
    assert not list(company.backups.glob(".carte_verify_*.lock"))  # the verification's own lock went too
