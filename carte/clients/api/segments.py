"""Segments: saved filters of the client list, private or shared; the same services as the screens."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from carte.clients import queries, services
from carte.clients.filters import read_filters
from carte.clients.queries import segments
from carte.clients.schemas import ClientOut, EmployeeRef
from carte.core.api import PageOut, paged
from carte.core.listing import DEFAULT_PAGE_SIZE, page_of

router = Router(tags=["segments"])

FILTERS = "The list's parameters, as GET /api/v1/clients takes them: {name: value or list of values}."
COLUMNS = (
    "Columns of the list screen and of exports (name, kind, status, owner, phone… cf_<key>); none: each person's own."
)


class SegmentOut(Schema):
    id: int
    name: str
    shared: bool = Field(description="Offered to everyone; each still sees only the clients they may see.")
    owner: EmployeeRef
    filters: dict[str, list[str]] = Field(description=FILTERS)
    columns: list[str] = Field(description=COLUMNS)
    created_at: datetime


class SegmentIn(Schema):
    name: str = Field(max_length=100)
    shared: bool = False
    filters: dict[str, str | list[str]] = Field({}, description=FILTERS)
    columns: list[str] = Field([], description=COLUMNS)


class SegmentPatch(Schema):
    """Only the fields sent change."""

    name: str | None = Field(None, max_length=100)
    shared: bool | None = None
    filters: dict[str, str | list[str]] | None = Field(None, description=FILTERS)
    columns: list[str] | None = Field(None, description=COLUMNS)


@router.get("", response=list[SegmentOut], summary="List segments")
def list_segments(request: HttpRequest):
    """Your own segments and those shared with everyone, by name."""
    return segments.segments_for(request.user)


@router.post("", response={201: SegmentOut}, summary="Save a segment")
def create_segment(request: HttpRequest, payload: SegmentIn):
    """The filters are checked as the list checks them: an unknown one is refused (400)."""
    return Status(201, services.create_segment(actor=request.user, **payload.dict()))


@router.get("/{int:segment_id}", response=SegmentOut, summary="Read a segment")
def read_segment(request: HttpRequest, segment_id: int):
    return segments.get_segment_for(request.user, segment_id)


@router.patch("/{int:segment_id}", response=SegmentOut, summary="Change a segment")
def update_segment(request: HttpRequest, segment_id: int, payload: SegmentPatch):
    """Its owner or an administrator only."""
    segment = segments.get_segment_for(request.user, segment_id)
    return services.update_segment(actor=request.user, segment=segment, **payload.dict(exclude_unset=True))


@router.delete("/{int:segment_id}", response={204: None}, summary="Delete a segment")
def delete_segment(request: HttpRequest, segment_id: int):
    """Its owner or an administrator only."""
    services.delete_segment(actor=request.user, segment=segments.get_segment_for(request.user, segment_id))
    return Status(204, None)


@router.get("/{int:segment_id}/clients", response=PageOut[ClientOut], summary="Clients of a segment")
def segment_clients(request: HttpRequest, segment_id: int, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE):
    """The clients the segment's filters find among those you may see. Its filters are checked
    again: one naming something deleted since is refused (400) and names what to change."""
    segment = segments.get_segment_for(request.user, segment_id)
    clients = queries.with_card_lists(queries.clients_for(request.user, read_filters(segment.filters)))
    found = page_of(clients, page, page_size)
    return paged(found, found.items)
