"""Shared fixtures: named users, signed-in clients, a clock, and the builders of
tests/builders.py bound to the administrator."""

import os
from datetime import date, datetime
from functools import partial

import pytest
import time_machine

from certtrack.certification.actors import Actor
from certtrack.certification.models import GeneralSettings
from tests import builders
from tests.builders import at  # noqa: F401  (imported from here by many tests)

ON_POSTGRES = "postgres" in os.environ.get("CERTTRACK_DATABASE_URL", "")
CHROMIUM = "/usr/bin/chromium"


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


@pytest.fixture(autouse=True)
def _numbers_from_one():
    """Default names and codes count from 1 in each test (tests/builders.py)."""
    builders.reset_numbers()


@pytest.fixture
def make_contact(db, admin):
    """`make_contact(**fields)`: tests/builders.py's, by the administrator."""
    return partial(builders.make_contact, admin)


@pytest.fixture
def make_component(db, admin):
    """`make_component(kind="course", **fields)`: tests/builders.py's, by the administrator."""
    return partial(builders.make_component, admin)


@pytest.fixture
def make_program(db, admin):
    """`make_program(required=1, electives=0, **fields)`: tests/builders.py's, by the
    administrator; `required`/`electives` are components (made if given as a count)."""
    return partial(builders.make_program, admin)


@pytest.fixture
def admin_client(client, admin_user):
    """Django's test client signed in as the administrator."""
    client.force_login(admin_user)
    return client


@pytest.fixture
def staff_client(client, staff_user):
    """Django's test client signed in as a staff user who is not an administrator."""
    client.force_login(staff_user)
    return client


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` skip on SQLite."""
    skip = pytest.mark.skip(reason="needs PostgreSQL (CERTTRACK_DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip)
