"""The backup process of the "backup under load" check: `python -m bench.backup_worker FOLDER`.

Makes an archive of the database it is pointed at and verifies it, as `carte backup` does, in a
process of its own as in production. It says on stdout when each step begins ("archiving",
"verifying", "done"), so the check knows which of its requests ran during which step; then it
removes the archive and prints its figures as JSON (the last line). A failure prints
{"error": …} and exits with 1.
"""

import json
import sys
import time
from pathlib import Path

import django

django.setup()

from carte.backups import engine  # noqa: E402 - Django must be set up first


def _say(line: str) -> None:
    print(line, flush=True)


def main(folder: Path) -> int:
    _say("archiving")
    started = time.perf_counter()
    try:
        # Plain archives: the bench measures the backup, not the key file of whoever runs it.
        path, manifest = engine.make_archive(folder, key=None)
    except engine.BackupError as error:
        _say(json.dumps({"error": str(error)}))
        return 1
    archived = time.perf_counter()
    _say("verifying")
    try:
        engine.verify_archive(path, key=None)
        failure = ""
    except engine.BackupError as error:
        failure = str(error)
    verified = time.perf_counter()
    _say("done")
    size = path.stat().st_size
    path.unlink(missing_ok=True)
    if failure:
        _say(json.dumps({"error": failure}))
        return 1
    _say(
        json.dumps(
            {
                "archive_seconds": round(archived - started, 1),
                "verify_seconds": round(verified - archived, 1),
                "archive_mb": round(size / 1024 / 1024, 1),
                "files": len(manifest.files),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
