"""Shared fixtures: named users, a clock, and builders that go through the services."""

import os
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
import time_machine

from certtrack.certification import services
from certtrack.certification.actors import Actor
from certtrack.certification.models import GeneralSettings

ON_POSTGRES = "postgres" in os.environ.get("CERTTRACK_DATABASE_URL", "")
CHROMIUM = "/usr/bin/chromium"


def at(day: date, hour: int = 12) -> datetime:
    """Noon UTC on `day`: a moment for services' `now=`."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


@pytest.fixture
def travel():
    """Move the one clock: `travel(date(2027, 1, 31))` (noon UTC) or `travel(datetime)`."""
    travellers = []

    def go(when):
        moment = at(when) if isinstance(when, date) and not isinstance(when, datetime) else when
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        travellers.append(traveller)
        return moment

    yield go
    for traveller in travellers:
        traveller.stop()


@pytest.fixture
def admin_user(db):
    from certtrack.accounts.models import User

    return User.objects.create_user(
        "owner@example.com",
        password="correct horse battery",
        is_staff=True,
        is_superuser=True,
        first_name="Olive",
        last_name="Owner",
    )


@pytest.fixture
def staff_user(db):
    from certtrack.accounts.models import User

    return User.objects.create_user(
        "member@example.com",
        password="correct horse battery",
        is_staff=True,
        first_name="Sam",
        last_name="Staff",
    )


@pytest.fixture
def admin(admin_user) -> Actor:
    return Actor.staff(admin_user)


@pytest.fixture
def api_key(admin_user) -> str:
    from certtrack.accounts.models import ApiToken

    return ApiToken.issue(admin_user, "tests")[1]


@pytest.fixture
def settings_row(db) -> GeneralSettings:
    return GeneralSettings.get()


@pytest.fixture
def make_contact(db, admin):
    counter = iter(range(1, 10_000))

    def make(**fields):
        n = next(counter)
        defaults = {
            "first_name": f"Casey{n}",
            "last_name": f"Contact{n}",
            "email": f"casey{n}@example.org",
        }
        return services.create_contact(admin, **(defaults | fields))

    return make


@pytest.fixture
def make_component(db, admin):
    counter = iter(range(1, 10_000))

    def make(kind="course", **fields):
        n = next(counter)
        defaults = {
            "kind": kind,
            "name": f"{kind.title()} {n}",
            "code": f"{kind.upper()}-{n}",
            "credits_earned": Decimal("1"),
            "hours_earned": Decimal("1"),
        }
        return services.create_component(admin, **(defaults | fields))

    return make


@pytest.fixture
def make_program(db, admin, make_component):
    """A program; `required`/`electives` are components (made if given as a count)."""
    counter = iter(range(1, 10_000))

    def make(required=1, electives=0, **fields):
        n = next(counter)
        if isinstance(required, int):
            required = [make_component() for _ in range(required)]
        if isinstance(electives, int):
            electives = [make_component() for _ in range(electives)]
        links = [{"component_id": c.pk, "required": True} for c in required]
        links += [{"component_id": c.pk, "required": False} for c in electives]
        defaults = {"name": f"Program {n}", "code": f"P{n}", "validity_months": 12}
        return services.create_program(admin, components=links, **(defaults | fields))

    return make


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` skip on SQLite."""
    skip = pytest.mark.skip(reason="needs PostgreSQL (CERTTRACK_DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip)
