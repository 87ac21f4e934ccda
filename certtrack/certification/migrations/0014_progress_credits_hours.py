"""The credits and hours that count, stored beside the progress percent (the exports read
them). Rows stored before this had no such columns: they are marked "not evaluated"
(progress_until 1900-01-01), so the worker's progress step evaluates them again (20,000
a pass) and, meanwhile, the Progress filter and the exports evaluate them live."""

from datetime import date
from decimal import Decimal
from django.db import migrations, models


def mark_not_evaluated(apps, schema_editor):
    Enrollment = apps.get_model("certification", "Enrollment")
    Enrollment.objects.update(progress_until=date(1900, 1, 1))


class Migration(migrations.Migration):

    dependencies = [
        ('certification', '0013_progress_stored'),
    ]

    operations = [
        migrations.AddField(
            model_name='enrollment',
            name='progress_credits',
            field=models.DecimalField(db_default=Decimal('0'), decimal_places=2, default=Decimal('0'), max_digits=10),
        ),
        migrations.AddField(
            model_name='enrollment',
            name='progress_hours',
            field=models.DecimalField(db_default=Decimal('0'), decimal_places=2, default=Decimal('0'), max_digits=10),
        ),
        migrations.RunPython(mark_not_evaluated, migrations.RunPython.noop),
    ]
