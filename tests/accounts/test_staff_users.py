"""Setup › Staff users (PRODUCT.md §9): invite, set a password from the email, change role,
deactivate (never delete), reset a forgotten password; API tokens listed and revoked."""

import re
from datetime import UTC

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from certtrack.accounts import services
from certtrack.accounts.models import ApiToken, User
from certtrack.certification.actors import Actor
from certtrack.certification.errors import Invalid, Refused
from certtrack.certification.models import AuditObject, History
from certtrack.notifications.models import Email, EmailStatus, Kind

BASE_URL = "https://certs.example.org"


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.BASE_URL = BASE_URL
    settings.CERTTRACK_ISSUER_NAME = "Guild of Rope Access"


def emailed_path(message) -> str:
    match = re.search(re.escape(BASE_URL) + r"(/staff/password/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def choose_password(path: str, password: str = "a long new passphrase") -> Client:
    """Follow an emailed link and choose a password, as a browser would."""
    browser = Client()
    form = browser.get(path, follow=True)  # Django swaps the token for a session one
    assert b"Choose your password" in form.content
    done = browser.post(
        form.redirect_chain[-1][0],
        {"new_password1": password, "new_password2": password},
        follow=True,
    )
    assert b"Password saved" in done.content
    return browser


def test_an_invited_user_sets_a_password_from_the_email_and_signs_in(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the email goes out on commit
        response = admin_client.post(
            reverse("backoffice:users"),
            {"email": "New.Person@example.org", "role": "staff", "first_name": "Nia"},
            follow=True,
        )
    assert b"Invitation sent to new.person@example.org" in response.content
    user = User.objects.get(email="new.person@example.org")
    assert user.is_active and user.is_staff and not user.is_superuser
    assert not user.has_usable_password()
    # Through the outbox: the row is there, sent at once to the user.
    email = Email.objects.get(kind=Kind.STAFF_INVITATION)
    assert email.user == user and email.status == EmailStatus.SENT and email.body == ""
    (message,) = mail.outbox
    assert message.to == ["new.person@example.org"]
    assert "Guild of Rope Access" in message.subject
    assert "owner@example.com invited you" in message.body and " as staff" in message.body

    choose_password(emailed_path(message))
    browser = Client()
    signed_in = browser.post(
        reverse("backoffice:login"),
        {"username": "new.person@example.org", "password": "a long new passphrase"},
        follow=True,
    )
    assert signed_in.redirect_chain[-1][0] == reverse("backoffice:tracking")
    # The link works once.
    again = Client().get(emailed_path(message), follow=True)
    assert b"This link no longer works" in again.content
    row = History.objects.get(object_type=AuditObject.USER, action="invite_user")
    assert row.object_id == user.pk and row.changes["role"] == [None, "staff"]
    assert row.actor == "owner@example.com"


def test_inviting_an_existing_user_or_a_bad_address_changes_nothing(admin_client, staff_user):
    response = admin_client.post(
        reverse("backoffice:users"), {"email": "MEMBER@example.com", "role": "staff"}
    )
    assert b"member@example.com is already a staff user." in response.content
    response = admin_client.post(reverse("backoffice:users"), {"email": "nobody", "role": "staff"})
    assert b"Enter a valid email address." in response.content
    # A staff user's trial: a 70-character local part was invited (RFC 5321 allows 64).
    long = "a" * 70 + "@example.org"
    response = admin_client.post(reverse("backoffice:users"), {"email": long, "role": "staff"})
    assert "The part before @ is longer than 64 characters" in response.content.decode()
    assert User.objects.count() == 2 and not mail.outbox and not Email.objects.exists()
    invited = services.invite("new@example.org", "staff", Actor.staff(staff_user))
    page = admin_client.get(reverse("backoffice:user", args=[invited.pk])).content.decode()
    assert "<dt>Invited</dt>" in page and "<dt>Joined</dt>" not in page


def test_staff_without_the_administrator_role_cannot_manage_users(client, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("backoffice:users")).status_code == 403
    response = client.post(reverse("backoffice:users"), {"email": "x@example.org", "role": "staff"})
    assert response.status_code == 403 and not User.objects.filter(email="x@example.org").exists()


def test_changing_the_role_is_recorded_and_the_last_administrator_stays(
    admin_client, admin_user, staff_user
):
    url = reverse("backoffice:user_role", args=[staff_user.pk])
    admin_client.post(url, {"role": "administrator"})
    staff_user.refresh_from_db()
    assert staff_user.is_superuser
    row = History.objects.get(action="change_role")
    assert row.changes == {"role": ["staff", "administrator"]} and row.object_id == staff_user.pk

    admin_client.post(reverse("backoffice:user_role", args=[staff_user.pk]), {"role": "staff"})
    response = admin_client.post(
        reverse("backoffice:user_role", args=[admin_user.pk]), {"role": "staff"}, follow=True
    )
    assert b"the only active administrator" in response.content
    admin_user.refresh_from_db()
    assert admin_user.is_superuser
    with pytest.raises(Invalid, match="role must be administrator or staff"):
        services.set_role(staff_user.pk, "owner", Actor.staff(admin_user))


def test_a_deactivated_user_cannot_sign_in_nor_use_tokens_and_is_kept(
    admin_client, admin_user, staff_user
):
    token, key = ApiToken.issue(staff_user, "sync")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    assert api.get("/api/v1/settings").status_code in (200, 403)  # the token works
    admin_client.post(reverse("backoffice:user_active", args=[staff_user.pk]), {"active": "0"})
    staff_user.refresh_from_db()
    assert not staff_user.is_active
    assert User.objects.filter(pk=staff_user.pk).exists()  # never deleted
    assert api.get("/api/v1/settings").status_code == 401
    login = Client().post(
        reverse("backoffice:login"),
        {"username": "member@example.com", "password": "correct horse battery"},
    )
    assert login.status_code == 200  # the form again, not a redirect into the back-office
    assert History.objects.get(action="deactivate_user").changes == {"is_active": [True, False]}
    # Reactivated, they are back.
    admin_client.post(reverse("backoffice:user_active", args=[staff_user.pk]), {"active": "1"})
    assert api.get("/api/v1/settings").status_code != 401


def test_an_administrator_cannot_deactivate_themselves(admin_client, admin_user):
    response = admin_client.post(
        reverse("backoffice:user_active", args=[admin_user.pk]), {"active": "0"}, follow=True
    )
    assert b"You cannot deactivate yourself." in response.content
    admin_user.refresh_from_db()
    assert admin_user.is_active
    # Not offered first: a staff user's trial was asked "Are you sure?", then refused.
    page = admin_client.get(reverse("backoffice:user", args=[admin_user.pk])).content.decode()
    assert "You cannot deactivate yourself: another administrator can." in page
    assert reverse("backoffice:user_active", args=[admin_user.pk]) not in page


def test_tokens_are_listed_with_their_last_use_and_can_be_revoked(admin_client, staff_user, travel):
    from datetime import date

    travel(date(2026, 6, 15))
    token, key = ApiToken.issue(staff_user, "payroll sync")
    Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/contacts")
    page = admin_client.get(reverse("backoffice:user", args=[staff_user.pk]))
    assert b"payroll sync" in page.content and token.prefix.encode() in page.content
    assert b"15 Jun 2026" in page.content  # last used
    listing = admin_client.get(reverse("backoffice:users"))
    assert b"member@example.com" in listing.content

    admin_client.post(reverse("backoffice:token_revoke", args=[staff_user.pk, token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiToken.objects.authenticate(key) is None
    assert History.objects.get(action="revoke_token").object_id == staff_user.pk


def test_a_token_of_another_user_is_not_revoked_through_this_page(
    admin_client, admin_user, staff_user
):
    token, _ = ApiToken.issue(admin_user, "mine")
    admin_client.post(reverse("backoffice:token_revoke", args=[staff_user.pk, token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_administrator_issues_a_token_shown_once(admin_client, admin_user, staff_user):
    url = reverse("backoffice:token_issue", args=[staff_user.pk])
    response = admin_client.post(url, {"name": "  LMS sync "})
    assert "no-store" in response["Cache-Control"]  # the key is in this response only
    key = re.search(r'value="(ct_[^"]+)"', response.content.decode()).group(1)
    token = ApiToken.objects.authenticate(key)
    assert token.user == staff_user and token.name == "LMS sync"
    assert b"cannot show it again" in response.content
    row = History.objects.get(action="issue_token")
    assert (row.object_id, row.user) == (staff_user.pk, admin_user)
    # Shown once: the user's page, read again, lists the token without its key.
    page = admin_client.get(reverse("backoffice:user", args=[staff_user.pk])).content.decode()
    assert "LMS sync" in page and token.prefix in page and key not in page
    assert "API token" in page  # the history's change, in words


def test_a_second_live_token_of_one_name_is_refused_unless_replacing(admin_client, staff_user):
    url = reverse("backoffice:token_issue", args=[staff_user.pk])
    first, _ = ApiToken.issue(staff_user, "LMS sync")
    refused = admin_client.post(url, {"name": "LMS sync"}).content.decode()
    assert "already has a live token named &#x27;LMS sync&#x27;: give another name" in refused
    assert "--rotate" not in refused and 'value="ct_' not in refused
    assert ApiToken.objects.filter(user=staff_user).count() == 1
    # An empty name is the form's error, nothing issued.
    assert "This field is required." in admin_client.post(url, {"name": " "}).content.decode()
    assert ApiToken.objects.filter(user=staff_user).count() == 1
    # Replacing: the old one stops working in the same step.
    admin_client.post(url, {"name": "LMS sync", "rotate": "on"})
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert ApiToken.objects.filter(user=staff_user, revoked_at__isnull=True).count() == 1


def test_no_token_for_a_deactivated_user_nor_by_a_staff_user(admin_client, staff_user, admin_user):
    ApiToken.issue(staff_user, "old sync")
    services.set_active(staff_user.pk, False, Actor.staff(admin_user))
    page = admin_client.get(reverse("backoffice:user", args=[staff_user.pk])).content.decode()
    assert f'action="{reverse("backoffice:token_issue", args=[staff_user.pk])}"' not in page
    # The list counts no live token for them: theirs do not work (a staff user's trial).
    listing = admin_client.get(reverse("backoffice:users")).content.decode()
    row = listing[listing.index(staff_user.email) :].split("</tr>")[0]
    assert re.search(r'class="num">(<span[^>]*>)?0<', row), row
    url = reverse("backoffice:token_issue", args=[staff_user.pk])
    refused = admin_client.post(url, {"name": "LMS sync"}).content.decode()
    assert "is deactivated: reactivate them to issue a token." in refused
    assert ApiToken.objects.filter(user=staff_user).count() == 1
    # Administrators only: a staff user cannot issue one, not even for themselves.
    services.set_active(staff_user.pk, True, Actor.staff(admin_user))
    own = Client()
    own.force_login(staff_user)
    response = own.post(url, {"name": "mine"})
    assert response.status_code == 403
    assert ApiToken.objects.filter(user=staff_user).count() == 1


def test_a_forgotten_password_is_reset_from_the_emailed_link(
    client, staff_user, django_capture_on_commit_callbacks
):
    page = client.get(reverse("backoffice:login"))
    assert reverse("backoffice:password_reset").encode() in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("backoffice:password_reset"), {"email": "Member@Example.com"}, follow=True
        )
    assert b"Check your email" in response.content
    assert Email.objects.get(kind=Kind.PASSWORD_RESET).user == staff_user
    (message,) = mail.outbox
    assert message.to == ["member@example.com"] and "reset" in message.subject.lower()
    choose_password(emailed_path(message), "another long passphrase")
    staff_user.refresh_from_db()
    assert staff_user.check_password("another long passphrase")


def test_an_unknown_address_asking_for_a_reset_gets_the_same_answer_and_no_email(client, db):
    response = client.post(
        reverse("backoffice:password_reset"), {"email": "ghost@example.com"}, follow=True
    )
    assert b"Check your email" in response.content
    assert not mail.outbox and not Email.objects.exists()


def test_a_reset_email_for_a_user_deactivated_meanwhile_is_cancelled(staff_user, admin_user):
    from certtrack import clock
    from certtrack.notifications.delivery import deliver_due

    services.send_password_reset(staff_user)  # queued (the test's transaction never commits)
    services.set_active(staff_user.pk, False, Actor.staff(admin_user))
    deliver_due(clock.now())
    email = Email.objects.get(kind=Kind.PASSWORD_RESET)
    assert email.status == EmailStatus.CANCELLED and "deactivated" in email.last_error
    assert not mail.outbox


def test_resending_an_invitation_is_only_for_users_without_a_password(
    admin_client, admin_user, staff_user
):
    invited = services.invite("late@example.org", "staff", Actor.staff(admin_user))
    admin_client.post(reverse("backoffice:user_resend", args=[invited.pk]))
    assert Email.objects.filter(kind=Kind.STAFF_INVITATION, user=invited).count() == 2
    response = admin_client.post(
        reverse("backoffice:user_resend", args=[staff_user.pk]), follow=True
    )
    assert b"has a password already" in response.content
    with pytest.raises(Refused):
        services.resend_invitation(staff_user.pk, Actor.staff(admin_user))


def test_asking_again_at_once_sends_no_second_reset_email(client, staff_user, travel):
    from datetime import datetime, timedelta

    from certtrack.accounts.services import RESET_EMAIL_EVERY

    start = travel(datetime(2026, 6, 15, 12, 0, tzinfo=UTC))
    for _ in range(3):
        client.post(reverse("backoffice:password_reset"), {"email": "member@example.com"})
    assert Email.objects.filter(kind=Kind.PASSWORD_RESET).count() == 1
    travel(start + RESET_EMAIL_EVERY + timedelta(seconds=1))
    client.post(reverse("backoffice:password_reset"), {"email": "member@example.com"})
    assert Email.objects.filter(kind=Kind.PASSWORD_RESET).count() == 2
