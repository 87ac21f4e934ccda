"""What a certificate says and whether it holds now: the one place the credential faces
(PDF, verification page, API, Open Badges credential) ask.

The number itself is the domain's (`services.new_certificate_number`, given when an
enrollment first becomes Active and kept for life).
"""

import os
import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings

from certtrack import clock
from certtrack.certification.dates import AsOf
from certtrack.certification.errors import NotFound, Refused
from certtrack.certification.models import Enrollment, GeneralSettings
from certtrack.certification.statuses import CERTIFIED, Status, label

# Verification outcomes (PRODUCT.md §7): what a third party is told.
VALID, EXPIRED, SUSPENDED, REVOKED = "valid", "expired", "suspended", "revoked"
OUTCOME_LABELS = {
    VALID: "Valid",
    EXPIRED: "Expired",
    SUSPENDED: "Suspended",
    REVOKED: "Revoked",
}
_OUTCOMES = {
    Status.ACTIVE: VALID,
    Status.EXPIRING: VALID,
    Status.EXPIRED: EXPIRED,
    Status.INACTIVE: SUSPENDED,
    Status.CANCELLED: REVOKED,
}


def setting(name: str, default):
    """A credentials setting: Django settings first, else the environment, else `default`."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return default if value in (None, "") else value


def issuer_name() -> str:
    """The organization named on certificates and credentials (CERTTRACK_ISSUER_NAME)."""
    return str(setting("CERTTRACK_ISSUER_NAME", "certtrack"))


def verification_url(number: str) -> str:
    return f"{settings.BASE_URL}/verify/{number}"


def outcome_of(status: str) -> str:
    """The verification outcome for a certificate whose enrollment is in `status` now.

    A status no certified enrollment can reach is reported as not valid (suspended):
    a verifier is never told "valid" by default.
    """
    return _OUTCOMES.get(Status(status), SUSPENDED)


_CROCKFORD_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def normalize_number(text: str) -> str:
    """A number as a person typed it, in its printed form (case, spaces, O/0 and I/1)."""
    compact = re.sub(r"[\s\-]", "", text.upper())
    if compact.startswith("CT"):
        compact = compact[2:]
    body = compact.translate(_CROCKFORD_LOOKALIKES)
    if len(body) != 12:
        return text.strip()
    return f"CT-{body[:4]}-{body[4:8]}-{body[8:]}"


@dataclass(frozen=True)
class Certificate:
    """A certificate as it stands at one moment."""

    enrollment: Enrollment
    number: str
    status: Status  # the enrollment's status true now
    today: date

    @property
    def holder(self) -> str:
        return self.enrollment.contact.full_name

    @property
    def program(self) -> str:
        return self.enrollment.program.name

    @property
    def activated_on(self) -> date | None:
        return self.enrollment.activated_on

    @property
    def expires_on(self) -> date | None:
        return self.enrollment.expires_on

    @property
    def outcome(self) -> str:
        return outcome_of(self.status)

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    @property
    def valid(self) -> bool:
        return self.outcome == VALID

    @property
    def status_label(self) -> str:
        return label(self.status)

    @property
    def url(self) -> str:
        return verification_url(self.number)


def has_certificate(enrollment: Enrollment, as_of: AsOf) -> bool:
    """Whether the back-office and portal offer the certificate (PDF, credential, link).

    True for an enrollment with a number that is Active, Expiring or Expired on
    `as_of.today`; the faces ask this rather than compare statuses themselves.
    """
    return bool(enrollment.certificate_number) and (
        as_of.status_of(enrollment.status, enrollment.expires_on) in CERTIFIED
    )


def _certificate(enrollment: Enrollment) -> Certificate:
    as_of = GeneralSettings.get().as_of(clock.now())
    return Certificate(
        enrollment=enrollment,
        number=enrollment.certificate_number or "",
        status=as_of.status_of(enrollment.status, enrollment.expires_on),
        today=as_of.today,
    )


def verify(number: str) -> Certificate:
    """The certificate with this number, as true at this moment; NotFound if none."""
    enrollment = (
        Enrollment.objects.select_related("contact", "program")
        .filter(certificate_number=normalize_number(number))
        .first()
    )
    if enrollment is None or not number:
        raise NotFound("No certificate with this number.")
    return _certificate(enrollment)


def issued(enrollment_id) -> Certificate:
    """The certificate of an enrollment that is certified now (Active, Expiring, Expired).

    NotFound for an unknown id; Refused when the enrollment was never active, or its
    certificate is revoked (Cancelled) or suspended (Inactive).
    """
    try:
        enrollment = Enrollment.objects.select_related("contact", "program").get(
            pk=int(enrollment_id)
        )
    except (Enrollment.DoesNotExist, TypeError, ValueError):
        raise NotFound(f"No enrollment with id {enrollment_id!r}.") from None
    certificate = _certificate(enrollment)
    if not certificate.number or enrollment.activated_on is None:
        raise Refused(
            f"Enrollment {enrollment.pk} has no certificate: it was never active "
            f"(it is {certificate.status_label})."
        )
    if certificate.status not in CERTIFIED:
        raise Refused(
            f"The certificate of enrollment {enrollment.pk} is {certificate.outcome}: "
            f"the enrollment is {certificate.status_label}."
        )
    return certificate
