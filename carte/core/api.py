"""REST API conventions: problem details (RFC 9457) for every error, and paged lists."""

from typing import Generic, TypeVar

from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from carte.core.errors import DomainError
from carte.core.listing import Page

T = TypeVar("T")

PROBLEM_TYPE = "application/problem+json"


class PageOut(Schema, Generic[T]):
    """A page of a list: `count` is the total across pages."""

    count: int
    page: int
    page_size: int
    pages: int
    results: list[T]


def paged(page: Page, results: list) -> dict:
    return {"count": page.count, "page": page.number, "page_size": page.size, "pages": page.pages, "results": results}


def problem(api: NinjaAPI, request: HttpRequest, status: int, title, detail=None, errors=None):
    body = {"type": "about:blank", "title": str(title), "status": status}
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM_TYPE
    return response


def install_problem_handlers(api: NinjaAPI) -> None:
    """Every refusal, validation failure and unexpected error answers problem+json."""

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return problem(
            api, request, exc.status, exc.title, exc.message, {k: [str(m) for m in v] for k, v in exc.errors.items()}
        )

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        return problem(api, request, 422, "Invalid request", errors=exc.errors)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return problem(
            api, request, 401, "Authentication required", "Send a session cookie or 'Authorization: Bearer <token>'."
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return problem(api, request, exc.status_code, str(exc))
