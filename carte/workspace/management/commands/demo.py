"""`carte demo --seed N [--language en|fr|ru] [--if-empty]`: load the demo company into an empty database.

The data depends only on the seed, the language and the day: the reference time is
today at 00:00 UTC, so two runs with the same seed on the same day give the same company.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from carte.core.errors import Conflict
from carte.workspace.demo import build_demo_company


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property, not a lazy string: argparse needs a real str, and this runs after setup.
        return _("Fill an empty database with a believable demo company (employees, clients, deals, history).")

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help=_("same seed, same company (default 1)"))
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help=_("language of the names and texts (default: the installation's)"),
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("do nothing, without an error, when the database already has clients"),
        )

    def handle(self, *args, seed: int, language: str, if_empty: bool, **options):
        today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
        try:
            counts = build_demo_company(seed=seed, language=language, now=today)
        except Conflict:
            if if_empty:
                return
            raise CommandError(
                _("The database already has clients; the demo needs an empty one (or pass --if-empty).")
            ) from None
        self.stdout.write(
            _(
                "Demo company ready: %(employees)d employees, %(departments)d departments, %(companies)d companies, "
                "%(persons)d contact persons, %(timeline)d timeline entries, %(deals)d deals, %(invoices)d invoices, "
                "%(tasks)d tasks, %(calls)d calls."
            )
            % counts
        )
