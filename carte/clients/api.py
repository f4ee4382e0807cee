"""The clients endpoints of the REST API: the same queries and services as the screens."""

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from carte.clients import queries, services
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
    q: str | None = None
    kind: str | None = None
    status: str | None = None
    owner: str | None = None
    ordering: str | None = None
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def _owner(payload: dict):
    """The employee named by an `owner` id in the payload, replaced in place."""
    if payload.get("owner") is not None:
        payload["owner"] = queries.employee_by_id(payload["owner"])


@router.get("", response=PageOut[ClientOut], summary="List clients")
def list_clients(request: HttpRequest, filters: Query[ClientFilters]):
    """Clients you may see. `q` matches a name, a phone (any 3+ digits) or an email fragment;
    `owner` is an employee id or `me`; `ordering` is one of name, created, updated, status
    (`-` for descending)."""
    criteria = filters.dict(exclude={"page", "page_size"})
    page = page_of(queries.clients_visible_to(request.user, **criteria), filters.page, filters.page_size)
    return paged(page, page.items)


@router.post("", response={201: ClientOut}, summary="Create a client")
def create_client(request: HttpRequest, payload: ClientIn):
    data = payload.dict()
    _owner(data)
    client = services.create_client(actor=request.user, **data)
    return Status(201, queries.get_client_for(request.user, client.pk))


@router.get("/{int:client_id}", response=ClientOut, summary="Read a client")
def read_client(request: HttpRequest, client_id: int):
    return queries.get_client_for(request.user, client_id)


@router.patch("/{int:client_id}", response=ClientOut, summary="Change a client")
def update_client(request: HttpRequest, client_id: int, payload: ClientPatch):
    """Send the `version` you read: if the client changed since, the answer is 409 and
    `errors` shows the current value of each field you were changing."""
    client = queries.get_client_for(request.user, client_id, "edit")
    data = payload.dict(exclude_unset=True, exclude_none=True)
    _owner(data)
    services.update_client(actor=request.user, client=client, **data)
    return queries.get_client_for(request.user, client_id)


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
