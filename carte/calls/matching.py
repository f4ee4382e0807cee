"""Who a call is with: the client by the other party's number, the employee by our extension.

These read without any user's rights: the phone system speaks for Carte, and what a call is
matched to is shown later through the access policy to whoever looks at it.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q

from carte.clients.models import Phone
from carte.core.phones import digits_of, to_e164


def normalized_number(text: str) -> str:
    """The number as calls keep it: E.164 when it parses ("+33612345678"), else its digits ("112")."""
    text = (text or "").strip()
    if not text:
        return ""
    return to_e164(text) or digits_of(text)


def client_id_for_number(number: str) -> int | None:
    """The client with this phone number (one query); several → the most recently updated card.

    `number` is normalized (see `normalized_number`): "+…" is compared with the phones' E.164
    form, bare digits with their digits.
    """
    if not number:
        return None
    phones = Phone.objects.filter(e164=number) if number.startswith("+") else Phone.objects.filter(digits=number)
    return phones.order_by("-client__updated_at", "-client_id").values_list("client_id", flat=True).first()


def employee_for_extension(extension: str):
    """The active employee at this extension, or None (one query)."""
    extension = (extension or "").strip()
    if not extension:
        return None
    return get_user_model().objects.filter(phone_extension=extension, is_active=True).order_by("pk").first()


def employees_at_extensions(extensions: set[str]) -> dict:
    """The active employee at each of these extensions (one query, none for no extension), as
    `employee_for_extension` finds them: the first by id when two share one."""
    wanted = {extension.strip() for extension in extensions if extension and extension.strip()}
    if not wanted:
        return {}
    found: dict = {}
    people = get_user_model().objects.filter(phone_extension__in=wanted, is_active=True).order_by("-pk")
    for person in people:
        found[person.phone_extension] = person  # the lowest id comes last and wins
    return found


def client_ids_for_numbers(numbers: set[str]) -> dict[str, int | None]:
    """`client_id_for_number` for many normalized numbers at once (one query, none for no number)."""
    wanted = {number for number in numbers if number}
    found: dict[str, int | None] = dict.fromkeys(wanted)
    if not wanted:
        return found
    plus = {number for number in wanted if number.startswith("+")}
    bare = wanted - plus
    rows = (
        Phone.objects.filter(Q(e164__in=plus) | Q(digits__in=bare))
        .order_by("-client__updated_at", "-client_id")
        .values_list("e164", "digits", "client_id")
    )
    for e164, digits, client_id in rows:  # the most recently updated client first: it wins
        for number in (e164 if e164 in plus else None, digits if digits in bare else None):
            if number is not None and found[number] is None:
                found[number] = client_id
    return found
