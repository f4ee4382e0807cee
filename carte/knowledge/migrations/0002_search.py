"""The search index of articles: pg_trgm on PostgreSQL, an FTS5 table on SQLite (see carte.core.search).

PostgreSQL needs the pg_trgm extension (the clients' search migration installs it; this one
does too when the knowledge app is migrated first).
"""

from django.db import migrations

from carte.core import search

TABLE = "knowledge_article"
FIELD = "search_document"


def install_index(apps, schema_editor):
    search.install_index(schema_editor.connection, TABLE, FIELD)  # ExtensionMissing says what to do


def drop_index(apps, schema_editor):
    search.drop_index(schema_editor.connection, TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install_index, drop_index),
    ]
