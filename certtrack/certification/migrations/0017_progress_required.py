"""The required components done and required, stored beside the progress percent (a list
row's progress bar reads them instead of evaluating the row). Rows stored before this had
no such columns: they are marked "not evaluated" (progress_until 1900-01-01), as 0014 did,
so the worker's progress step evaluates them again (20,000 a pass) and, meanwhile, lists,
the Progress filter and the exports evaluate them live."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0016_enrollmentcount_covering"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrollment",
            name="progress_required_done",
            field=models.PositiveSmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="enrollment",
            name="progress_required_total",
            field=models.PositiveSmallIntegerField(db_default=0, default=0),
        ),
        # One statement, not the ORM's: frozen here, whatever the model becomes.
        migrations.RunSQL(
            "UPDATE certification_enrollment SET progress_until = '1900-01-01'",
            migrations.RunSQL.noop,
        ),
    ]
