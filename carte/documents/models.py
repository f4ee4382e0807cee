"""Document templates: DOCX (docxtpl) or HTML (printed to PDF by WeasyPrint), uploaded by admins."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DocumentTemplate(models.Model):
    """An admin's own template for one purpose ("invoice", "quote"…) and language.

    The built-in templates are not rows: they ship with Carte and are used when a document
    names no template. Placeholders are Jinja ({{ client.name }}, {% for line in lines %}).
    """

    class Format(models.TextChoices):
        DOCX = "docx", _("Word document (DOCX)")
        HTML = "html", _("HTML, printed to PDF")

    name = models.CharField(_("name"), max_length=100)
    purpose = models.CharField(_("used for"), max_length=20)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, blank=True)
    file = models.FileField(_("file"), upload_to="templates/", max_length=200)
    is_default = models.BooleanField(_("used by default"), default=False)
    archived = models.BooleanField(_("archived"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["purpose", "name", "id"]
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")

    def __str__(self):
        return self.name
