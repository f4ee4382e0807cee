"""The `carte` command: Django's management commands plus serve, worker, init and check.

    carte serve [--host H] [--port P] [--workers N]   web server (uvicorn), job worker and AMI listener together
    carte worker                                      the background job worker (Huey) alone
    carte ami                                         the Asterisk (AMI) listener alone
    carte init                                        migrate, collect static files, first admin, demo data
    carte check [--deploy]                            configuration and database, one line per problem
                                                      (--deploy: also what production needs)
    carte demo --seed N                               a believable demo company
    carte <any Django command>                        migrate, createsuperuser, shell, …

Configuration errors and an unreachable database are reported in one line, never a traceback.
"""

import argparse
import os
import secrets
import subprocess
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carte.settings")
    name = argv[0] if argv else "help"
    if name == "serve":
        _pool_connections()
    try:
        _setup_django()
        if name in OWN_COMMANDS:
            return OWN_COMMANDS[name](argv[1:]) or 0
        from django.core.management import execute_from_command_line

        execute_from_command_line(["carte", *argv])
        return 0
    except Exception as exc:  # turn known operational failures into one line
        message = _one_line(exc)
        if message is None:
            raise
        print(f"carte: {message}", file=sys.stderr)
        return 2


def _pool_connections() -> None:
    """The web server keeps a pool of database connections per process (carte/settings.py): one for
    each request it admits at once, and a few for the live-events hub."""
    from carte.core.env import env_int

    admitted = env_int("CARTE_MAX_IN_FLIGHT", 3) or 16  # without a limit, requests beyond wait for a connection
    os.environ.setdefault("CARTE_DATABASE_POOL_SIZE", str(admitted + 4))


def _setup_django() -> None:
    import django

    django.setup()


def _one_line(exc: Exception) -> str | None:
    """The admin-facing line for a configuration or database failure; None for a real bug."""
    from carte.core.env import ConfigError

    if isinstance(exc, ConfigError):
        return str(exc)
    try:
        from django.db import OperationalError
    except ImportError:  # pragma: no cover - Django is always installed
        return None
    if isinstance(exc, OperationalError):
        return f"cannot use the database: {str(exc).strip().splitlines()[0]} (check CARTE_DATABASE_URL)"
    return None


def serve(args: list[str]) -> int:
    """Run the web server and, beside it, one job worker and the AMI listener; stopping the server stops them."""
    parser = argparse.ArgumentParser(prog="carte serve")
    parser.add_argument("--host", default=os.environ.get("CARTE_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("CARTE_PORT", "8000")))
    parser.add_argument("--workers", type=int, default=1, help="web worker processes")
    parser.add_argument("--no-jobs", action="store_true", help="do not start the job worker")
    parser.add_argument("--no-ami", action="store_true", help="do not start the Asterisk (AMI) listener")
    options = parser.parse_args(args)

    import uvicorn
    from django.conf import settings

    worker = None if options.no_jobs else _companion("worker")
    # The Asterisk (AMI) listener idles without AMI connections and picks up new ones by itself.
    phones = None if options.no_ami else _companion("ami")
    print(f"Carte is serving on http://{options.host}:{options.port}/", flush=True)
    try:
        uvicorn.run(
            "carte.asgi:application",
            host=options.host,
            port=options.port,
            workers=options.workers,
            log_level="warning",
            proxy_headers=settings.BEHIND_PROXY,
            # Live streams stay open: on stop, give them a moment, then close them (browsers reconnect).
            timeout_graceful_shutdown=5,
        )
    finally:
        for process in (worker, phones):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)
    return 0


def _companion(command: str) -> subprocess.Popen:
    """`carte <command>` beside the server; on Linux it is stopped when the server dies, even killed outright."""
    return subprocess.Popen(
        [sys.executable, "-m", "carte.cli", command],
        # Set in the child before it runs Carte (no thread has started in this process yet).
        preexec_fn=_stop_with_parent if sys.platform == "linux" else None,
    )


def _stop_with_parent() -> None:
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def worker(args: list[str]) -> int:
    """The Huey consumer: background jobs and schedules."""
    from django.core.management import call_command

    call_command("run_huey", *args)
    return 0


def init(args: list[str]) -> int:
    """Bring an installation up to date; safe to run every time (it keeps all data)."""
    parser = argparse.ArgumentParser(prog="carte init")
    parser.add_argument("--no-demo", action="store_true", help="do not load demo data into an empty database")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(args)

    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    _create_first_administrator()
    if not options.no_demo:
        call_command("demo", seed=options.seed, if_empty=True)
    return 0


def _create_first_administrator() -> None:
    """On a database without employees, create `admin` with a random password and show it once."""
    from django.contrib.auth import get_user_model

    from carte.accounts.models import Role

    employees = get_user_model().objects
    if employees.exists():
        return
    password = secrets.token_urlsafe(12)
    employees.create_user(
        username="admin", password=password, first_name="Admin", role=Role.objects.get(key="administrator")
    )
    print(f"Administrator login: admin / {password}   (shown once: change it in My profile)", flush=True)


def check(args: list[str]) -> int:
    """Report each configuration problem on one line; exit 1 when there is any.

    With --deploy, also what production needs: Carte's own checks (debug off, a set and long
    secret key, https, allowed hosts, secure cookies, HSTS, real mail) and Django's deployment checks.
    """
    parser = argparse.ArgumentParser(prog="carte check")
    parser.add_argument("--deploy", action="store_true", help="also check the settings production needs")
    options = parser.parse_args(args)

    from carte.core.checks import problems

    found = problems(deploy=options.deploy)
    for line in found:
        print(f"carte check: {line}")
    if not found:
        ready = "configuration and database OK" + (", ready for production" if options.deploy else "")
        print(f"carte check: {ready}")
    return 1 if found else 0


def help_(args: list[str]) -> int:
    print(__doc__)
    return 0


OWN_COMMANDS = {"serve": serve, "worker": worker, "init": init, "check": check, "help": help_, "--help": help_}

if __name__ == "__main__":
    sys.exit(main())
