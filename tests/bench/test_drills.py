"""The fault drills' and the load generator's own logic: what they count as lost, half-written or recovered."""

import random
import sqlite3

import pytest

from bench import drills, load
from carte.transfer import running


def _state(**changes) -> drills.ImportState:
    values = {
        "status": "running",
        "rows_done": 1000,
        "total": 3000,
        "created": 990,
        "skipped": 10,
        "failed": 0,
        "clients": 990,
        "distinct": 990,
    }
    return drills.ImportState(**(values | changes))


def test_the_drills_batch_is_the_imports_batch():
    assert drills.BATCH == running.BATCH


def test_whole_batches_counted_right_are_no_half_batch():
    assert not _state().half_batch()
    assert not _state(rows_done=3000, total=3000, created=2990, clients=2990, distinct=2990).half_batch()
    assert not _state(rows_done=2900, total=2900, created=2890, clients=2890, distinct=2890).half_batch()


@pytest.mark.parametrize(
    "changes",
    [
        {"rows_done": 750, "created": 740, "clients": 740, "distinct": 740},  # half a batch saved
        {"clients": 1240, "distinct": 1240},  # clients saved that the counters do not count
        {"created": 1000, "skipped": 10},  # counters beyond the rows done
        {"distinct": 900},  # rows saved twice (a batch run again after a resume)
    ],
)
def test_a_batch_cut_or_run_twice_is_seen(changes):
    assert _state(**changes).half_batch()


def test_the_drills_database_is_never_the_bench_one():
    url = drills.scratch_url("postgres://postgres@127.0.0.1:5432/carte_bench")
    assert url == "postgres://postgres@127.0.0.1:5432/carte_bench_drills"
    assert drills.scratch_url("sqlite:///var/bench/carte_bench.sqlite3").endswith(
        "/drills/sqlite/carte_bench_drills.sqlite3"
    )
    with pytest.raises(ValueError, match="must contain 'bench'"):
        drills.Scratch("postgres://postgres@127.0.0.1:5432/carte").drop()


@pytest.fixture
def tables(tmp_path, monkeypatch):
    """The four tables a client's creation writes, with only the columns the drills read."""
    path = tmp_path / "carte_bench_drills.sqlite3"
    link = sqlite3.connect(path)
    link.executescript(
        "CREATE TABLE clients_client (id INTEGER PRIMARY KEY, name TEXT);"
        "CREATE TABLE clients_phone (id INTEGER PRIMARY KEY, client_id INTEGER);"
        "CREATE TABLE clients_timelineentry (id INTEGER PRIMARY KEY, client_id INTEGER, kind TEXT, summary TEXT);"
        "CREATE TABLE core_auditentry (id INTEGER PRIMARY KEY, model TEXT, object_id TEXT, verb TEXT);"
    )
    for pk, whole in ((1, True), (2, True), (3, False)):
        link.execute("INSERT INTO clients_client VALUES (?, ?)", (pk, f"Drill api w0-{pk}"))
        link.execute("INSERT INTO clients_phone (client_id) VALUES (?)", (pk,))
        link.execute("INSERT INTO clients_timelineentry (client_id, kind) VALUES (?, 'created')", (pk,))
        if whole:
            link.execute(
                "INSERT INTO core_auditentry (model, object_id, verb) VALUES ('clients.client', ?, 'create')",
                (str(pk),),
            )
    link.execute("INSERT INTO clients_timelineentry (client_id, kind, summary) VALUES (1, 'note', 'Drill note w0-9')")
    link.commit()
    link.close()
    return drills.Scratch(f"sqlite:///{path}")


def test_a_client_without_its_audit_entry_is_half_written(tables):
    assert tables.half_written_clients() == [3]


def test_an_acknowledged_write_missing_or_changed_is_lost(tables):
    writes = drills.Writes(clients={1: "Drill api w0-1", 2: "Drill api w0-2"}, notes=[(1, "Drill note w0-9")])
    assert drills.missing_writes(tables, writes) == []
    writes.clients |= {2: "Drill api other", 7: "Drill api w0-7"}
    writes.notes.append((2, "Drill note w0-10"))
    assert drills.missing_writes(tables, writes) == [
        "client 2 'Drill api other'",
        "client 7 'Drill api w0-7'",
        "note 'Drill note w0-10' of client 2",
    ]


def test_a_writer_told_to_come_back_later_is_no_server_error():
    writes = drills.Writes()
    writes.statuses.update({201: 10, 503: 2, 500: 1})
    assert (writes.server_errors, writes.shed) == (1, 2)


def test_a_sound_sqlite_file_passes_the_integrity_check(tables):
    assert tables.integrity() == []


def test_the_arrivals_are_evenly_spaced_at_each_phase_rate():
    moments = load.schedule([(100, 2), (300, 1)])
    assert len(moments) == 500
    assert moments[1] - moments[0] == pytest.approx(0.01)
    assert moments[-1] - moments[-2] == pytest.approx(1 / 300)
    assert moments[200] == pytest.approx(2.0)


def test_the_mix_draws_the_issue_shares():
    mix = load.Mix.__new__(load.Mix)  # kind() needs no sample
    chance = random.Random(4)
    drawn = [mix.kind(chance.random()) for _ in range(20_000)]
    assert drawn.count("read") / len(drawn) == pytest.approx(0.70, abs=0.015)
    assert drawn.count("write") / len(drawn) == pytest.approx(0.20, abs=0.015)
    assert drawn.count("search") / len(drawn) == pytest.approx(0.10, abs=0.015)


def _done(second: float, ms: float, kind: str = "read", status: int = 200, retry: bool = False) -> load.Done:
    return load.Done(second, kind, "list", ms, status, retry)


def test_recovery_is_the_first_second_from_which_every_window_meets_the_targets():
    slow_until = 12  # the spike ends at 10; reads stay slow for two more seconds, then one slow blip at 14
    done = [_done(second + part / 10, 900 if second < slow_until else 50) for second in range(30) for part in range(10)]
    done.append(_done(14.5, 5000))  # one in 50: the p95 of its windows stays under the target
    assert load.recovery_seconds(done, spike_end=10, end=30) == 2.0


def test_no_recovery_when_the_last_windows_miss_the_targets():
    done = [_done(second + 0.5, 900) for second in range(30)]
    assert load.recovery_seconds(done, spike_end=10, end=30) is None


def test_only_shedding_with_retry_after_degrades_gracefully():
    done = [_done(1, 10, status=503, retry=True), _done(1, 10, status=429, retry=True)]
    assert not any(load.bad_answers(done).values())
    assert load.bad_answers([_done(1, 10, status=503)])["shed_without_retry_after"] == 1
    assert load.bad_answers([_done(1, 10, status=500)])["errors"] == 1
    assert load.bad_answers([_done(1, 10, status=0)])["unanswered"] == 1
    assert load.figures([_done(1, 10, status=500), _done(1, 10, status=503, retry=True)])["server_errors"] == 1


def test_memory_growth_compares_the_first_and_last_minutes_after_warm_up():
    samples = [(second, 100.0 if second < 600 else 115.0) for second in range(0, 1200, 10)]
    assert load.memory_growth(samples) == {"first": 100.0, "last": 115.0, "growth": 0.15}
    assert load.memory_growth([(0, 100.0)])["growth"] is None
