"""Reading segments: the saved filters of the client list that a user may open.

A segment is private to its owner or shared with everyone; administrators may open and
tidy every segment. Sharing a segment shares the question, not the answers: whoever opens
it sees only the clients the policy lets them see.
"""

from django.db.models import Q, QuerySet

from carte.clients.models import Segment
from carte.core import policy
from carte.core.errors import NotFound


def manages_every_segment(actor) -> bool:
    """Administrators (those who manage roles and rights) may rename or delete anyone's segment."""
    return policy.can_in_module(actor, "roles", policy.Action.EDIT)


def _readable(actor) -> QuerySet:
    segments = Segment.objects.select_related("owner")
    if manages_every_segment(actor):
        return segments
    return segments.filter(Q(owner_id=actor.pk) | Q(shared=True))


def segments_for(actor) -> list[Segment]:
    """The user's own segments and the shared ones, by name, in one query (an administrator's
    list stays the same: other people's private segments are opened by address only)."""
    if not actor.is_authenticated:
        return []
    return list(
        Segment.objects.filter(Q(owner_id=actor.pk) | Q(shared=True)).select_related("owner").order_by("name", "id")
    )


def get_segment_for(actor, pk) -> Segment:
    """A segment this user may open; NotFound when it does not exist or is someone else's private one."""
    try:
        return _readable(actor).get(pk=int(pk))
    except (Segment.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
