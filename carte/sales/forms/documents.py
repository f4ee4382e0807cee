"""Parsing what people send on the document screens; the rules live in carte.sales.services.documents.

Choices of records (legal entity, template) stay ids here: the services look them up and
name the field when one does not exist, exactly as for the API.
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from carte.documents.models import DocumentTemplate
from carte.sales.models import SalesDocument


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _languages(blank_label) -> list[tuple[str, str]]:
    return [("", blank_label), *settings.LANGUAGES]


class DocumentCreateForm(forms.Form):
    """Create a document from a deal (the deal card's menu)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=SalesDocument.Kind.choices)
    legal_entity = forms.CharField(label=_("Issued by"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=_languages(_("The company's language")), required=False)
    template = forms.CharField(label=_("Template"), required=False)


class DocumentForm(forms.Form):
    """A document's own fields; `draft` fields (date, due date) only while it is a draft."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    date = forms.DateField(label=_("Date"), widget=_date_input())
    due_date = forms.DateField(label=_("Due date"), widget=_date_input(), required=False)
    language = forms.ChoiceField(label=_("Language of the document"), choices=settings.LANGUAGES)
    template = forms.ChoiceField(label=_("Template"), required=False)
    notes = forms.CharField(
        label=_("Notes printed on the document"),
        required=False,
        max_length=SalesDocument._meta.get_field("notes").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, document: SalesDocument, templates: list[DocumentTemplate], **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "version": document.version,
                "date": document.date,
                "due_date": document.due_date,
                "language": document.language,
                "template": document.template_id or "",
                "notes": document.notes,
            },
        )
        kwargs.setdefault("auto_id", "document-%s")  # the payment panel on the same page has its own "date"
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", _("Default template")), *((t.pk, t.name) for t in templates)]
        if document.template_id and document.template_id not in {t.pk for t in templates}:
            self.fields["template"].choices.append((document.template_id, str(document.template)))
        if document.kind == SalesDocument.Kind.QUOTE:
            self.fields["due_date"].label = _("Valid until")
        if document.status != SalesDocument.Status.DRAFT:
            del self.fields["date"]
            del self.fields["due_date"]


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=SalesDocument.Status.choices)


class TemplateUploadForm(forms.Form):
    """An admin's own template (Settings → Document templates)."""

    name = forms.CharField(label=_("Name"), max_length=DocumentTemplate._meta.get_field("name").max_length)
    purpose = forms.ChoiceField(label=_("Used for"), choices=SalesDocument.Kind.choices)
    format = forms.ChoiceField(label=_("Format"), choices=DocumentTemplate.Format.choices)
    language = forms.ChoiceField(label=_("Language"), choices=_languages(_("Any language")), required=False)
    is_default = forms.BooleanField(
        label=_("Use it by default for this kind of document and language"),
        required=False,
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "A Word document (.docx) or an HTML page, at most 5 MB, with placeholders such as {{ client.name }}."
        ),
    )
