"""Security headers and the one place where refusals from services become responses."""

import json
import re

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import render
from django.utils.translation import gettext as _

from carte.core.api import INVALID_REQUEST, NUMBER_TOO_LARGE, problem_response
from carte.core.errors import DomainError, Invalid
from carte.core.htmx import is_fragment

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def security_headers(get_response):
    """A strict CSP (no inline script or style) on every response."""

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response

    return middleware


# A NUL written as JSON writes it: "\u0000" after an even number of backslashes (an odd one escapes the "\").
ESCAPED_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


def refuse_nul_bytes(get_response):
    """A NUL character in the address, a form or an API body is refused before any view reads it.

    No one types one; PostgreSQL can neither store nor compare text holding it, so a search,
    filter, form field or record key with one would otherwise end in a server error (or, on
    SQLite, in text no one can see). The address and forms answer 400; a JSON body sent to the
    API answers 422, as any other invalid input of the API (400 for a screen).
    """

    def middleware(request):
        if _holds_nul([request.path, *_texts_of(request.GET)]):
            return _refused(request, 400, _("The address holds a character that is not allowed (NUL)."))
        if request.method == "POST" and request.content_type in FORMS and _form_holds_nul(request):
            return _refused(request, 400, _("The form holds a character that is not allowed (NUL)."))
        if _json_holds_nul(request):
            return _refused(request, 422, _("The body holds a character that is not allowed (NUL)."))
        return get_response(request)

    return middleware


def _texts_of(values) -> list[str]:
    return [text for key, texts in values.lists() for text in [key, *texts]]


def _holds_nul(texts) -> bool:
    return any("\x00" in text for text in texts)


def _form_holds_nul(request) -> bool:
    names = [upload.name or "" for _field, uploads in request.FILES.lists() for upload in uploads]
    return _holds_nul([*_texts_of(request.POST), *names])


def _json_holds_nul(request) -> bool:
    """Does a body that is not a form hold an escaped NUL? Whatever its declared type, a view may read it as JSON."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or request.content_type in FORMS:
        return False
    try:
        body = request.body
    except RequestDataTooBig:
        return False  # the view refuses it as too large
    return bool(body) and ESCAPED_NUL.search(body.decode(json.detect_encoding(body), errors="replace")) is not None


def _refused(request, status: int, message: str):
    if request.path.startswith("/api/"):
        return problem_response(status, INVALID_REQUEST if status == 422 else Invalid.title, message)
    return refusal_response(request, Invalid(message))  # a screen says 400 for all


class domain_errors:  # noqa: N801 - named like the function middlewares beside it
    """Turn NotAllowed / NotFound / Conflict / Invalid raised in a view into a page or fragment.

    htmx requests get the message as a small fragment; full requests get the error page.
    The API has its own handler that answers problem+json.
    An OverflowError is SQLite refusing to bind an integer beyond 64 bits (a posted id, a list
    of ids): invalid input, as the API says too, rather than a server error in every form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OverflowError):
            return refusal_response(request, Invalid(NUMBER_TOO_LARGE))
        if not isinstance(exception, DomainError):
            return None
        return refusal_response(request, exception)


def refusal_response(request, error: DomainError):
    """The error page, or for htmx the fragment the notification bar shows, with the error's status."""
    template = "core/error_fragment.html" if is_fragment(request) else "core/error_page.html"
    return render(request, template, {"error": error, "status": error.status}, status=error.status)


class login_required(LoginRequiredMiddleware):  # noqa: N801
    """Every page needs a login unless its view says otherwise; the API authenticates itself
    (token or session) and answers 401 as problem+json rather than redirecting."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
