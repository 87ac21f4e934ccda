"""One client address for every limit: X-Forwarded-For only through trusted proxies."""

import pytest
from django.test import Client, RequestFactory

from certtrack.clientip import client_ip

SPOOFED = "10.9.8.7"
PASSWORD = "correct horse battery"


def request_from(remote: str, forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_with_no_trusted_proxy_a_spoofed_forwarded_for_is_ignored(settings):
    settings.CERTTRACK_TRUSTED_PROXIES = 0
    assert client_ip(request_from("203.0.113.7", SPOOFED)) == "203.0.113.7"


def test_with_one_trusted_proxy_the_address_it_saw_is_the_client(settings):
    settings.CERTTRACK_TRUSTED_PROXIES = 1
    # The client wrote SPOOFED; our proxy appended the address it really came from.
    assert client_ip(request_from("127.0.0.1", f"{SPOOFED}, 198.51.100.4")) == "198.51.100.4"
    assert client_ip(request_from("127.0.0.1", "198.51.100.4")) == "198.51.100.4"


def test_with_two_trusted_proxies_the_second_from_the_right(settings):
    settings.CERTTRACK_TRUSTED_PROXIES = 2
    forwarded = f"{SPOOFED}, 198.51.100.4, 10.0.0.2"
    assert client_ip(request_from("127.0.0.1", forwarded)) == "198.51.100.4"


def test_a_proxy_header_that_is_no_address_falls_back_to_the_peer(settings):
    settings.CERTTRACK_TRUSTED_PROXIES = 1
    assert client_ip(request_from("127.0.0.1", "<script>")) == "127.0.0.1"
    assert client_ip(request_from("127.0.0.1")) == "127.0.0.1"


@pytest.mark.parametrize("proxies, locked", [(0, True), (1, False)])
def test_staff_sign_in_throttle_uses_the_same_address(
    client, admin_user, settings, proxies, locked
):
    # django-axes reads the address through AXES_CLIENT_IP_CALLABLE = client_ip.
    settings.CERTTRACK_TRUSTED_PROXIES = proxies
    settings.CERTTRACK_LOGIN_ADDRESS_FAILURE_LIMIT = 3
    for n in range(3):  # three accounts tried from one office, each naming another "client"
        client.post(
            "/staff/login/",
            {"username": f"guess{n}@example.com", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    answer = Client().post(
        "/staff/login/",
        {"username": admin_user.email, "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )
    assert (answer.status_code == 429) is locked
