"""Lock files that say a process is at work on something: a backup run, a scratch database.

The process holds its file locked (flock) while it works; the kernel lets go of the lock when the
process dies, even by kill -9, so a lock file found unlocked was left by a dead process and what
it names may be cleaned up at once. No lock file at all says nothing (another machine's work, a
folder that could not be written): that is left alone.
"""

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def held(path: Path):
    """`path` locked while the block runs: locked before it gets its name (so a lock file seen is
    a lock file held), removed before the lock goes (so nobody finds it unlocked)."""
    making = path.with_name(f"{path.name}.new")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(making, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError:
        yield  # the folder cannot be written: the caller's own step says so
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        os.replace(making, path)
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(handle)


def abandoned(path: Path) -> bool:
    """Is the lock file there and held by nobody (its process died)? The caller cleans up, then removes it."""
    try:
        handle = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # held: the process is alive
    finally:
        os.close(handle)
    return True
