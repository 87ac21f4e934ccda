"""The migrations that ship email templates carry their own frozen texts (issue 17):
an old migration means the same whatever `defaults.py` says later."""

import ast
import importlib
import sys
from pathlib import Path

from django.apps import apps as live_apps

from certtrack.notifications import migrations
from certtrack.notifications.defaults import DEFAULTS
from certtrack.notifications.models import EmailTemplate

MIGRATIONS = sorted(Path(migrations.__file__).parent.glob("[0-9]*.py"))


def _imported_names(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            names |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return names


def test_no_notifications_migration_imports_live_code_of_the_package():
    imports = {path.name: _imported_names(path.read_text()) for path in MIGRATIONS}
    live = {
        name: sorted(n for n in found if n.startswith("certtrack.notifications"))
        for name, found in imports.items()
    }
    assert MIGRATIONS
    assert {name: found for name, found in live.items() if found} == {}


class _Rows:
    """Stands for a historical model's manager: records what the migration writes."""

    def __init__(self):
        self.written: dict[str, dict] = {}

    def get_or_create(self, kind, defaults):
        self.written.setdefault(kind, defaults)
        return None, True


class _Apps:
    def __init__(self):
        self.objects = _Rows()

    def get_model(self, app, name):
        assert (app, name) == ("notifications", "EmailTemplate")
        return self


def test_running_the_template_migrations_does_not_import_the_defaults(monkeypatch):
    # A None entry in sys.modules makes any import of the module fail.
    monkeypatch.setitem(sys.modules, "certtrack.notifications.defaults", None)
    monkeypatch.delattr(sys.modules["certtrack.notifications"], "defaults", raising=False)
    apps = _Apps()
    _migration("0002_default_templates").create_defaults(apps, None)
    assert len(apps.objects.written) == 8
    assert all(
        set(fields) == {"subject", "text_body", "html_body"}
        for fields in apps.objects.written.values()
    )


def _migration(name: str):
    return importlib.import_module(f"certtrack.notifications.migrations.{name}")


def test_the_frozen_texts_of_the_migrations_add_up_to_todays_defaults():
    # What a fresh database gets: 0002's texts, then 0006's new emails and changed text.
    shipped = dict(_migration("0002_default_templates").DEFAULTS)
    later = _migration("0006_templates_with_reasons")
    for kind, fields in later.NEW.items():
        shipped.setdefault(kind, fields)
    for kind, texts in later.CHANGED.items():
        assert shipped[kind] == texts["old"]
        shipped[kind] = texts["new"]
    # Then 0010's day-first dates.
    for kind, texts in _migration("0010_day_first_dates").CHANGED.items():
        assert shipped[kind] == texts["old"]
        shipped[kind] = texts["new"]
    # A text changed in defaults.py needs a data migration that ships it (see defaults.py).
    assert shipped == DEFAULTS


def test_day_first_dates_replace_only_the_templates_still_as_shipped(db):
    """0010: a template still the old shipped text gets day-first dates (and back on
    reverse); one an administrator edited, even in one field, is kept as it is."""
    day_first = _migration("0010_day_first_dates")
    expiring, expired = (
        day_first.CHANGED["certification_expiring"],
        day_first.CHANGED["certification_expired"],
    )
    edited = expired["old"] | {"subject": "{{ program.name }}: expired"}
    EmailTemplate.objects.filter(kind="certification_expiring").update(**expiring["old"])
    EmailTemplate.objects.filter(kind="certification_expired").update(**edited)

    def stored(kind: str) -> dict:
        row = EmailTemplate.objects.values("subject", "text_body", "html_body").get(kind=kind)
        return dict(row)

    day_first.day_first(live_apps, None)
    assert stored("certification_expiring") == expiring["new"]
    assert "expires_on|date:'j F Y'" in stored("certification_expiring")["text_body"]
    assert stored("certification_expired") == edited

    day_first.month_first(live_apps, None)
    assert stored("certification_expiring") == expiring["old"]
    assert stored("certification_expired") == edited
