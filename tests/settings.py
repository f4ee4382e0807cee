"""Test settings: the real settings, on CARTE_TEST_DATABASE_URL when given (PostgreSQL in CI)."""

import os
import tempfile

os.environ.setdefault("CARTE_VAR_DIR", tempfile.mkdtemp(prefix="carte-test-"))
if os.environ.get("CARTE_TEST_DATABASE_URL"):
    os.environ["CARTE_DATABASE_URL"] = os.environ["CARTE_TEST_DATABASE_URL"]
else:
    os.environ.pop("CARTE_DATABASE_URL", None)
os.environ.pop("CARTE_REDIS_URL", None)

from carte.settings import *  # noqa: F403

# Argon2 is what production uses (a test checks it); tests hash with MD5 for speed.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HUEY = {**HUEY, "immediate": True}  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise warns when it is missing
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
