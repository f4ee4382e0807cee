"""Small helpers shared by the screens: htmx fragments and refusals shown on forms."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from carte.core.errors import DomainError, Invalid


def is_fragment(request) -> bool:
    """An htmx request for a piece of the page: a boosted navigation or a history restore wants it whole."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def show_refusal(form, error: DomainError) -> None:
    """Put a service's field errors beside the fields of a form, and the others above it."""
    if not error.errors:
        form.add_error(None, str(error.message))
    for field, messages in error.errors.items():
        form.add_error(field if field in form.fields else None, [str(message) for message in messages])


def refusal_text(error: DomainError) -> str:
    """A refusal as one message: its field errors one after another, or its message when it has none."""
    texts = [str(message) for messages in error.errors.values() for message in messages]
    return " ".join(texts) or str(error.message)


@dataclass(frozen=True)
class Saved:
    """What `save_posted` saved: `value` is what the service returned."""

    value: Any


def save_posted(request, form, save: Callable[[], Any], *, refusals=(Invalid,)) -> Saved | None:
    """Run `save()` for a posted, valid form and return what it returned (as Saved).

    None when the form was not posted or not valid, or when the service refused (one of
    `refusals`): its errors are then put on the form (show_refusal).
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return Saved(save())
    except refusals as refused:
        show_refusal(form, refused)
        return None
