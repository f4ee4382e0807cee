"""Saving filters of the client list as segments, private or shared, and changing them.

A segment stores the list's parameters as carte.clients.filters reads them (checked when
saved, and again whenever it is opened, since values may since have been archived or
deleted) and the columns to show. Only its owner, or an administrator, changes or deletes it.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from carte.clients.filters import read_filters
from carte.clients.models import Client, Segment
from carte.clients.queries.lists import read_columns
from carte.clients.queries.segments import manages_every_segment
from carte.core import policy
from carte.core.audit import Verb, diff, record, snapshot
from carte.core.errors import Invalid, NotAllowed

AUDITED = ["name", "shared", "filters", "columns"]
NAME_LIMIT = 100


def may_change_segment(actor, segment: Segment) -> bool:
    """Its owner and administrators may rename, update or delete a segment."""
    return segment.owner_id == actor.pk or manages_every_segment(actor)


def _name(actor, name, segment: Segment | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid(errors={"name": [_("Give the segment a name.")]})
    if len(name) > NAME_LIMIT:
        raise Invalid(errors={"name": [_("At most %(limit)d characters.") % {"limit": NAME_LIMIT}]})
    owner = segment.owner_id if segment else actor.pk
    same = Segment.objects.filter(owner_id=owner, name__iexact=name)
    if segment is not None:
        same = same.exclude(pk=segment.pk)
    if same.exists():
        raise Invalid(errors={"name": [_("There is already a segment called “%(name)s”.") % {"name": name}]})
    return name


def _filters(filters) -> dict:
    """The parameters as the list reads them (cleaned); Invalid names each wrong one."""
    return read_filters(filters or {}).params


def _columns(columns) -> list[str]:
    return [column.key for column in read_columns(columns)] if columns else []


def _values(segment: Segment) -> dict:
    return snapshot(segment, ["name", "shared"]) | {"filters": segment.filters, "columns": segment.columns}


@transaction.atomic
def create_segment(*, actor, name: str, shared: bool = False, filters=None, columns=None) -> Segment:
    """Save list parameters (and columns; none keeps each person's own) as a segment of `actor`.

    Shared segments are offered to everyone in the list's sidebar.
    """
    policy.require(actor, policy.Action.VIEW, Client)
    segment = Segment(
        owner=actor,
        name=_name(actor, name),
        shared=bool(shared),
        filters=_filters(filters),
        columns=_columns(columns),
    )
    segment.save()
    record(actor, Verb.CREATE, segment, changes=diff({}, _values(segment)))
    return segment


@transaction.atomic
def update_segment(*, actor, segment: Segment, name=None, shared=None, filters=None, columns=None) -> Segment:
    """Rename, share or unshare a segment, or give it the current filters (and columns).

    None leaves a value as it is; changing nothing writes nothing.
    """
    if not may_change_segment(actor, segment):
        raise NotAllowed(_("Only the owner of a segment or an administrator may change it."))
    before = _values(segment)
    if name is not None:
        segment.name = _name(actor, name, segment)
    if shared is not None:
        segment.shared = bool(shared)
    if filters is not None:
        segment.filters = _filters(filters)
    if columns is not None:
        segment.columns = _columns(columns)
    changes = diff(before, _values(segment))
    if changes:
        segment.save()
        record(actor, Verb.UPDATE, segment, changes=changes)
    return segment


@transaction.atomic
def delete_segment(*, actor, segment: Segment) -> None:
    """Delete a segment; the clients it found are not touched."""
    if not may_change_segment(actor, segment):
        raise NotAllowed(_("Only the owner of a segment or an administrator may delete it."))
    values = _values(segment)
    record(actor, Verb.DELETE, segment, changes=diff(values, dict.fromkeys(values)))
    segment.delete()
