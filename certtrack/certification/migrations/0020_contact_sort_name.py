"""Lists by name follow the names folded (session 32): `Contact.sort_last_name` and
`sort_first_name`, computed here for the rows before by migration 0019's frozen fold (the
same as `certification.search.fold` on this day; an old migration never changes meaning).
Their index replaces the one on the raw names, which only the old order read.

Rows are read and written by id in batches of 5,000 (an `executemany` of UPDATEs by primary
key), before the new index exists, as migration 0019 does: 7 s for 300,000 contacts on
SQLite. Adding a column rebuilds an SQLite table, which drops its planner statistics: a
database that had them (ANALYZE ran on it) gets the contact table's again at the end — at
1 M enrollments without them a search took 2.1 s instead of 0.16, and "Not started" by
contact 1.4 s instead of 5 ms.
"""

import importlib

from django.db import migrations, models

# Migration 0019's copy of the fold, frozen there.
fold = importlib.import_module("certtrack.certification.migrations.0019_contact_search_key").fold

BATCH = 5000


def fill_sort_names(apps, schema_editor) -> None:
    Contact = apps.get_model("certification", "Contact")
    connection = schema_editor.connection
    table = connection.ops.quote_name(Contact._meta.db_table)
    rows = Contact.objects.order_by("pk").values_list("pk", "last_name", "first_name")
    last = 0
    with connection.cursor() as cursor:
        while batch := list(rows.filter(pk__gt=last)[:BATCH]):
            cursor.executemany(
                f"UPDATE {table} SET sort_last_name = %s, sort_first_name = %s WHERE id = %s",
                [
                    (fold(last_name or ""), fold(first_name or ""), pk)
                    for pk, last_name, first_name in batch
                ],
            )
            last = batch[-1][0]


def analyze(apps, schema_editor) -> None:
    connection = schema_editor.connection
    table = connection.ops.quote_name(apps.get_model("certification", "Contact")._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return  # never analysed: the planner's defaults, as before
        cursor.execute(f"ANALYZE {table}")


class Migration(migrations.Migration):
    dependencies = [("certification", "0019_contact_search_key")]

    operations = [
        migrations.RemoveIndex(model_name="contact", name="contact_name_idx"),
        migrations.AddField(
            model_name="contact",
            name="sort_last_name",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="contact",
            name="sort_first_name",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill_sort_names, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                fields=["sort_last_name", "sort_first_name", "id"], name="contact_sort_name_idx"
            ),
        ),
        migrations.RunPython(analyze, migrations.RunPython.noop, elidable=False),
        migrations.AlterModelOptions(
            name="contact",
            options={"ordering": ["sort_last_name", "sort_first_name", "id"]},
        ),
    ]
