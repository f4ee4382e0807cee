"""Small helpers shared by the screens: htmx fragments and refusals shown on forms."""

from carte.core.errors import DomainError


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
