"""The worker process of the import memory check: `python -m bench.import_worker IMPORT_ID`.

Runs the dry run of one import as `carte worker` would, then prints its own peak resident
memory in kilobytes (the last line of its output).
"""

import resource
import sys

import django

django.setup()

from carte.transfer import running  # noqa: E402 - Django must be set up first

running.check(int(sys.argv[1]))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
