"""Parsing the knowledge base's forms (the rules, such as the longest text, live in the services)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from carte.knowledge.models import Article, Category
from carte.knowledge.queries.articles import ALL_LANGUAGES, HELP_MODULES


def _module_choices() -> list[tuple[str, str]]:
    return [("", _("No module")), *((key, label) for key, label in HELP_MODULES.items())]


class ArticleForm(forms.Form):
    """An article as its writer edits it. The text has no length limit here: the service says how long is too long."""

    title = forms.CharField(label=_("title"), max_length=Article._meta.get_field("title").max_length)
    category = forms.ModelChoiceField(
        label=_("category"), queryset=Category.objects.all(), required=False, empty_label=_("No category")
    )
    language = forms.ChoiceField(label=_("language"), choices=settings.LANGUAGES)
    help_for = forms.ChoiceField(
        label=_("help for the module"),
        choices=_module_choices,
        required=False,
        help_text=_("The help link of this module's screens opens this article (in the reader's language)."),
    )
    for_newcomers = forms.BooleanField(label=_("on the reading list of new employees"), required=False)
    body = forms.CharField(
        label=_("text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true"}),
        help_text=_(
            "Markdown: # headings, **bold**, *italics*, - lists, [links](https://…), tables, `code`. "
            "No HTML. Images only from this site."
        ),
    )

    def __init__(self, *args, article: Article | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if article is not None and article.help_for and article.help_for not in HELP_MODULES:
            # A module tagged through the API that the list does not name: keep it choosable.
            self.fields["help_for"].choices = [*_module_choices(), (article.help_for, article.help_for)]


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=Category._meta.get_field("name").max_length)
    order = forms.IntegerField(label=_("order"), min_value=0, max_value=1_000_000, initial=100)


class ArticleFilterForm(forms.Form):
    """The list's search box and filters (GET)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    language = forms.ChoiceField(
        label=_("language"),
        required=False,
        choices=[("", _("My language")), (ALL_LANGUAGES, _("All languages")), *settings.LANGUAGES],
    )
    category = forms.CharField(label=_("category"), required=False, widget=forms.Select)
    module = forms.SlugField(label=_("module"), required=False, max_length=50, widget=forms.Select)

    def __init__(self, *args, categories: list[Category], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("All categories")), *((str(c.pk), c.name) for c in categories), ("none", _("No category"))]
        self.fields["category"].widget.choices = choices
        modules = [("", _("All modules")), *HELP_MODULES.items()]
        asked = self.data.get("module") if self.is_bound else None
        if asked and asked not in HELP_MODULES:
            modules.append((asked, asked))
        self.fields["module"].widget.choices = modules
