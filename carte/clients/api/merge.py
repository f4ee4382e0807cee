"""Merging duplicate clients into one."""

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from carte.clients import queries, services
from carte.clients.schemas import ClientOut

router = Router(tags=["clients"])


class MergeIn(Schema):
    survivor: int = Field(description="The id of the client to keep.")
    others: list[int] = Field(description="The ids of the clients merged into it, then deleted.")
    choices: dict[str, int | Literal["both"]] = Field(
        default_factory=dict,
        description="For a field (`name`, `owner`, `status`, `custom_<key>`…), the id of the client whose "
        "value to keep; `both` keeps the notes of every client. Unchosen fields keep the survivor's "
        "value, or the first other client's when the survivor's is empty.",
    )
    versions: dict[str, int] = Field(
        default_factory=dict,
        description="The `version` of each client as you read it, by id: a client changed since makes a 409.",
    )


class MergeOut(Schema):
    survivor: ClientOut
    merged: list[str] = Field(description="The clients merged into the survivor, as “Name (#id)”.")
    moved: dict[str, int] = Field(description="How many records moved to the survivor, by kind.")


@router.post("/merge", response=MergeOut, summary="Merge clients")
def merge_clients(request: HttpRequest, payload: MergeIn):
    """Keep `survivor`, move to it everything that belongs to `others` (lists united without
    repeats, contact links, timeline, other modules' records) and delete them, in one
    transaction. You need the right to edit the survivor and to delete each other client;
    all must be of the same kind."""
    cards = queries.clients_to_merge(request.user, [payload.survivor, *payload.others])
    result = services.merge_clients(
        actor=request.user,
        survivor=cards[0],
        others=cards[1:],
        choices=payload.choices,
        versions=payload.versions or None,
    )
    survivor = queries.prefetch_card(queries.get_client_for(request.user, result.survivor.pk))
    return {"survivor": survivor, "merged": result.merged, "moved": result.moved}
