"""Likely duplicates: the clients that look like one about to be created or changed."""

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from carte.clients import queries
from carte.clients.schemas import ClientRef

router = Router(tags=["clients"])


class DuplicateQuery(Schema):
    name: str = Field("", max_length=300, description="The name typed (a person's first and last name).")
    phone: list[str] = Field([], description="A phone number, in any format; repeat for several.")
    email: list[str] = Field([], description="An email address; repeat for several.")
    tax_id: list[str] = Field([], description="A tax or registration id, spaces allowed; repeat for several.")
    exclude: int | None = Field(None, description="The id of the client being edited, never reported.")


class ReasonOut(Schema):
    kind: str = Field(description="phone, email, tax_id or name.")
    value: str = Field(description="What matched, as the other client has it.")
    text: str = Field(description="The reason in your language, e.g. “same phone +33612345678”.")


class DuplicateOut(Schema):
    client: ClientRef
    reasons: list[ReasonOut]


@router.get("/duplicates", response=list[DuplicateOut], summary="Likely duplicates of a client")
def client_duplicates(request: HttpRequest, filters: Query[DuplicateQuery]):
    """Clients you may see with the same phone (any format), email (any case) or tax id
    (spaces ignored), or a very similar name (legal forms such as SARL, LLC, ООО ignored);
    most reasons first, at most 5."""
    found = queries.likely_duplicates(
        request.user,
        name=filters.name,
        phones=filters.phone,
        emails=filters.email,
        tax_ids=filters.tax_id,
        exclude=filters.exclude,
    )
    return [
        {
            "client": client,
            "reasons": [{"kind": reason.kind, "value": reason.value, "text": str(reason)} for reason in reasons],
        }
        for client, reasons in found
    ]
