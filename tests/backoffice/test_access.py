"""Sign-in by email and password; two roles; settings for administrators only."""

import pytest

pytestmark = pytest.mark.django_db

PAGES = [
    "/staff/",
    "/staff/tracking/",
    "/staff/overview/",
    "/staff/contacts/",
    "/staff/setup/programs/",
    "/staff/setup/components/",
    "/staff/setup/settings/",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_staff_page_sends_a_stranger_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/?next=")


def test_staff_sign_in_by_email_and_password(client, staff_user):
    response = client.post(
        "/staff/login/", {"username": "Member@Example.com", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/staff/tracking/"
    assert client.get("/staff/tracking/").status_code == 200


def test_wrong_password_is_refused_with_a_message(client, staff_user):
    response = client.post("/staff/login/", {"username": "member@example.com", "password": "wrong"})
    assert response.status_code == 200
    assert b"do not match an active staff account" in response.content
    assert client.get("/staff/tracking/").status_code == 302


def test_an_inactive_user_cannot_sign_in(client, staff_user):
    staff_user.is_active = False
    staff_user.save()
    client.post(
        "/staff/login/", {"username": staff_user.email, "password": "correct horse battery"}
    )
    assert client.get("/staff/tracking/").status_code == 302


def test_staff_without_the_administrator_role_cannot_open_settings(staff_client):
    assert staff_client.get("/staff/setup/settings/").status_code == 403
    assert (
        staff_client.post("/staff/setup/settings/", {"expiring_notice_days": 5}).status_code == 403
    )


def test_staff_do_not_see_the_settings_link(staff_client):
    assert b"/staff/setup/settings/" not in staff_client.get("/staff/tracking/").content


def test_an_administrator_opens_settings(admin_client):
    response = admin_client.get("/staff/setup/settings/")
    assert response.status_code == 200
    assert (
        b"Send &#x27;Certification Expiring&#x27; Emails n Days Before Expiration"
        in response.content
    )


def test_sign_out_ends_the_session(admin_client):
    admin_client.post("/staff/logout/")
    assert admin_client.get("/staff/tracking/").status_code == 302


def test_a_user_who_is_not_staff_is_kept_out(client, db):
    from certtrack.accounts.models import User

    outsider = User.objects.create_user("outsider@example.com", password="correct horse battery")
    response = client.post(
        "/staff/login/", {"username": outsider.email, "password": "correct horse battery"}
    )
    assert b"do not match an active staff account" in response.content
    client.force_login(outsider)
    assert client.get("/staff/tracking/").status_code == 403
