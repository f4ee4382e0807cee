"""French and Russian are complete: no message missing from the catalogues, none untranslated or fuzzy."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "carte"
LANGUAGES = ["fr", "ru"]
ENTRY_START = re.compile(r'^(msgctxt|msgid) "(.*)"$')
CONTINUATION = re.compile(r'^"(.*)"$')

pytestmark = pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext is installed by `make test`")


def catalogue(language: str, root: Path = PACKAGE) -> Path:
    return root / "locale" / language / "LC_MESSAGES" / "django.po"


def message_ids(po_file: Path) -> set[tuple[str, str]]:
    """(context, msgid) of every entry but the header."""
    ids, context, current, field = set(), "", None, None
    for line in po_file.read_text(encoding="utf-8").splitlines() + [""]:
        start, more = ENTRY_START.match(line), CONTINUATION.match(line)
        if start:
            field, value = start.groups()
            if field == "msgctxt":
                context = value
            else:
                current = value
        elif more and field in ("msgid", "msgctxt"):
            if field == "msgid":
                current += more.group(1)
            else:
                context += more.group(1)
        elif line.startswith("msgstr") or line.startswith("msgid_plural"):
            if current:
                ids.add((context, current))
            field, current, context = None, None, "" if line.startswith("msgstr") else context
    return ids


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(catalogue(language))],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr, result.stderr


def test_catalogues_hold_every_message_of_the_code(tmp_path):
    """Extract the messages afresh from a copy of the code and compare with the catalogues."""
    copy = tmp_path / "carte"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("vendor", "__pycache__", "*.mo", "var"))
    shutil.rmtree(copy / "locale")
    (tmp_path / "extract_settings.py").write_text(
        f"SECRET_KEY = 'x'\nUSE_I18N = True\nLOCALE_PATHS = [{str(copy / 'locale')!r}]\n"
    )
    (copy / "locale").mkdir()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "--settings=extract_settings",
            "--no-location",
            *(f"-l{language}" for language in LANGUAGES),
            "--ignore=static/*",
        ],
        cwd=copy,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
    )
    for language in LANGUAGES:
        missing = message_ids(catalogue(language, copy)) - message_ids(catalogue(language))
        assert not missing, f"{language}: run makemessages and translate: {sorted(missing)[:10]}"
