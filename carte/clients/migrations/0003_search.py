"""The search document of clients and its index: pg_trgm on PostgreSQL, an FTS5 table on SQLite.

PostgreSQL needs the pg_trgm extension. It is a trusted extension (PostgreSQL 13+): the
owner of the database may create it; otherwise this migration stops with a message saying
what a superuser must run.
"""

from django.db import migrations, models

from carte.clients.search import FIELD, write_documents
from carte.core import search

TABLE = "clients_client"


def fill_documents(apps, schema_editor):
    # document_of() only reads fields this migration's model has; should it one day read a
    # field added later, freeze a copy of today's version here.
    write_documents(apps.get_model("clients", "Client").objects.using(schema_editor.connection.alias).all())


def install_index(apps, schema_editor):
    search.install_index(schema_editor.connection, TABLE, FIELD)  # ExtensionMissing says what to do


def drop_index(apps, schema_editor):
    search.drop_index(schema_editor.connection, TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0002_client_card"),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="search_document",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_documents, migrations.RunPython.noop),
        migrations.RunPython(install_index, drop_index),
    ]
