"""What `carte check` verifies: each problem as one line an admin can act on.

`carte check --deploy` adds what a production installation needs (deploy_problems): Carte's own
checks of the CARTE_* settings, then Django's deployment checks, warnings included.
"""

import os
from collections.abc import Iterator
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks as django_checks
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http.request import validate_host


def problems(*, deploy: bool = False) -> list[str]:
    found = []
    found += _database()
    if not found:
        found += _migrations()
    found += _redis()
    found += _folders()
    # --deploy says the https problems in its own, stricter lines.
    found += deploy_problems() if deploy else _https() + _system_checks()
    return found


def _database() -> list[str]:
    try:
        connection.ensure_connection()
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return [f"the database cannot be reached: {first} (check CARTE_DATABASE_URL)"]
    return []


def _migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        return [f"{len(pending)} database migration(s) are not applied: run `carte migrate`"]
    return []


def _redis() -> list[str]:
    if not settings.REDIS_URL:
        return []
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:
        return [f"Redis at CARTE_REDIS_URL cannot be reached: {exc}"]
    return []


def _folders() -> list[str]:
    found = []
    for label, path in (("CARTE_VAR_DIR", settings.VAR_DIR), ("CARTE_MEDIA_ROOT", settings.MEDIA_ROOT)):
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            found.append(f"{label} folder {path} cannot be created: {exc.strerror}")
            continue
        if not os.access(path, os.W_OK):
            found.append(f"{label} folder {path} is not writable")
    return found


LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _https() -> list[str]:
    """Served beyond this machine without https in CARTE_BASE_URL, cookies would travel unprotected."""
    outside = [host for host in settings.ALLOWED_HOSTS if host not in LOOPBACK_HOSTS]
    if outside and not settings.HTTPS and not settings.SESSION_COOKIE_SECURE:
        return [
            f"Carte answers to {', '.join(outside)} but CARTE_BASE_URL is not https://: "
            "session cookies are sent without Secure and there is no HSTS"
        ]
    return []


def _system_checks() -> list[str]:
    messages = django_checks.run_checks(include_deployment_checks=not settings.DEBUG)
    return [f"{m.id}: {m.msg}" for m in messages if m.level >= django_checks.ERROR]


# ---------------------------------------------------------------------------------------------
# Production (carte check --deploy)
# ---------------------------------------------------------------------------------------------

SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_CHARACTERS = 5


def deploy_problems() -> list[str]:
    """Carte's production checks, then Django's deployment checks (warnings too) that they do not already say."""
    found, said = [], set()
    for line, django_ids in _production():
        found.append(line)
        said |= django_ids
    messages = django_checks.run_checks(include_deployment_checks=True)
    found += [
        f"{m.id}: {m.msg}"
        for m in messages
        if m.level >= django_checks.WARNING and not m.is_silenced() and m.id not in said
    ]
    return found


def _production() -> Iterator[tuple[str, set[str]]]:
    """(line, the ids of Django's checks that the line already covers) for each production problem."""
    if settings.DEBUG:
        yield (
            "CARTE_DEBUG is on: error pages show code, settings and data to anyone; set CARTE_DEBUG=0",
            {"security.W018"},
        )
    key = settings.SECRET_KEY
    if not os.environ.get("CARTE_SECRET_KEY"):
        yield "CARTE_SECRET_KEY is not set: give every web process and worker the same 50 random characters", set()
    elif len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_CHARACTERS or key.startswith("django-"):
        yield (
            f"CARTE_SECRET_KEY is too short or too simple: use at least {SECRET_KEY_MIN_LENGTH} random characters",
            {"security.W009"},
        )
    base = urlsplit(settings.BASE_URL)
    if base.scheme != "https":
        yield "CARTE_BASE_URL is not https://: logins and links in emails would travel unencrypted", set()
    elif not settings.BEHIND_PROXY:
        yield (
            "CARTE_BASE_URL is https:// but CARTE_BEHIND_PROXY is not 1: Carte cannot tell HTTPS requests "
            "from the proxy (no HSTS header, forms refused by the CSRF check)",
            set(),
        )
    hosts = settings.ALLOWED_HOSTS
    if "*" in hosts:
        yield (
            "CARTE_ALLOWED_HOSTS contains *: name the host employees use (a forged Host header is then refused)",
            {"security.W020"},
        )
    elif not [host for host in hosts if host not in LOOPBACK_HOSTS]:
        yield "CARTE_ALLOWED_HOSTS names only this machine: add the host name employees use", {"security.W020"}
    if base.hostname and "*" not in hosts and not validate_host(base.hostname, hosts):
        yield f"the host of CARTE_BASE_URL ({base.hostname}) is not in CARTE_ALLOWED_HOSTS", set()
    if not (settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE):
        yield (
            "session and CSRF cookies are not Secure: use an https:// CARTE_BASE_URL (or CARTE_SECURE_COOKIES=1)",
            {
                "security.W012",
                "security.W016",
            },
        )
    if not settings.SECURE_HSTS_SECONDS:
        yield "HSTS is off: use an https:// CARTE_BASE_URL and a CARTE_HSTS_SECONDS above 0", {"security.W004"}
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        yield (
            "CARTE_EMAIL_URL is console://: password-reset and invitation mail, links included, would go to the "
            "server log instead of the employees",
            set(),
        )
