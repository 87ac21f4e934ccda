"""Staff passwords go through AUTH_PASSWORD_VALIDATORS on every screen that sets one."""

from certtrack.accounts.models import User


def test_the_admin_add_user_screen_refuses_a_one_character_password(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/staff/admin/accounts/user/add/",
        {"email": "new@example.com", "password1": "x", "password2": "x", "usable_password": "true"},
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()


def test_the_admin_change_password_screen_refuses_a_one_character_password(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        f"/staff/admin/accounts/user/{admin_user.pk}/password/",
        {"password1": "x", "password2": "x"},
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.check_password("correct horse battery")
