"""The shapes of clients in the REST API (parsing and serialising only)."""

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from carte.clients.models import Client, Email, Messenger, Phone, TaxId
from carte.clients.queries import custom_values_of


class PhoneIn(Schema):
    number: str = Field(max_length=50)
    kind: Phone.Kind = Phone.Kind.WORK


class PhoneOut(Schema):
    number: str
    kind: str
    e164: str


class EmailIn(Schema):
    address: str = Field(max_length=254)
    kind: Email.Kind = Email.Kind.WORK


class EmailOut(Schema):
    address: str
    kind: str


class EmployeeRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(employee) -> str:
        return str(employee)


class ClientRef(Schema):
    id: int
    kind: str
    name: str


class TaxIdIn(Schema):
    kind: TaxId.Kind
    value: str = Field(max_length=50)


class TaxIdOut(Schema):
    kind: str
    value: str


class MessengerIn(Schema):
    kind: Messenger.Kind
    handle: str = Field(max_length=150)


class MessengerOut(Schema):
    kind: str
    handle: str


class ReferenceRef(Schema):
    """A reference list value: its stable `key` (what you send) and its label in your language."""

    key: str
    label: str

    @staticmethod
    def resolve_label(value) -> str:
        return str(value)


CUSTOM_DESCRIPTION = (
    "Custom field values by field key (see GET /api/v1/custom-fields): text, number, money "
    "and date (YYYY-MM-DD) as strings or numbers, yes/no as booleans, choices as the option text, "
    "several choices as a list, an employee as their id."
)


class ClientOut(Schema):
    id: int
    kind: str
    name: str
    legal_name: str
    first_name: str
    middle_name: str
    last_name: str
    birthday: date | None
    position: str
    website: str
    bank_details: str
    address_legal: str
    address_postal: str
    address_actual: str
    industry: ReferenceRef | None
    type: ReferenceRef | None
    status: ReferenceRef
    source: ReferenceRef | None
    tags: list[ReferenceRef]
    owner: EmployeeRef
    notes: str
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Send it back with PATCH; a different value means someone else saved meanwhile.")
    phones: list[PhoneOut]
    emails: list[EmailOut]
    tax_ids: list[TaxIdOut]
    messengers: list[MessengerOut]
    custom: dict[str, Any] = Field(description=CUSTOM_DESCRIPTION)

    @staticmethod
    def resolve_phones(client) -> list:
        return list(client.phones.all())

    @staticmethod
    def resolve_emails(client) -> list:
        return list(client.emails.all())

    @staticmethod
    def resolve_tax_ids(client) -> list:
        return list(client.tax_ids.all())

    @staticmethod
    def resolve_messengers(client) -> list:
        return list(client.messengers.all())

    @staticmethod
    def resolve_tags(client) -> list:
        return list(client.tags.all())

    @staticmethod
    def resolve_custom(client) -> dict:
        return custom_values_of(client)


class ClientIn(Schema):
    kind: Client.Kind = Client.Kind.COMPANY
    name: str = Field(
        "", max_length=300, description="For a private person, made of first and last name when they are given."
    )
    legal_name: str = Field("", max_length=300)
    first_name: str = Field("", max_length=150)
    middle_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    birthday: date | None = None
    position: str = Field("", max_length=150)
    website: str = Field("", max_length=300)
    bank_details: str = ""
    address_legal: str = ""
    address_postal: str = ""
    address_actual: str = ""
    industry: str | None = Field(None, description="Key of an industry (GET /api/v1/reference-lists/industry).")
    type: str | None = Field(None, description="Key of a client type.")
    status: str | None = Field(None, description="Key of a status; the default status (lead) when omitted.")
    source: str | None = Field(None, description="Key of a source.")
    tags: list[str] = Field([], description="Keys of tags.")
    owner: int | None = Field(None, description="Employee id; yourself when omitted.")
    notes: str = ""
    phones: list[PhoneIn] = []
    emails: list[EmailIn] = []
    tax_ids: list[TaxIdIn] = []
    messengers: list[MessengerIn] = []
    custom: dict[str, Any] = Field(default_factory=dict, description=CUSTOM_DESCRIPTION)


class ClientPatch(Schema):
    """Only the fields sent are changed; a list (`phones`, `emails`, `tax_ids`, `messengers`, `tags`),
    when sent, replaces the whole list; `custom` changes only the fields it names."""

    version: int
    kind: Client.Kind | None = None
    name: str | None = Field(None, max_length=300)
    legal_name: str | None = Field(None, max_length=300)
    first_name: str | None = Field(None, max_length=150)
    middle_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    birthday: date | None = None
    position: str | None = Field(None, max_length=150)
    website: str | None = Field(None, max_length=300)
    bank_details: str | None = None
    address_legal: str | None = None
    address_postal: str | None = None
    address_actual: str | None = None
    industry: str | None = None
    type: str | None = None
    status: str | None = None
    source: str | None = None
    tags: list[str] | None = None
    owner: int | None = None
    notes: str | None = None
    phones: list[PhoneIn] | None = None
    emails: list[EmailIn] | None = None
    tax_ids: list[TaxIdIn] | None = None
    messengers: list[MessengerIn] | None = None
    custom: dict[str, Any] | None = Field(None, description=CUSTOM_DESCRIPTION)


class TimelineEntryOut(Schema):
    id: int
    at: datetime
    kind: str
    summary: str
    link: str
    actor: EmployeeRef | None


class TimelineOut(Schema):
    results: list[TimelineEntryOut]
    next: str | None = Field(description="Pass as `before` to get the older entries; null at the end.")


class NoteIn(Schema):
    text: str = Field(max_length=500)


class ContactOut(Schema):
    id: int
    role: ReferenceRef | None
    company: ClientRef
    person: ClientRef
