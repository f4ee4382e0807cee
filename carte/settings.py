"""Carte settings: every value comes from a CARTE_* environment variable or a safe default.

The README's configuration table lists them; `carte check` reports what is wrong.
"""

import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url

from carte.core.env import ConfigError, env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("CARTE_VAR_DIR", str(Path.cwd() / "var"))).resolve()


def _secret_key() -> str:
    """Use CARTE_SECRET_KEY, or a key generated once and kept in var/ (never in the repo)."""
    given = env_str("CARTE_SECRET_KEY")
    if given:
        return given
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _database(url: str) -> dict:
    """Parse CARTE_DATABASE_URL; SQLite gets WAL, foreign keys and a busy timeout."""
    try:
        # No persistent connections: under ASGI (`carte serve`) each request runs on a thread of its own,
        # and a connection kept by a thread that has ended is never reused, only leaked until PostgreSQL
        # refuses new ones ("too many clients"); the benchmark's load check showed it (docs/performance.md).
        config = dj_database_url.parse(url, conn_max_age=0, conn_health_checks=True)
    except Exception as exc:  # the library raises several types for a bad URL
        raise ConfigError(f"CARTE_DATABASE_URL is not a database URL ({exc}).") from None
    engine = config.get("ENGINE", "")
    if engine == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            # WAL lets readers work while one writer commits; IMMEDIATE avoids
            # "database is locked" upgrades from read to write inside a transaction.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
        }
        if config["NAME"] not in ("", ":memory:"):
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    elif engine == "django.db.backends.postgresql":
        # `carte serve` keeps a pool per web process (it sets the size, see carte.cli): with a connection
        # per request, PostgreSQL started a server process for each and filled its caches again.
        # Requests give their connection back when they end (CONN_MAX_AGE stays 0, see above).
        # Other commands open one connection, so an unreachable database is reported at once.
        size = env_int("CARTE_DATABASE_POOL_SIZE", 0)
        if size > 0:
            config.setdefault("OPTIONS", {})["pool"] = {"min_size": min(2, size), "max_size": size, "timeout": 10}
    else:
        raise ConfigError(
            f"CARTE_DATABASE_URL uses {urlsplit(url).scheme!r}; Carte supports sqlite:// and postgres://."
        )
    return config


DEBUG = env_bool("CARTE_DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("CARTE_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CARTE_CSRF_TRUSTED_ORIGINS", [])
BASE_URL = env_str("CARTE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

DATABASES = {"default": _database(env_str("CARTE_DATABASE_URL", f"sqlite:///{VAR_DIR / 'carte.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("CARTE_REDIS_URL")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "template_partials",
    "huey.contrib.djhuey",
    "ninja",
    "carte.core",
    "carte.accounts",
    "carte.backups",
    "carte.clients",
    "carte.documents",
    "carte.sales",
    "carte.planner",
    "carte.calls",
    "carte.transfer",
    "carte.knowledge",
    "carte.reports",
    "carte.workspace",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "carte.core.middleware.security_headers",
    "carte.core.overload.AdmissionLimit",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "carte.core.middleware.login_required",
    "carte.accounts.middleware.employee_preferences",
    "carte.core.middleware.refuse_nul_bytes",  # after the preferences: it answers in the user's language
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "carte.core.middleware.domain_errors",
]

ROOT_URLCONF = "carte.urls"
WSGI_APPLICATION = "carte.wsgi.application"
ASGI_APPLICATION = "carte.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "carte.workspace.context.workspace",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.Employee"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Requests answered at once by one web process; beyond, 503 with Retry-After (carte/core/overload.py). 0: no limit.
# Requests one web process works on at once, and how long the next ones wait for a turn before a 503
# (carte/core/overload.py); sized by the benchmark's load check on two cores (docs/performance.md).
MAX_IN_FLIGHT = env_int("CARTE_MAX_IN_FLIGHT", 3)
MAX_WAIT_MS = env_int("CARTE_MAX_WAIT_MS", 200)
LOGIN_FAILURE_LIMIT = env_int("CARTE_LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("CARTE_LOGIN_LOCKOUT_MINUTES", 15)
# Password reset emails asked for within an hour: per email address, and per client IP address.
RESET_LIMIT_PER_EMAIL = env_int("CARTE_RESET_LIMIT_PER_EMAIL", 3)
RESET_LIMIT_PER_IP = env_int("CARTE_RESET_LIMIT_PER_IP", 20)

LANGUAGE_CODE = env_str("CARTE_LANGUAGE", "en")
LANGUAGES = [("en", "English"), ("fr", "Français"), ("ru", "Русский")]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ConfigError(f"CARTE_LANGUAGE={LANGUAGE_CODE!r} is not one of en, fr, ru.")
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("CARTE_TIME_ZONE", "UTC")

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("CARTE_MEDIA_ROOT", str(VAR_DIR / "media"))).resolve()
MEDIA_URL = "/media/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Served over HTTPS (the base URL says so, as in production): secure cookies and HSTS.
# The laptop setup on http://127.0.0.1 would otherwise lose its session cookie.
HTTPS = BASE_URL.startswith("https://")
SESSION_COOKIE_SECURE = env_bool("CARTE_SECURE_COOKIES", HTTPS and not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("CARTE_HSTS_SECONDS", 31536000) if HTTPS and not DEBUG else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind a reverse proxy, trust its X-Forwarded-Proto (here) and X-Forwarded-For (`carte serve`).
BEHIND_PROXY = env_bool("CARTE_BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
X_FRAME_OPTIONS = "DENY"
# Django's deploy checks that are the reverse proxy's or the domain owner's decision, not Carte's:
# the proxy redirects port 80 to HTTPS (docs/admin/operations.md), and HSTS for every subdomain or
# browser preloading binds the whole domain beyond the CRM.
SILENCED_SYSTEM_CHECKS = ["security.W008", "security.W005", "security.W021"]
# Django's own CSRF failure page has an inline style that our CSP blocks.
CSRF_FAILURE_VIEW = "carte.workspace.views.csrf_failure"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Every upload form takes one file: a request carrying more than a few is refused (400) before any is read.
DATA_UPLOAD_MAX_NUMBER_FILES = 5
# Files to import: kept under MEDIA_ROOT/imports; larger ones are refused before they are read.
IMPORT_MAX_BYTES = env_int("CARTE_IMPORT_MAX_MB", 200) * 1024 * 1024

# Backups (carte/backups): the folder, a second folder for an off-site copy, the daily time (local),
# how many daily, weekly and monthly archives to keep, and the file of the encryption key (none: not encrypted).
BACKUP_DIR = Path(env_str("CARTE_BACKUP_DIR", str(VAR_DIR / "backups"))).resolve()
BACKUP_COPY_DIR = env_str("CARTE_BACKUP_COPY_DIR")
BACKUP_TIME = env_str("CARTE_BACKUP_TIME", "02:30")
BACKUP_KEEP = env_str("CARTE_BACKUP_KEEP", "7,4,12")
BACKUP_KEY_FILE = env_str("CARTE_BACKUP_KEY_FILE")

EMAIL_URL = env_str("CARTE_EMAIL_URL", "console://")
DEFAULT_FROM_EMAIL = env_str("CARTE_FROM_EMAIL", "carte@localhost")


def _email(url: str) -> dict:
    """console:// prints mail to the server's output; smtp:// and smtps:// send it.

    The user and password are percent-encoded in the URL ("p%40ss" for "p@ss").
    """
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise ConfigError("CARTE_EMAIL_URL has a bad port; percent-encode / ? # @ in the password.") from None
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme not in ("smtp", "smtps", "smtp+tls"):
        raise ConfigError(f"CARTE_EMAIL_URL uses {parts.scheme!r}; use console://, smtp://, smtp+tls:// or smtps://.")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": port or (465 if parts.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": parts.scheme == "smtp+tls",
        "EMAIL_TIMEOUT": 20,
    }


globals().update(_email(EMAIL_URL))

if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "carte", "url": REDIS_URL, "immediate": False}
else:
    try:  # the queue's file lives there; with CARTE_SECRET_KEY given, nothing else has created the folder yet
        VAR_DIR.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # `carte check` says why the folder cannot be created
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "carte",
        "filename": str(VAR_DIR / "jobs.sqlite3"),
        "immediate": False,
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("CARTE_LOG_LEVEL", "INFO")},
    # The job worker prints through a handler of its own; passing its lines on would print each twice.
    "loggers": {"huey": {"propagate": False}},
}

# The country assumed for phone numbers typed without an international prefix.
PHONE_REGION = env_str("CARTE_PHONE_REGION", "FR").upper()

# Reports: a client card without any activity for this many days counts as inactive (the adoption view).
ADOPTION_INACTIVE_DAYS = env_int("CARTE_ADOPTION_INACTIVE_DAYS", 30)
