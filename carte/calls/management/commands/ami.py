"""`carte ami`: listen to every active Asterisk (AMI) connection and record its calls, until stopped.

`carte serve` starts it beside the job worker. With no AMI connection it idles, reading the
connections again every --refresh seconds, so one added later is picked up without a restart.
SIGTERM or Ctrl-C close the links and exit cleanly.
"""

import asyncio
import signal

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from carte.calls.ami.listener import Pace, listen


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property, not a lazy string: argparse needs a real str, and this runs after setup.
        return _("Listen to the Asterisk (AMI) telephony connections and record their calls, until stopped.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--refresh",
            type=float,
            default=Pace.refresh,
            help=_("seconds between two readings of the connections (default %(default)s)"),
        )

    def handle(self, *args, refresh: float, **options):
        asyncio.run(self._listen(Pace(refresh=max(refresh, 1.0))))

    async def _listen(self, pace: Pace) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signal_number, stop.set)
        await listen(stop, pace)
