"""Text search on PostgreSQL: trigram indexes for "contains" on a contact's name, email
and organization (the Tracking tab's search box, `?q=`).

Django's icontains reads `UPPER(column::text) LIKE UPPER('%word%')`, so the indexes
are on that expression. SQLite has no trigram index: nothing is done there.
"""

from django.db import migrations

COLUMNS = ("first_name", "last_name", "email", "organization")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS contact_{column}_trgm_idx ON certification_contact "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS contact_{column}_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [("certification", "0002_tracking_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
