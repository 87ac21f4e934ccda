"""Enrollment.source: how each enrollment was created, a stored fact the outbox reads
instead of searching History for the action (issue 17). Existing rows take it from the
History row that created them; a row with none keeps "" (nobody applied)."""

from django.db import migrations, models

# The History actions that create an enrollment, each also a source value. A row takes
# the first that names it (an import may later update a row another action created).
CREATING_ACTIONS = ("apply", "add", "record_existing", "enroll_attendee", "import_certification")


def fill_from_history(apps, schema_editor):
    Enrollment = apps.get_model("certification", "Enrollment")
    History = apps.get_model("certification", "History")
    for action in CREATING_ACTIONS:
        created = History.objects.filter(action=action, enrollment_id__isnull=False)
        Enrollment.objects.filter(source="", pk__in=created.values("enrollment_id")).update(
            source=action
        )


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0011_scale_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrollment",
            name="source",
            field=models.CharField(
                blank=True,
                choices=[
                    ("apply", "Applied"),
                    ("add", "Added by staff"),
                    ("record_existing", "Existing certification recorded"),
                    ("enroll_attendee", "Enrolled as an event attendee"),
                    ("import_certification", "Imported"),
                ],
                default="",
                db_default="",
                max_length=20,
            ),
        ),
        migrations.RunPython(fill_from_history, migrations.RunPython.noop),
    ]
