"""The shapes of clients in the REST API (parsing and serialising only)."""

from datetime import datetime

from ninja import Field, Schema

from carte.clients.models import Client, Email, Phone


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


class ClientOut(Schema):
    id: int
    kind: str
    name: str
    first_name: str
    last_name: str
    position: str
    status: str
    owner: EmployeeRef
    notes: str
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Send it back with PATCH; a different value means someone else saved meanwhile.")
    phones: list[PhoneOut]
    emails: list[EmailOut]

    @staticmethod
    def resolve_phones(client) -> list:
        return list(client.phones.all())

    @staticmethod
    def resolve_emails(client) -> list:
        return list(client.emails.all())


class ClientIn(Schema):
    kind: Client.Kind = Client.Kind.COMPANY
    name: str = Field(
        "", max_length=300, description="For a private person, made of first and last name when they are given."
    )
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    position: str = Field("", max_length=150)
    status: Client.Status = Client.Status.LEAD
    owner: int | None = Field(None, description="Employee id; yourself when omitted.")
    notes: str = ""
    phones: list[PhoneIn] = []
    emails: list[EmailIn] = []


class ClientPatch(Schema):
    """Only the fields sent are changed; `phones` / `emails`, when sent, replace the whole list."""

    version: int
    kind: Client.Kind | None = None
    name: str | None = Field(None, max_length=300)
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    position: str | None = Field(None, max_length=150)
    status: Client.Status | None = None
    owner: int | None = None
    notes: str | None = None
    phones: list[PhoneIn] | None = None
    emails: list[EmailIn] | None = None


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
    role: str
    company: ClientRef
    person: ClientRef
