"""The four ways a use case refuses; one middleware and one API handler render them."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of the refusals a service may raise; `message` is shown to the user."""

    status = 400
    title = _("Bad request")

    def __init__(self, message=None, *, errors: dict | None = None):
        self.message = message or self.title
        self.errors = errors or {}
        super().__init__(str(self.message))


class NotAllowed(DomainError):
    status = 403
    title = _("You do not have the right to do this.")


class NotFound(DomainError):
    status = 404
    title = _("This record does not exist or is not visible to you.")


class Conflict(DomainError):
    status = 409
    title = _("This record was changed by someone else.")


class Invalid(DomainError):
    status = 400
    title = _("Some values are not valid.")
