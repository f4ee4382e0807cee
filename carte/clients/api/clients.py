"""Clients themselves: list, read, create, change, delete, timeline, notes and contacts."""

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from carte.clients import queries, services
from carte.clients.filters import read_filters
from carte.clients.schemas import (
    ClientIn,
    ClientOut,
    ClientPatch,
    ContactOut,
    NoteIn,
    TimelineEntryOut,
    TimelineOut,
)
from carte.core.api import PageOut, paged
from carte.core.listing import DEFAULT_PAGE_SIZE, page_of

router = Router(tags=["clients"])


class ClientFilters(Schema):
    """The list's filters, those of the list screen (carte.clients.filters); several values of
    one filter mean any of them. Each active custom field adds its own parameters."""

    q: str | None = Field(None, description="A fragment of a name, a phone (3+ digits), an email or a tax id.")
    kind: list[str] = Field([], description="company, person.")
    status: list[str] = Field([], description="Status keys (GET /api/v1/reference-lists/status).")
    type: list[str] = Field([], description="Client type keys.")
    source: list[str] = Field([], description="Source keys.")
    industry: list[str] = Field([], description="Industry keys.")
    tags: list[str] = Field([], description="Tag keys.")
    tags_match: str | None = Field(None, description="any (default): clients with one of the tags; all: with all.")
    owner: list[str] = Field([], description="Employee ids, or `me`.")
    department: list[str] = Field([], description="Department ids of the owner.")
    created_from: str | None = Field(None, description="YYYY-MM-DD, included (in your time zone).")
    created_to: str | None = Field(None, description="YYYY-MM-DD, included.")
    updated_from: str | None = Field(None, description="YYYY-MM-DD, included.")
    updated_to: str | None = Field(None, description="YYYY-MM-DD, included.")
    birthday_month: str | None = Field(None, description="1 to 12.")
    has_phone: str | None = Field(None, description="yes or no.")
    has_email: str | None = Field(None, description="yes or no.")
    ordering: str | None = Field(
        None, description="name, created, updated, status, type or owner; `-` first for descending."
    )
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def _owner(payload: dict):
    """The employee named by an `owner` id in the payload, replaced in place."""
    if payload.get("owner") is not None:
        payload["owner"] = queries.employee_by_id(payload["owner"])


def _read(request: HttpRequest, client_id: int):
    return queries.prefetch_card(queries.get_client_for(request.user, client_id))


@router.get("", response=PageOut[ClientOut], summary="List clients")
def list_clients(request: HttpRequest, filters: Query[ClientFilters]):
    """Clients you may see, filtered and sorted as on the list screen. Custom fields are filtered
    with `cf_<key>`: text contains (`cf_<key>_exact`: equals), choices one of (repeat it), yes/no,
    employee ids or `me`; `cf_<key>_min` / `_max` for numbers and money, `cf_<key>_from` / `_to`
    for dates. An unknown parameter or value is refused (400) with the accepted ones."""
    criteria = read_filters(request.GET)
    clients = queries.with_card_lists(queries.clients_for(request.user, criteria))
    page = page_of(clients, filters.page, filters.page_size)
    return paged(page, page.items)


@router.post("", response={201: ClientOut}, summary="Create a client")
def create_client(request: HttpRequest, payload: ClientIn):
    data = payload.dict()
    _owner(data)
    client = services.create_client(actor=request.user, **data)
    return Status(201, _read(request, client.pk))


@router.get("/{int:client_id}", response=ClientOut, summary="Read a client")
def read_client(request: HttpRequest, client_id: int):
    return _read(request, client_id)


@router.patch("/{int:client_id}", response=ClientOut, summary="Change a client")
def update_client(request: HttpRequest, client_id: int, payload: ClientPatch):
    """Send the `version` you read: if the client changed since, the answer is 409 and
    `errors` shows the current value of each field you were changing."""
    client = queries.get_client_for(request.user, client_id, "edit")
    data = payload.dict(exclude_unset=True)
    _owner(data)
    services.update_client(actor=request.user, client=client, **data)
    return _read(request, client_id)


@router.delete("/{int:client_id}", response={204: None}, summary="Delete a client")
def delete_client(request: HttpRequest, client_id: int):
    client = queries.get_client_for(request.user, client_id, "delete")
    services.delete_client(actor=request.user, client=client)
    return Status(204, None)


@router.get("/{int:client_id}/timeline", response=TimelineOut, summary="A client's timeline")
def client_timeline(
    request: HttpRequest, client_id: int, kind: str | None = None, before: str | None = None, limit: int = 30
):
    """Newest first; pass the answer's `next` as `before` for the older entries."""
    client = queries.get_client_for(request.user, client_id)
    page = queries.timeline_for(request.user, client, kind=kind, before=before, limit=limit)
    return {"results": page.entries, "next": page.next_cursor}


@router.post("/{int:client_id}/notes", response={201: TimelineEntryOut}, summary="Add a note")
def add_note(request: HttpRequest, client_id: int, payload: NoteIn):
    client = queries.get_client_for(request.user, client_id)
    return Status(201, services.add_note(actor=request.user, client=client, text=payload.text))


@router.get("/{int:client_id}/contacts", response=list[ContactOut], summary="A client's contact links")
def client_contacts(request: HttpRequest, client_id: int):
    """A company's contact persons, or a private person's companies."""
    client = queries.get_client_for(request.user, client_id)
    return queries.contacts_of(request.user, client)
