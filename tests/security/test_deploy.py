"""`carte check --deploy`: the production settings the README documents pass, and each bad setting
fails with one line naming it. Run as an administrator would: `carte` in a separate process."""

import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from carte.core.checks import deploy_problems

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_production_settings() -> dict[str, str]:
    """The CARTE_* variables exported in the README's "In production" section."""
    text = README.read_text()
    section = text.split("## In production", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    found = {}
    for line in block.splitlines():
        if line.startswith("export "):
            command = line.split("#", 1)[0]
            found |= dict(re.findall(r"(CARTE_\w+)=(\S+)", command))
    return found


def carte(*args, env: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CARTE_VAR_DIR": str(tmp_path / "var")}
    return subprocess.run(
        [sys.executable, "-m", "carte.cli", *args], capture_output=True, text=True, env=base | env, timeout=120
    )


def database_url(folder: Path) -> str:
    """A migrated database for the `carte` process: on PostgreSQL the test database itself; on SQLite, whose
    test database lives in this process's memory, a file of its own migrated by `carte migrate`."""
    from django.db import connection

    if connection.vendor == "postgresql":
        given = connection.settings_dict
        password = f":{quote(given['PASSWORD'], safe='')}" if given["PASSWORD"] else ""
        user = quote(given["USER"], safe="")
        return f"postgres://{user}{password}@{given['HOST']}:{given['PORT'] or 5432}/{given['NAME']}"
    url = f"sqlite:///{folder}/carte.sqlite3"
    migrated = carte("migrate", "--verbosity", "0", env={"CARTE_DATABASE_URL": url}, tmp_path=folder)
    assert migrated.returncode == 0, migrated.stderr
    return url


@pytest.fixture(scope="module")
def production(tmp_path_factory, django_db_setup, django_db_blocker) -> tuple[dict, Path]:
    """The README's production settings on this machine: this test run's database instead of the README's
    PostgreSQL server, no Redis (plain `carte check` checks CARTE_REDIS_URL), and a real secret key for
    the "…" the README leaves to fill."""
    folder = tmp_path_factory.mktemp("production")
    settings = readme_production_settings()
    assert {"CARTE_SECRET_KEY", "CARTE_ALLOWED_HOSTS", "CARTE_BASE_URL", "CARTE_EMAIL_URL"} <= set(settings)
    settings.pop("CARTE_REDIS_URL", None)
    with django_db_blocker.unblock():
        url = database_url(folder)
    return settings | {"CARTE_DATABASE_URL": url, "CARTE_SECRET_KEY": secrets.token_urlsafe(50)}, folder


def test_the_readmes_production_settings_pass_the_deploy_check(production):
    settings, folder = production
    result = carte("check", "--deploy", env=settings, tmp_path=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "carte check: configuration and database OK, ready for production"


def test_bad_production_settings_fail_the_deploy_check_one_line_each(production):
    settings, folder = production
    bad = {"CARTE_DEBUG": "1", "CARTE_SECRET_KEY": "…", "CARTE_EMAIL_URL": "console://"}
    result = carte("check", "--deploy", env=settings | bad, tmp_path=folder)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert all(line.startswith("carte check: ") for line in lines)
    for said in ("CARTE_DEBUG is on", "CARTE_SECRET_KEY is too short", "CARTE_EMAIL_URL is console://"):
        assert len([line for line in lines if said in line]) == 1, lines


# Each production check in this process, on the README's settings as Django derives them from the
# variables (above) with one thing wrong.
PRODUCTION = {
    "DEBUG": False,
    "BASE_URL": "https://crm.example.com",
    "ALLOWED_HOSTS": ["crm.example.com"],
    "BEHIND_PROXY": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "SECRET_KEY": "k" + secrets.token_urlsafe(50),
}
WRONG = {
    "debug": ({"DEBUG": True}, "CARTE_DEBUG is on"),
    "plain http": ({"BASE_URL": "http://crm.example.com"}, "CARTE_BASE_URL is not https://"),
    "no proxy": ({"BEHIND_PROXY": False, "SECURE_PROXY_SSL_HEADER": None}, "CARTE_BEHIND_PROXY is not 1"),
    "any host": ({"ALLOWED_HOSTS": ["*"]}, "CARTE_ALLOWED_HOSTS contains *"),
    "only this machine": ({"ALLOWED_HOSTS": ["127.0.0.1", "localhost"]}, "CARTE_ALLOWED_HOSTS names only this machine"),
    "base url elsewhere": ({"ALLOWED_HOSTS": ["crm.example.org"]}, "(crm.example.com) is not in CARTE_ALLOWED_HOSTS"),
    "plain cookies": ({"SESSION_COOKIE_SECURE": False}, "cookies are not Secure"),
    "no hsts": ({"SECURE_HSTS_SECONDS": 0}, "HSTS is off"),
    "mail to the log": (
        {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
        "CARTE_EMAIL_URL is console://",
    ),
    "short key": ({"SECRET_KEY": "x" * 49}, "CARTE_SECRET_KEY is too short"),
    "simple key": ({"SECRET_KEY": "ab" * 40}, "CARTE_SECRET_KEY is too short or too simple"),
}


@pytest.fixture
def production_settings(settings, monkeypatch):
    monkeypatch.setenv("CARTE_SECRET_KEY", "given")
    # The browser tests' conftest allows sync database calls from async code in this process;
    # a production process never does, and Django's check would rightly name it.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    for name, value in PRODUCTION.items():
        setattr(settings, name, value)
    return settings


def test_the_production_settings_raise_no_deploy_problem(production_settings):
    assert deploy_problems() == []


@pytest.mark.parametrize("case", WRONG)
def test_each_wrong_production_setting_is_one_line(production_settings, case):
    change, said = WRONG[case]
    for name, value in change.items():
        setattr(production_settings, name, value)
    found = deploy_problems()
    assert len([line for line in found if said in line]) == 1, found
    assert all("\n" not in line for line in found)


def test_a_secret_key_left_to_the_generated_file_is_named(production_settings, monkeypatch):
    monkeypatch.delenv("CARTE_SECRET_KEY")
    assert deploy_problems() == [
        "CARTE_SECRET_KEY is not set: give every web process and worker the same 50 random characters"
    ]
