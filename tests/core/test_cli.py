"""The `carte` command, run as an administrator would: in a separate process, on a fresh folder."""

import sqlite3
import subprocess
import sys

import pytest

from tests import own_sqlite_database


def carte(*args, env_extra=None, tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "CARTE_VAR_DIR": str(tmp_path / "var"),
        "HOME": str(tmp_path),
        **(env_extra or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "carte.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_wrong_database_url_gives_one_clear_line(tmp_path):
    result = carte("check", env_extra={"CARTE_DATABASE_URL": "mysql://nobody@nowhere/db"}, tmp_path=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "CARTE_DATABASE_URL" in result.stderr


def test_unreachable_postgres_is_one_line_per_problem(tmp_path):
    url = "postgres://carte@127.0.0.1:1/nowhere"
    result = carte("check", env_extra={"CARTE_DATABASE_URL": url}, tmp_path=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "database cannot be reached" in result.stdout


def test_migrate_on_unreachable_database_is_one_line(tmp_path):
    url = "postgres://carte@127.0.0.1:1/nowhere"
    result = carte("migrate", env_extra={"CARTE_DATABASE_URL": url}, tmp_path=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("carte: cannot use the database")


@pytest.mark.slow
@own_sqlite_database
def test_init_creates_admin_once_and_keeps_data(tmp_path):
    first = carte("init", "--no-demo", tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Administrator login: admin / " in first.stdout
    second = carte("init", "--no-demo", tmp_path=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "Administrator login" not in second.stdout

    database = sqlite3.connect(tmp_path / "var" / "carte.sqlite3")
    assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute("select count(*) from accounts_employee").fetchone()[0] == 1
    check = carte("check", tmp_path=tmp_path)
    assert check.returncode == 0, check.stdout
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0


def test_check_warns_when_served_to_the_network_without_https(tmp_path):
    env = {"CARTE_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "CARTE_ALLOWED_HOSTS": "crm.example.com"}
    result = carte("check", env_extra=env, tmp_path=tmp_path)
    assert "CARTE_BASE_URL is not https://" in result.stdout
