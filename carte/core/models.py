"""Shared tables: the audit log."""

from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One thing that happened: who did what to which record, with old → new values.

    Rows are only ever added. `actor_name` and `object_repr` are copies so the log
    still reads well after the employee or the record is gone.
    """

    class Verb(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logged out")
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")
        RIGHTS = "rights", _("Rights changed")
        EXPORT = "export", _("Exported")

    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("who"), max_length=200, blank=True)
    verb = models.CharField(_("what"), max_length=20, choices=Verb.choices)
    model = models.CharField(_("kind of record"), max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("record"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="audit_at"),
            models.Index(fields=["verb", "-at"], name="audit_verb_at"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
            models.Index(fields=["model", "object_id"], name="audit_object"),
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.verb} {self.object_repr}"

    def changed_fields(self, labels: dict | None = None) -> list[tuple[str, object, object]]:
        """(label, old, new) for each change, the label in the reader's language.

        `labels` ({name: label}, from field_labels) when already known, as changes_of does for a page.
        """
        labels = field_labels(self.model, list(self.changes)) if labels is None else labels
        return [(labels.get(name, name), *values) for name, values in self.changes.items()]


def field_label(model_label: str, name: str) -> str:
    """What people call a field of a model ("clients.client", "phones" → "phones", translated).

    A related list (a client's phones) is named by its records' plural; a name that is no
    field (a model since removed, a computed change such as "sessions_ended") shows as it is.
    """
    try:
        field = apps.get_model(model_label)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return name
    if field.auto_created and not field.concrete:
        return str(field.related_model._meta.verbose_name_plural)
    return str(field.verbose_name)


# Apps that record changes under names that are no field of their model (a client's custom
# fields, "custom_<key>") say what those names are called: model label → labeller.
_labellers: dict[str, Callable[[list[str]], dict[str, str]]] = {}


def register_field_labels(model_label: str, labeller: Callable[[list[str]], dict[str, str]]) -> None:
    """Name the changes of a model recorded under names that are no field of it.

    `labeller(names)` answers {name: label} for the names it knows, at most one query per call.
    """
    _labellers[model_label] = labeller


def _is_field(model_label: str, name: str) -> bool:
    try:
        apps.get_model(model_label)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return False
    return True


def field_labels(model_label: str, names: list[str]) -> dict[str, str]:
    """field_label of several names of one model; the others asked of the model's labeller, once."""
    labels = {name: field_label(model_label, name) for name in names}
    others = [name for name in names if not _is_field(model_label, name)]
    labeller = _labellers.get(model_label)
    if labeller is not None and others:
        labels |= {name: str(label) for name, label in labeller(others).items()}
    return labels


def changes_of(entries) -> list[list[tuple[str, object, object]]]:
    """changed_fields of several entries (a page of the log), each model's labeller asked once."""
    names: dict[str, set[str]] = {}
    for entry in entries:
        names.setdefault(entry.model, set()).update(entry.changes)
    labels = {model: field_labels(model, sorted(found)) for model, found in names.items()}
    return [entry.changed_fields(labels[entry.model]) for entry in entries]


class LiveMessage(models.Model):
    """A live message waiting for the browsers of one employee, when Redis is not configured.

    carte.core.live writes here and every web process reads what is new, so the embedded
    setup (several web workers and the job worker, no Redis) still delivers across processes.
    Rows are kept for minutes only.
    """

    recipient_id = models.BigIntegerField(db_index=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.recipient_id}: {self.payload}"
