"""The worker process of the import memory check: `python -m bench.import_worker IMPORT_ID`.

Runs the dry run of one import as `carte worker` would, then prints its own peak resident
memory in kilobytes (the last line of its output): VmHWM of /proc/self/status, the peak of this
process's memory since it started. Not getrusage's ru_maxrss: Linux carries over into it the
resident memory of the process that started this one (the benchmark's, over 300 MB after it
wrote the million-row file), because Python starts it with vfork.
"""

import resource
import sys
from pathlib import Path

import django

django.setup()

from carte.transfer import running  # noqa: E402 - Django must be set up first


def peak_kilobytes() -> int:
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


running.check(int(sys.argv[1]))
print(peak_kilobytes())
