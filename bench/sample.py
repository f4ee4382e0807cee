"""The records and search terms the scenarios go through, drawn once per run from the data set.

Drawn from the clients the benchmark's seller may see, so every request finds something
(a search that finds nothing is cheap and flatters the figures); deterministic for a seed.
"""

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count

from carte.accounts import services as accounts
from carte.clients.models import Client, Email, Phone, ReferenceValue
from carte.core import policy
from carte.sales.models import Deal, SalesDocument

WORD = re.compile(r"\w{4,}")


@dataclass
class Sample:
    """What the scenarios read; `nth(list, i)` cycles through a list for the i-th request."""

    seller: object
    token: str
    cards: list[int]
    statuses: list[str]
    names: list[str]
    phones: list[str]
    emails: list[str]
    longest_history: int
    empty_history: int
    status_ids: dict[str, int]
    broad_name: str  # the commonest first name of the sample: thousands of persons, most with companies
    narrow_name: str  # a whole name, a whole number, a whole address: one client found
    narrow_phone: str
    narrow_email: str
    manager: object = None  # the seller's department head: the board scenario sees the department's deals
    deals: list[int] = field(default_factory=list)  # the seller's own deals (the deal card)
    board_pipeline: int = 0
    board_clients: list[int] = field(default_factory=list)  # clients with open deals on the board (filter)
    invoices: list[int] = field(default_factory=list)  # invoices rendered to PDF
    deal_extremes: tuple[int, int] = (0, 0)  # the seller's deal with the fewest lines, and with the most
    calendar_department: int = 0  # the manager's department, whose week calendar is opened
    calendar_weeks: list[str] = field(default_factory=list)  # days (ISO) of the weeks opened, the busy one first
    calendar_sql: dict = field(default_factory=dict)  # what the raw SQL of the week needs: people, zone

    @property
    def manager_zone(self) -> ZoneInfo:
        return ZoneInfo(getattr(self.manager, "time_zone", "") or settings.TIME_ZONE)

    @staticmethod
    def nth(items: list, index: int):
        return items[index % len(items)]

    @property
    def department_id(self) -> int | None:
        return self.seller.department_id


def draw(info: dict, seed: int = 1, count: int = 200) -> Sample:
    """Pick `count` visible cards and search terms taken from them; make the seller's API token."""
    rng = random.Random(f"{seed}:sample")
    seller = get_user_model().objects.select_related("department").get(username=info["seller"])
    visible = policy.visible(seller, Client.objects.all())
    ids = list(visible.order_by("pk").values_list("pk", flat=True))
    cards = rng.sample(ids, min(count, len(ids)))
    names = dict(Client.objects.filter(pk__in=cards).values_list("pk", "name"))
    numbers = list(Phone.objects.filter(client_id__in=cards).order_by("pk").values_list("number", flat=True))
    addresses = list(Email.objects.filter(client_id__in=cards).order_by("pk").values_list("address", flat=True))
    _token, plain = accounts.create_token(actor=seller, name="benchmark")
    fragments = [_name_fragment(names[pk], rng) for pk in cards]
    return _with_sales(
        rng,
        info,
        count,
        Sample(
            seller=seller,
            token=plain,
            # The extremes go among the cards measured: the card must cost the same for both.
            cards=[info["longest_history"], info["empty_history"], *cards],
            statuses=["customer", "lead", "prospect", "partner", "former"],
            names=fragments,
            phones=[_phone_fragment(number, rng) for number in numbers] or fragments,
            emails=addresses or fragments,
            longest_history=info["longest_history"],
            empty_history=info["empty_history"],
            status_ids=dict(ReferenceValue.objects.filter(list=ReferenceValue.List.STATUS).values_list("key", "pk")),
            broad_name=_commonest_word(names.values()),
            narrow_name=names[cards[0]],
            narrow_phone=numbers[0] if numbers else names[cards[0]],
            narrow_email=addresses[0] if addresses else names[cards[0]],
        ),
    )


def _with_sales(rng: random.Random, info: dict, count: int, drawn: Sample) -> Sample:
    """The deals the seller opens, the manager who looks at the board, and the invoices to print."""
    people = get_user_model().objects.select_related("department")
    drawn.manager = people.get(username=info["manager"])
    own = list(Deal.objects.filter(owner=drawn.seller).order_by("pk").values_list("pk", flat=True))
    drawn.deals = rng.sample(own, min(count, len(own)))
    by_lines = (
        Deal.objects.filter(owner=drawn.seller).annotate(lines_count=Count("lines")).order_by("lines_count", "pk")
    )
    drawn.deal_extremes = (by_lines.first().pk, by_lines.last().pk)
    drawn.board_pipeline = info["board_pipeline"]
    on_board = Deal.objects.filter(pipeline=drawn.board_pipeline, closed_at=None).order_by("pk")
    drawn.board_clients = sorted(set(on_board.values_list("client", flat=True)[:count]))
    invoices = SalesDocument.objects.filter(kind=SalesDocument.Kind.INVOICE).order_by("pk")
    drawn.invoices = list(invoices.values_list("pk", flat=True)[:count])
    return _with_calendar(info, drawn)


# Weeks the week calendar scenario opens, in weeks from the busy one: every other request the
# busy week itself (its target is the one that matters), the others around it.
WEEKS_AROUND = (1, -1, 2, -2, 3, -3, 4, -4, 6, -6, 8, -8)


def _with_calendar(info: dict, drawn: Sample) -> Sample:
    """The department and weeks of the week calendar: the busy sample week and those around it."""
    calendar = info.get("calendar")
    if not calendar:
        return drawn
    busy = date.fromisoformat(calendar["week"])
    drawn.calendar_department = calendar["department"]
    weeks = []
    for index, offset in enumerate(WEEKS_AROUND):
        weeks.append(busy + timedelta(days=index % 5))  # another day of the same week: another address
        weeks.append(busy + timedelta(weeks=offset, days=index % 5))
    drawn.calendar_weeks = [day.isoformat() for day in weeks]
    people = list(get_user_model().objects.filter(department_id=drawn.calendar_department).values_list("pk", flat=True))
    drawn.calendar_sql = {"people": people}
    return drawn


def _commonest_word(names) -> str:
    words = Counter(word for name in names for word in WORD.findall(name))
    return words.most_common(1)[0][0] if words else "an"


def _name_fragment(name: str, rng: random.Random) -> str:
    """The start of a word of the name, as typed in a search box: "Dupo", "петр", "Lefè"."""
    words = WORD.findall(name) or [name]
    word = rng.choice(words)
    fragment = word[: rng.randint(4, max(4, min(6, len(word))))]
    return fragment.lower() if rng.random() < 0.7 else fragment


def _phone_fragment(number: str, rng: random.Random) -> str:
    """Part of a number as someone types it: its last digits, its beginning, or all of it."""
    digits = re.sub(r"\D", "", number)
    draw = rng.random()
    if draw < 0.5:
        return digits[-6:]
    if draw < 0.75:
        return number[: max(6, len(number) // 2 + 2)].strip()
    return number
