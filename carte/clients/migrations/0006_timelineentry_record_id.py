"""Timeline entries name the record they are about, so readers see only those of records they may see.

The existing entries get it from their link, as each app built it: /deals/<id>/, /documents/<id>/
(documents, and payments, which point to their invoice), /planner/tasks/<id>/, /calls/<id>/.
An entry whose link says nothing (a deleted deal's) keeps none: only those who see every record
of its kind read it.
"""

import re

from django.db import migrations, models

BATCH = 2000
LINKED = {
    "deal": re.compile(r"/deals/(\d+)/$"),
    "document": re.compile(r"/documents/(\d+)/$"),
    "payment": re.compile(r"/documents/(\d+)/$"),
    "task": re.compile(r"/tasks/(\d+)/$"),
    "call": re.compile(r"/calls/(\d+)/$"),
}


def fill_record_ids(apps, schema_editor):
    """Parse the record's id from each linked entry's link, a batch of entries at a time."""
    entry_model = apps.get_model("clients", "TimelineEntry")
    entries = entry_model.objects.using(schema_editor.connection.alias).filter(
        kind__in=list(LINKED), record_id__isnull=True
    )
    last = 0
    while True:
        batch = list(entries.filter(pk__gt=last).exclude(link="").order_by("pk").only("pk", "kind", "link")[:BATCH])
        if not batch:
            return
        last = batch[-1].pk
        found = []
        for entry in batch:
            match = LINKED[entry.kind].search(entry.link)
            if match:
                entry.record_id = int(match.group(1))
                found.append(entry)
        entry_model.objects.using(schema_editor.connection.alias).bulk_update(found, ["record_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0005_alter_referencevalue_list"),
    ]

    operations = [
        migrations.AddField(
            model_name="timelineentry",
            name="record_id",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(fill_record_ids, migrations.RunPython.noop),
    ]
