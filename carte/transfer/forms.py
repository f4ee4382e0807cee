"""Parsing what people choose on the import screens; the rules live in carte.transfer.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from carte.transfer.readers.layout import Layout
from carte.transfer.services.mapping import MAX_MAPPING_NAME
from carte.transfer.targets.base import Field, Options, Target

# What the upload offers to choose (the file picker's hint); the reader decides by content anyway.
ACCEPTED = ".csv,.txt,.tsv,.xlsx,.vcf,.vcard"
LEFT_OUT = ""
ENCODING_CHOICES = [
    ("", _("Detect")),
    ("utf-8", _("UTF-8")),
    ("utf-8-sig", _("UTF-8 with BOM")),
    ("utf-16", _("UTF-16")),
    ("cp1251", _("Windows-1251 (Cyrillic)")),
    ("cp1252", _("Windows-1252 / Latin-1")),
]
DELIMITER_CHOICES = [
    ("", _("Detect")),
    (",", _("Comma ,")),
    (";", _("Semicolon ;")),
    ("\t", _("Tab")),
    ("|", _("Vertical bar |")),
]
DECIMAL_CHOICES = [(".", _("Point: 1,234.56")), (",", _("Comma: 1 234,56"))]
DATE_ORDER_CHOICES = [
    ("dmy", _("Day first: 31/12/2024")),
    ("mdy", _("Month first: 12/31/2024")),
    ("ymd", _("Year first: 2024-12-31")),
]
DUPLICATE_CHOICES = [
    ("skip", _("Skip the row")),
    ("update", _("Update the existing record")),
    ("create", _("Create a new record anyway")),
]
UNKNOWN_VALUE_CHOICES = [
    ("reject", _("Reject the row")),
    ("create", _("Add the value to the list")),
]


class UploadForm(forms.Form):
    """What the file holds, and the file."""

    target = forms.ChoiceField(label=_("The file holds"), widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV or text (any delimiter, any common encoding), Excel workbook (.xlsx) or vCard (.vcf)."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED}),
    )

    def __init__(self, *args, targets: list[Target], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [(item.key, item.label) for item in targets]
        if len(targets) == 1:
            self.fields["target"].initial = targets[0].key


class LayoutForm(forms.Form):
    """How the file is read, each setting overriding what was detected; the format decides which are offered."""

    encoding = forms.ChoiceField(label=_("Encoding"), required=False, choices=ENCODING_CHOICES)
    delimiter = forms.ChoiceField(label=_("Delimiter"), required=False, choices=DELIMITER_CHOICES)
    sheet = forms.ChoiceField(label=_("Sheet"), required=False)
    header_row = forms.IntegerField(
        label=_("Header row"),
        required=False,
        min_value=0,
        max_value=1000,
        help_text=_("The row holding the column names; 0 when the file has none."),
    )

    def __init__(self, *args, layout: Layout, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "encoding": layout.encoding,
                "delimiter": layout.delimiter,
                "sheet": layout.sheet,
                "header_row": layout.header_row,
            },
        )
        super().__init__(*args, **kwargs)
        known = {value for value, _label in ENCODING_CHOICES}
        if layout.encoding and layout.encoding not in known:  # a variant the reader detected (utf-16-le…)
            self.fields["encoding"].choices = [*ENCODING_CHOICES, (layout.encoding, layout.encoding.upper())]
        self.fields["sheet"].choices = [(name, name) for name in layout.sheets]
        if layout.format != "csv":
            del self.fields["encoding"], self.fields["delimiter"]
        if layout.format != "xlsx":
            del self.fields["sheet"]
        if layout.format == "vcard":
            del self.fields["header_row"]

    def layout(self) -> dict:
        """The settings chosen, as change_layout takes them; call once valid."""
        return {name: value for name, value in self.cleaned_data.items() if value is not None and value != ""}


class MappingForm(forms.Form):
    """Which field each column fills, and how the rows are read and saved.

    One select per column, named `column_<index>`; the options below them are those of
    carte.transfer.targets.base.Options, checked again by the service.
    """

    decimal = forms.ChoiceField(label=_("Decimal mark"), choices=DECIMAL_CHOICES)
    date_order = forms.ChoiceField(label=_("Dates"), choices=DATE_ORDER_CHOICES)
    duplicates = forms.ChoiceField(label=_("A row matching an existing record"), choices=DUPLICATE_CHOICES)
    match_by = forms.MultipleChoiceField(
        label=_("Find existing records by"), required=False, widget=forms.CheckboxSelectMultiple
    )
    unknown_values = forms.ChoiceField(
        label=_("A value missing from a list (a status, a tag…)"), choices=UNKNOWN_VALUE_CHOICES
    )
    owner = forms.ChoiceField(
        label=_("Owner of the new records"),
        required=False,
        help_text=_("For the rows that name no owner."),
    )

    def __init__(self, *args, columns: list[str], fields: list[Field], chosen_target: Target, employees, **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        choices = [(LEFT_OUT, _("— leave out —")), *((field.key, field.label) for field in fields)]
        for index, header in enumerate(columns):
            self.fields[f"column_{index}"] = forms.ChoiceField(label=header, required=False, choices=choices)
        self.fields["match_by"].choices = list(chosen_target.match_keys.items())
        if not chosen_target.match_keys:
            del self.fields["match_by"]
        self.fields["owner"].choices = [("", _("Who imports"))] + [(str(e.pk), str(e)) for e in employees]

    def column_fields(self) -> list[tuple[int, forms.BoundField]]:
        """(index, select) of each column, in the file's order."""
        return [(index, self[f"column_{index}"]) for index in range(len(self.columns))]

    def option_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in ("decimal", "date_order", "duplicates", "match_by", "unknown_values", "owner")
            if name in self.fields
        ]

    def mapping(self) -> dict[str, str]:
        """{column index as text: field key} of the mapped columns; call once valid."""
        return {
            str(index): self.cleaned_data[f"column_{index}"]
            for index in range(len(self.columns))
            if self.cleaned_data.get(f"column_{index}")
        }

    def options(self) -> dict:
        """The options as configure takes them; call once valid."""
        data = self.cleaned_data
        options = {name: data[name] for name in ("decimal", "date_order", "duplicates", "unknown_values", "owner")}
        if "match_by" in self.fields:
            options["match_by"] = list(data["match_by"])
        return options

    def changes(self, mapping: dict[str, str], options: Options) -> bool:
        """Does what was posted differ from this mapping and these options? (call once valid)"""
        stored = {name: value for name, value in mapping_initial({}, options, []).items() if name in self.fields}
        posted = self.options()
        if "match_by" in posted:
            posted["match_by"], stored["match_by"] = sorted(posted["match_by"]), sorted(stored["match_by"])
        return self.mapping() != mapping or posted != stored


def mapping_initial(mapping: dict[str, str], options: Options, columns: list[str]) -> dict:
    """What the mapping form shows first: the import's mapping (suggested or chosen) and its options."""
    initial = {f"column_{index}": mapping.get(str(index), LEFT_OUT) for index in range(len(columns))}
    return initial | {
        "decimal": options.decimal,
        "date_order": options.date_order,
        "duplicates": options.duplicates,
        "match_by": list(options.match_by),
        "unknown_values": options.unknown_values,
        "owner": str(options.owner or ""),
    }


class SaveMappingForm(forms.Form):
    """The name a mapping is saved under."""

    name = forms.CharField(label=_("Name of the mapping"), max_length=MAX_MAPPING_NAME, required=False)


class SavedMappingForm(forms.Form):
    """One of the user's saved mappings to apply to this file."""

    saved = forms.TypedChoiceField(label=_("Use a saved mapping"), coerce=int, required=False)

    def __init__(self, *args, mappings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["saved"].choices = [("", _("— choose —"))] + [(m.pk, m.name) for m in mappings]
