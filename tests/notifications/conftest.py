"""A real SMTP server on loopback, and helpers to run worker passes on a given day."""

import email
import email.policy
import socket
from dataclasses import dataclass, field
from datetime import date

import pytest
from aiosmtpd.controller import Controller

from certtrack.certification import services
from certtrack.certification.management.commands.worker import run_pass
from tests.conftest import at


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content()


@dataclass
class Inbox:
    """What reached the server, in order."""

    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]

    def subjects(self) -> list[str]:
        return [r.subject for r in self.received]


class SmtpServer:
    def __init__(self, port: int):
        self.port = port
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    """An aiosmtpd server on a free loopback port; Django's SMTP backend points at it."""
    server = SmtpServer(free_port())
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "certification@example.org"
    settings.BASE_URL = "https://certs.example.org"
    yield server
    server.stop()


@pytest.fixture
def worker(travel):
    """`worker(day)`: one full worker pass (time transitions, then delivery) on `day`."""

    def run(day: date, flush: bool = False) -> dict[str, int]:
        travel(at(day) if not hasattr(day, "hour") else day)
        return run_pass(flush=flush)

    return run


@pytest.fixture
def staff_recipients(admin, settings_row):
    services.update_settings(
        admin,
        application_recipients=["registrar@example.org"],
        admin_review_recipients=["reviewer@example.org", "chair@example.org"],
    )
