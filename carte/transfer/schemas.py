"""The shapes of imports in the REST API (parsing and answers only; the rules live in the services)."""

from datetime import datetime

from ninja import Field, Schema

from carte.transfer.models import Import, ImportRow

# --- imports ------------------------------------------------------------------------------------


class LayoutIn(Schema):
    """How to read the file; each setting left out is detected."""

    format: str | None = Field(None, description="csv, xlsx or vcard (detected from the content).")
    encoding: str | None = Field(None, description="CSV: utf-8, utf-8-sig, utf-16, cp1251 or cp1252.")
    delimiter: str | None = Field(None, description='CSV: ",", ";", "\\t" or "|".')
    sheet: str | None = Field(None, description="XLSX: the sheet's name (the first by default).")
    header_row: int | None = Field(None, ge=0, description="The 1-based row of the headers; 0: the file has none.")


class LayoutOut(Schema):
    format: str
    encoding: str
    delimiter: str
    sheet: str
    sheets: list[str]
    header_row: int


class OptionsSchema(Schema):
    """How the texts are read and the rows saved; each option left out keeps its default."""

    decimal: str | None = Field(None, description='The decimal mark of numbers: "." or ",".')
    date_order: str | None = Field(None, description="How 01/02/2024 reads: dmy, mdy or ymd.")
    duplicates: str | None = Field(None, description="A row matching an existing record: skip, update or create.")
    match_by: list[str] | None = Field(
        None, description="What finds an existing record: email, phone, tax_id, external_id."
    )
    unknown_values: str | None = Field(None, description="A value missing from a reference list: create or reject.")
    owner: int | None = Field(None, description="The employee who owns new records when a row names none.")


class ImportOut(Schema):
    id: int
    target: str = Field(description="clients, deals, products, tasks or notes.")
    status: str = Field(description=", ".join(Import.Status.values) + ".")
    status_label: str = Field(description="The status in words, in your language.")
    file_name: str
    size: int
    format: str
    owner_id: int
    total_rows: int | None = Field(description="Data rows in the file, once counted (null before the first job).")
    rows_done: int = Field(description="Rows the run has saved so far.")
    created: int
    updated: int
    skipped: int
    failed: int
    check_counts: dict[str, int] = Field(description="The dry run's rows by outcome, and `rows` checked so far.")
    error: str = Field(description="Why the last job stopped, when it did.")
    created_at: datetime
    checked_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    undone_at: datetime | None


class ImportDetailOut(ImportOut):
    """An import with how its file is read and mapped."""

    columns: list[str] = Field(description="The file's headers, by column index.")
    mapping: dict[str, str] = Field(description="{column index: field key} of the mapped columns.")
    options: OptionsSchema
    layout: LayoutOut
    fields: list["FieldOut"] = Field(description="The fields a column can be mapped to.")


class FieldOut(Schema):
    key: str
    label: str
    many: bool = Field(description="Several values (and several columns) may fill it.")
    required: bool


class MappingIn(Schema):
    mapping: dict[str, str] = Field(description='{column index: field key}; "" or a missing index leaves a column out.')
    options: OptionsSchema = Field(default_factory=OptionsSchema)


class PreviewRowOut(Schema):
    number: int = Field(description="The row's number as a spreadsheet shows it.")
    outcome: str = Field(description="created, updated, skipped or failed: what saving it would do.")
    message: str = Field(description="Why it would fail or be skipped.")
    cells: list[str] = Field(description="The file's cells, by column index.")
    shown: dict[str, str] = Field(description="The record as it would be saved: field label → text.")


class PreviewOut(Schema):
    rows: list[PreviewRowOut]


class ImportRowOut(Schema):
    number: int
    phase: str = Field(description=", ".join(ImportRow.Phase.values) + ".")
    outcome: str = Field(description=", ".join(ImportRow.Outcome.values) + ".")
    object_id: int | None = Field(description="The record created, updated or matched.")
    message: str = Field(description="Why the row failed or was skipped.")


class SavedMappingIn(Schema):
    import_id: int = Field(description="The import whose mapping is saved, by header.")
    name: str


class SavedMappingOut(Schema):
    id: int
    name: str
    target: str
    fields: dict[str, str] = Field(description="{header as in the file: field key}.")
    created_at: datetime


ImportDetailOut.model_rebuild()
