"""What `carte check` verifies: each problem as one line an admin can act on."""

import os

from django.conf import settings
from django.core import checks as django_checks
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def problems() -> list[str]:
    found = []
    found += _database()
    if not found:
        found += _migrations()
    found += _redis()
    found += _folders()
    found += _https()
    found += _system_checks()
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
