"""Ship the default text of every email (kept if an administrator already edited one)."""

from django.db import migrations


def create_defaults(apps, schema_editor):
    from certtrack.notifications.defaults import DEFAULTS

    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    for kind, fields in DEFAULTS.items():
        EmailTemplate.objects.get_or_create(kind=str(kind), defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
