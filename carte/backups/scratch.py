"""What a scratch restore of an archive shows, for verification to compare with the manifest."""

from dataclasses import dataclass

from django.apps import apps
from django.db import models


@dataclass
class Report:
    tables: dict[str, int]  # row count per table of the restored copy
    migrations: dict[str, list[str]]  # django_migrations of the restored copy, per app, sorted
    file_values: set[str]  # every FileField value stored in the restored copy


def file_columns() -> list[tuple[str, str]]:
    """(table, column) of every FileField (and ImageField) of the installed models."""
    return sorted(
        {
            (model._meta.db_table, field.column)
            for model in apps.get_models()
            for field in model._meta.local_concrete_fields
            if isinstance(field, models.FileField)
        }
    )
