"""Folded rows of the count aggregate (issue 18): a fold adds the rows appended since
the last one into one folded row per key (an upsert on a unique index of the folded
keys) instead of rewriting every key.

The SQL is frozen here, as the code read when this was written.
"""

from django.db import migrations, models

TABLE = "certification_enrollmentcount"
KEY = {
    "postgresql": "(COALESCE(program_id, 0), status, COALESCE(expires_on, 'infinity'::date))",
    "sqlite": "(COALESCE(program_id, 0), status, COALESCE(expires_on, 'none'))",
}


def fold_existing(apps, schema_editor) -> None:
    """Every row there becomes its key's one folded row (sums of 0 dropped)."""
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (program_id, status, expires_on, n, folded) "
            f"SELECT program_id, status, expires_on, SUM(n), true FROM {TABLE} "
            "WHERE NOT folded GROUP BY program_id, status, expires_on HAVING SUM(n) <> 0"
        )
        cursor.execute(f"DELETE FROM {TABLE} WHERE NOT folded")
        cursor.execute(
            f"CREATE UNIQUE INDEX enrollmentcount_folded_key ON {TABLE} {KEY[vendor]} "
            "WHERE folded"
        )


def unfold(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS enrollmentcount_folded_key")


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0014_progress_credits_hours"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrollmentcount",
            name="folded",
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.AddIndex(
            model_name="enrollmentcount",
            index=models.Index(
                condition=models.Q(("folded", False)),
                fields=["id"],
                name="enrollmentcount_unfolded_idx",
            ),
        ),
        migrations.RunPython(fold_existing, unfold),
    ]
