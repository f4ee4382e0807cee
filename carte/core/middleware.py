"""Security headers and the one place where refusals from services become responses."""

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

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


def refuse_nul_bytes(get_response):
    """A NUL character in the address or its parameters is refused (400) before any view reads it.

    No one types one; PostgreSQL can neither store nor compare text holding it, so a search,
    filter or record key with "%00" would otherwise end in a server error.
    """

    def middleware(request):
        values = [request.path, *(text for key, texts in request.GET.lists() for text in [key, *texts])]
        if not any("\x00" in value for value in values):
            return get_response(request)
        message = _("The address holds a character that is not allowed (NUL).")
        if request.path.startswith("/api/"):
            body = {"type": "about:blank", "title": str(Invalid.title), "status": 400, "detail": message}
            return JsonResponse(body, status=400, content_type="application/problem+json")
        return refusal_response(request, Invalid(message))

    return middleware


class domain_errors:  # noqa: N801 - named like the function middlewares beside it
    """Turn NotAllowed / NotFound / Conflict / Invalid raised in a view into a page or fragment.

    htmx requests get the message as a small fragment; full requests get the error page.
    The API has its own handler that answers problem+json.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
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
