"""A real SMTP server on loopback, and helpers to run worker passes on a given day."""

import email
import email.policy
import ssl
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from certtrack.certification import services
from certtrack.operations.management.commands.worker import run_pass
from tests.conftest import at
from tests.processes import free_port


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
        self.account: tuple[str, str] | None = None  # (login, password) once AUTH is required
        self.tls: ssl.SSLContext | None = None  # STARTTLS required once set

    def start(self) -> None:
        auth = {}
        if self.account:
            auth = {
                "auth_required": True,
                "auth_require_tls": False,  # loopback only: no certificate to set up
                "authenticator": self._authenticate,
            }
        if self.tls:
            auth |= {"tls_context": self.tls, "require_starttls": True}
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, ready_timeout=30, **auth
        )
        self.controller.start()

    def require_login(self, login: str, password: str) -> None:
        self.stop()
        self.account = (login, password)
        self.start()

    def require_starttls(self, certfile: Path, keyfile: Path) -> None:
        self.stop()
        self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.tls.load_cert_chain(certfile, keyfile)
        self.start()

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        given = (auth_data.login.decode(), auth_data.password.decode())
        return AuthResult(success=given == self.account, handled=False)

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


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, its own issuer (clients must be told to trust it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=3650))  # tests travel in time; OpenSSL does not
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = directory / "smtp.pem", directory / "smtp.key"
    certfile.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certfile, keyfile


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
