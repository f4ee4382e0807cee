"""REST API conventions: problem details (RFC 9457) for every error, and paged lists."""

from typing import Generic, TypeVar

from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from carte.core.errors import DomainError, NotFound
from carte.core.listing import Page

T = TypeVar("T")

PROBLEM_TYPE = "application/problem+json"
# The titles of problems are said in the request's language, as every message is (see `problem_body`).
INVALID_REQUEST = _("Invalid request")
AUTHENTICATION_REQUIRED = _("Authentication required")
HOW_TO_AUTHENTICATE = _("Send a session cookie or 'Authorization: Bearer <token>'.")
NUMBER_TOO_LARGE = _("A number in the request is too large.")
# Ninja's own refusals (HttpError) are in English: these are the ones it raises.
NINJA_TITLES = {"Cannot parse request body": _("Cannot parse request body")}


class PageOut(Schema, Generic[T]):
    """A page of a list: `count` is the total across pages."""

    count: int
    page: int
    page_size: int
    pages: int
    results: list[T]


def paged(page: Page, results: list) -> dict:
    return {"count": page.count, "page": page.number, "page_size": page.size, "pages": page.pages, "results": results}


def problem_body(status: int, title, detail=None, errors=None) -> dict:
    """An RFC 9457 problem; `title` and `detail` are lazy translations, said here in the request's language."""
    body = {"type": "about:blank", "title": str(title), "status": status}
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    return body


def problem(api: NinjaAPI, request: HttpRequest, status: int, title, detail=None, errors=None):
    response = api.create_response(request, problem_body(status, title, detail, errors), status=status)
    response["Content-Type"] = PROBLEM_TYPE
    return response


def problem_response(status: int, title, detail=None) -> JsonResponse:
    """A problem answered before the API is reached (by a middleware)."""
    return JsonResponse(problem_body(status, title, detail), status=status, content_type=PROBLEM_TYPE)


PROBLEM_SCHEMA = {
    "title": "Problem",
    "description": "An error, as RFC 9457 problem details.",
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "description": "What is wrong with the input: messages by field, or the validation errors.",
            "anyOf": [
                {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
                {"type": "array", "items": {"type": "object"}},
            ],
        },
    },
    "required": ["type", "title", "status"],
}


def document_problems(schema: dict) -> dict:
    """Declare in an OpenAPI schema that every operation may answer a problem+json client error."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for operations in schema["paths"].values():
        for operation in operations.values():
            # Ninja keys the responses by number; "4XX" is a text key, and the schema is exported sorted.
            responses = {str(status): response for status, response in operation["responses"].items()}
            responses.setdefault(
                "4XX",
                {
                    "description": "Refused: not signed in, not allowed, not found, a conflict or invalid input.",
                    "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                },
            )
            operation["responses"] = responses
    return schema


def install_problem_handlers(api: NinjaAPI) -> None:
    """Every refusal, validation failure and unexpected error answers problem+json, and the
    OpenAPI schema says so for every operation."""
    openapi_schema = api.get_openapi_schema

    def get_openapi_schema(**kwargs):
        return document_problems(openapi_schema(**kwargs))

    api.get_openapi_schema = get_openapi_schema  # type: ignore[method-assign]

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return problem(
            api, request, exc.status, exc.title, exc.message, {k: [str(m) for m in v] for k, v in exc.errors.items()}
        )

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        return problem(api, request, 422, INVALID_REQUEST, errors=exc.errors)

    @api.exception_handler(OverflowError)
    def number_out_of_range(request, exc: OverflowError):
        # SQLite cannot bind an integer beyond 64 bits (an id in a list of ids, say): bad input, not a crash.
        return problem(api, request, 422, INVALID_REQUEST, NUMBER_TOO_LARGE)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return problem(api, request, 401, AUTHENTICATION_REQUIRED, HOW_TO_AUTHENTICATE)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return problem(api, request, exc.status_code, NINJA_TITLES.get(str(exc), str(exc)))

    @api.exception_handler(Http404)
    def not_found(request, exc: Http404):
        # get_object_or_404 in an operation: the same answer as a service's NotFound.
        return problem(api, request, NotFound.status, NotFound.title)
