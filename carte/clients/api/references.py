"""The reference lists ("directories"): read by every employee, changed by those with the right."""

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from carte.clients import queries, services
from carte.clients.models import ReferenceValue
from carte.clients.queries.references import is_builtin

router = Router(tags=["reference lists"])
LIST_KEYS = ", ".join(ReferenceValue.List.values)


class ReferenceValueOut(Schema):
    key: str = Field(description="What clients' fields (status, type, source, industry, tags) and contacts' role take.")
    label: str = Field(description="The name to show, in your language for a built-in value not renamed.")
    order: int
    archived: bool = Field(description="Kept on the cards that have it; refused for new choices.")
    builtin: bool = Field(description="One of the values Carte starts with; its name is translated until renamed.")

    @staticmethod
    def resolve_label(value) -> str:
        return str(value)

    @staticmethod
    def resolve_builtin(value) -> bool:
        return is_builtin(value)


class ReferenceListOut(Schema):
    key: str = Field(description=f"One of: {LIST_KEYS}.")
    label: str
    values: list[ReferenceValueOut]


class ReferenceValueIn(Schema):
    label: str = Field(max_length=100)
    key: str | None = Field(
        None, max_length=60, description="Made from the label when omitted (-2, -3… when taken); it never changes."
    )


class ReferenceValuePatch(Schema):
    """Only what is sent changes. An empty `label` gives a built-in value back its translated name."""

    label: str | None = Field(None, max_length=100)
    archived: bool | None = None


class ReferenceOrderIn(Schema):
    keys: list[str] = Field(description="The list's keys in the new order; values not named follow in their order.")


@router.get("", response=list[ReferenceListOut], summary="All reference lists")
def list_reference_lists(request: HttpRequest):
    """Every list with all its values, archived ones included (flagged)."""
    return queries.reference_lists()


@router.get("/{reference_list}", response=ReferenceListOut, summary="One reference list")
def read_reference_list(request: HttpRequest, reference_list: str):
    return queries.reference_list(reference_list)


@router.post("/{reference_list}", response={201: ReferenceValueOut}, summary="Add a value to a list")
def add_reference_value(request: HttpRequest, reference_list: str, payload: ReferenceValueIn):
    value = services.add_reference_value(actor=request.user, reference_list=reference_list, **payload.dict())
    return Status(201, value)


@router.put("/{reference_list}/order", response=ReferenceListOut, summary="Reorder a list")
def reorder_reference_list(request: HttpRequest, reference_list: str, payload: ReferenceOrderIn):
    services.reorder_reference_values(actor=request.user, reference_list=reference_list, keys=payload.keys)
    return queries.reference_list(reference_list)


@router.patch("/{reference_list}/{key}", response=ReferenceValueOut, summary="Rename, archive or restore a value")
def update_reference_value(request: HttpRequest, reference_list: str, key: str, payload: ReferenceValuePatch):
    """Archiving the last status offered is refused (409): every client needs a status."""
    value = queries.get_reference_value(reference_list, key)
    return services.update_reference_value(actor=request.user, value=value, **payload.dict(exclude_unset=True))


@router.delete("/{reference_list}/{key}", response={204: None}, summary="Delete an unused value")
def delete_reference_value(request: HttpRequest, reference_list: str, key: str):
    """A value in use is refused (409, saying on how many cards): archive it instead."""
    value = queries.get_reference_value(reference_list, key)
    services.delete_reference_value(actor=request.user, value=value)
    return Status(204, None)
