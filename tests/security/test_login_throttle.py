"""Staff and admin sign-in are throttled per account (django-axes) and per address
(certtrack.accounts.throttle, a higher limit)."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

PASSWORD = "correct horse battery"
LOCKED = "Too many failed sign-ins"


def sign_in(client, email, password, address="203.0.113.7", path="/staff/login/"):
    return client.post(path, {"username": email, "password": password}, REMOTE_ADDR=address)


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def test_thirty_wrong_passwords_lock_the_account_and_say_so(client, staff_user):
    answers = [sign_in(client, staff_user.email, f"wrong-{n}") for n in range(30)]
    assert [r.status_code for r in answers[:4]] == [200] * 4
    assert {r.status_code for r in answers[4:]} == {429}
    page = answers[-1].content.decode()
    assert LOCKED in page and "try again in 15 minutes" in page
    # Locked means locked: the right password is refused too, and no session starts.
    response = sign_in(client, staff_user.email, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_account_is_locked_whatever_the_address_or_letter_case(client, staff_user):
    for n in range(5):
        sign_in(client, staff_user.email.upper(), "wrong", address=f"198.51.100.{n}")
    assert sign_in(client, staff_user.email, PASSWORD, address="192.0.2.99").status_code == 429


def test_the_address_is_locked_whatever_the_account(client, staff_user, admin_user, settings):
    settings.CERTTRACK_LOGIN_ADDRESS_FAILURE_LIMIT = 12
    for n in range(12):  # a spray: a few tries on many accounts, none locked on its own
        sign_in(client, f"guess{n // 3}@example.com", "wrong")
    assert sign_in(client, admin_user.email, PASSWORD).status_code == 429
    # Another address signs in to the same account.
    assert sign_in(client, admin_user.email, PASSWORD, address="192.0.2.1").status_code == 302


def test_one_accounts_typos_do_not_lock_out_colleagues_at_the_same_address(
    client, staff_user, admin_user
):
    """From a new user's trial: 6 wrong passwords for staff@ locked admin@ out too."""
    for _ in range(6):
        sign_in(client, staff_user.email, "wrong")
    assert sign_in(client, staff_user.email, PASSWORD).status_code == 429
    assert sign_in(client, admin_user.email, PASSWORD).status_code == 302


def test_trying_during_the_lockout_does_not_extend_it(client, staff_user):
    for _ in range(5):
        sign_in(client, staff_user.email, "wrong")
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        assert sign_in(client, staff_user.email, PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        assert sign_in(client, staff_user.email, PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_with_the_same_counts(client, admin_user):
    for _ in range(3):
        sign_in(client, admin_user.email, "wrong", path="/staff/admin/login/")
    for _ in range(2):
        sign_in(client, admin_user.email, "wrong")
    response = sign_in(client, admin_user.email, PASSWORD, path="/staff/admin/login/")
    assert response.status_code == 429 and LOCKED in response.content.decode()


def test_after_the_cool_off_the_right_password_works(client, staff_user):
    for _ in range(5):
        sign_in(client, staff_user.email, "wrong")
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        assert sign_in(client, staff_user.email, PASSWORD).status_code == 302


def test_the_limit_is_a_setting(client, staff_user, settings):
    settings.AXES_FAILURE_LIMIT = 2
    assert sign_in(client, staff_user.email, "wrong").status_code == 200
    assert sign_in(client, staff_user.email, "wrong").status_code == 429


def test_each_failure_is_logged(client, staff_user, caplog):
    with caplog.at_level(logging.WARNING, logger="axes"):
        sign_in(client, staff_user.email, "wrong")
        sign_in(client, staff_user.email, "wrong")
    failures = [r for r in caplog.records if "login failure" in r.getMessage()]
    assert len(failures) == 2
    assert staff_user.email in failures[0].getMessage()
