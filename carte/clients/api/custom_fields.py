"""Custom fields: what a client's `custom` accepts (read by every employee), defined by admins."""

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from carte.clients import queries, services
from carte.clients.models import CustomField

router = Router(tags=["custom fields"])

KIND_DESCRIPTION = (
    "What a client's `custom` takes for this field: text: a string; number: a number or a string "
    'such as "12.5"; money: an amount in `currency`; date: "YYYY-MM-DD"; choice: one of `options`; '
    "multichoice: a list of `options`; boolean: true or false; employee: an employee id. "
    'Send null or "" to clear a value.'
)


class CustomFieldOut(Schema):
    key: str = Field(description="The field's name in a client's `custom`; it never changes.")
    label: str
    kind: CustomField.Kind = Field(description=KIND_DESCRIPTION)
    options: list[str] = Field(description="The choices of a choice or multichoice field, in display order.")
    currency: str = Field(description="ISO 4217 code of a money field; empty for other kinds.")
    required: bool = Field(description="A new client must have a value.")
    order: int
    archived: bool = Field(description="Hidden from cards; `custom` does not accept it.")


class CustomFieldFilters(Schema):
    archived: bool = Field(False, description="Include archived fields.")


class CustomFieldIn(Schema):
    label: str = Field(max_length=100)
    kind: CustomField.Kind
    options: list[str] = Field([], description="Required for choice and multichoice: at most 50, distinct.")
    currency: str = Field("", max_length=3, description="Required for money: an ISO 4217 code such as EUR.")
    required: bool = False
    key: str | None = Field(None, max_length=60, description="Made from the label when omitted; it never changes.")


class CustomFieldPatch(Schema):
    """Only what is sent changes. `kind` changes only while no client has a value in the field."""

    label: str | None = Field(None, max_length=100)
    kind: CustomField.Kind | None = None
    options: list[str] | None = Field(
        None, description="The new choices. A choice clients have can be dropped only when `rename` maps it."
    )
    rename: dict[str, str] | None = Field(
        None, description="{old choice: new choice}: clients that have the old one get the new one."
    )
    currency: str | None = Field(None, max_length=3, description="Changing it does not convert the amounts.")
    required: bool | None = None
    order: int | None = Field(None, ge=0)
    archived: bool | None = None


@router.get("", response=list[CustomFieldOut], summary="List custom fields")
def list_custom_fields(request: HttpRequest, filters: Query[CustomFieldFilters]):
    """The fields a client's `custom` accepts, in the order cards show them."""
    return queries.custom_fields(archived=filters.archived)


@router.post("", response={201: CustomFieldOut}, summary="Add a custom field")
def create_custom_field(request: HttpRequest, payload: CustomFieldIn):
    return Status(201, services.create_custom_field(actor=request.user, **payload.dict()))


@router.get("/{key}", response=CustomFieldOut, summary="Read a custom field")
def read_custom_field(request: HttpRequest, key: str):
    return queries.get_custom_field(key)


@router.patch("/{key}", response=CustomFieldOut, summary="Change a custom field")
def update_custom_field(request: HttpRequest, key: str, payload: CustomFieldPatch):
    field = queries.get_custom_field(key)
    return services.update_custom_field(actor=request.user, field=field, **payload.dict(exclude_unset=True))


@router.delete("/{key}", response={204: None}, summary="Delete a custom field without values")
def delete_custom_field(request: HttpRequest, key: str):
    """A field clients have values in is refused (409): archive it instead (PATCH archived=true)."""
    field = queries.get_custom_field(key)
    services.delete_custom_field(actor=request.user, field=field)
    return Status(204, None)
