"""Security defaults of carte.settings, read in a fresh process as production would."""

import json
import os
import subprocess
import sys

import pytest


def production_settings(tmp_path, **env):
    script = (
        "import json, carte.settings as s; print(json.dumps({'hashers': s.PASSWORD_HASHERS, 'debug': s.DEBUG, "
        "'secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE, 'hsts': s.SECURE_HSTS_SECONDS, "
        "'db': s.DATABASES['default']['OPTIONS']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={"CARTE_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_passwords_are_hashed_with_argon2_and_debug_is_off(tmp_path):
    values = production_settings(tmp_path)
    assert values["hashers"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert values["debug"] is False


def test_https_installations_get_secure_cookies_and_hsts(tmp_path):
    values = production_settings(tmp_path, CARTE_BASE_URL="https://crm.example.com")
    assert values["secure"] and values["csrf_secure"]
    assert values["hsts"] >= 31536000


def test_embedded_sqlite_runs_with_wal_and_a_busy_timeout(tmp_path):
    options = production_settings(tmp_path)["db"]
    assert "journal_mode=WAL" in options["init_command"]
    assert options["timeout"] >= 5


def test_only_the_web_server_pools_postgresql_connections(tmp_path):
    url = {"CARTE_DATABASE_URL": "postgres://carte@127.0.0.1:5432/carte?sslmode=require"}
    one_off = production_settings(tmp_path, **url)["db"]
    assert "pool" not in one_off and one_off["sslmode"] == "require"
    served = production_settings(tmp_path, **url, CARTE_DATABASE_POOL_SIZE="20")["db"]
    assert served["pool"]["max_size"] == 20 and served["sslmode"] == "require"


def test_carte_serve_sizes_the_pool_from_the_requests_it_admits(monkeypatch):
    from carte import cli

    monkeypatch.setenv("CARTE_DATABASE_POOL_SIZE", "")  # so that the teardown removes what the call sets
    monkeypatch.delenv("CARTE_DATABASE_POOL_SIZE")
    monkeypatch.setenv("CARTE_MAX_IN_FLIGHT", "6")
    cli._pool_connections()
    assert os.environ["CARTE_DATABASE_POOL_SIZE"] == "10"  # one per admitted request, four for the live hub


@pytest.mark.django_db
def test_every_page_has_a_strict_content_security_policy(client, alice):
    client.force_login(alice)
    for url in ("/", "/clients/", "/accounts/login/", "/no-such-page/"):
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_sqlite_enforces_foreign_keys():
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL always enforces foreign keys")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1


def test_the_suite_runs_on_the_database_it_was_asked_for():
    """`make test` runs once on SQLite and once on CARTE_TEST_DATABASE_URL: each run must be what it says."""
    import os

    from django.db import connection

    expected = "postgresql" if os.environ.get("CARTE_TEST_DATABASE_URL") else "sqlite"
    assert connection.vendor == expected
