"""What a certificate says and whether it holds now: the one place the credential faces
(PDF, verification page, API, Open Badges credential) ask.

The number itself is the domain's (`services.new_certificate_number`, given when an
enrollment first becomes Active and kept for life).
"""

import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Case, When

from certtrack import clock
from certtrack.certification.asof import end_of, period_on, status_on
from certtrack.certification.dates import AsOf, day_text
from certtrack.certification.errors import NotFound, Refused
from certtrack.certification.models import Enrollment, GeneralSettings, Period
from certtrack.certification.periods import in_force
from certtrack.certification.statuses import CERTIFIED, Status, label

# Verification outcomes (PRODUCT.md §7, API.md's `status`): what a third party is told.
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
    """A credentials setting (read from the environment by certtrack.settings), else `default`."""
    value = getattr(settings, name, None)
    return default if value in (None, "") else value


def issuer_name(general: GeneralSettings | None = None) -> str:
    """The organization named on certificates and credentials: General Settings'
    organization name, else CERTTRACK_ISSUER_NAME (the setting before branding existed)."""
    general = general or GeneralSettings.get()
    return general.organization_name or str(setting("CERTTRACK_ISSUER_NAME", "certtrack"))


def issuer_id() -> str:
    """The issuer Profile's id (served there), in every credential and status list."""
    return f"{settings.BASE_URL}/issuer"


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
    """A certificate of one period (by default the current one) as it stands at one moment.

    The number is the enrollment's, the same for every period; the dates are the period's.
    """

    enrollment: Enrollment
    number: str
    status: Status | None  # the enrollment's status true now (or `on`; None: absent then)
    today: date
    period: Period | None = None  # None only for a row certified before periods existed
    first_activated_on: date | None = None  # period 1's: "certified since"
    on: date | None = None  # `?on=`: the answer is for the end of this past or future day

    @property
    def holder(self) -> str:
        return self.enrollment.contact.full_name

    @property
    def program(self) -> str:
        return self.enrollment.program.name

    @property
    def activated_on(self) -> date | None:
        return self.period.activated_on if self.period else self.enrollment.activated_on

    @property
    def expires_on(self) -> date | None:
        return self.period.expires_on if self.period else self.enrollment.expires_on

    @property
    def period_number(self) -> int | None:
        return self.period.number if self.period else None

    @property
    def current(self) -> Period | None:
        """The period in force on the day answered for (today, or `on`)."""
        if self.on is not None or self.period is None:
            return self.period
        return in_force(self.enrollment.periods.all(), self.today) or self.period

    @property
    def next_period(self) -> Period | None:
        """The period granted by an early renewal that has not begun on that day, if any."""
        current = self.current
        if current is None or self.period is None or self.period.number <= current.number:
            return None
        return self.period

    @property
    def renewed(self) -> bool:
        """A later period: its certificate also says since when the holder is certified."""
        return bool(self.period and self.period.number > 1)

    @property
    def outcome(self) -> str:
        outcome = outcome_of(self.status) if self.status is not None else EXPIRED
        if self.on is not None and self.period is None and outcome == VALID:
            return EXPIRED  # `?on=` a day between two periods (one had begun: see verify)
        return outcome

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    @property
    def valid(self) -> bool:
        return self.outcome == VALID

    @property
    def status_label(self) -> str:
        return label(self.status) if self.status is not None else OUTCOME_LABELS[EXPIRED]

    @property
    def on_day_answer(self) -> str:
        """ "valid on 12 May 2024: yes, period 2 (10 Jan 2024 – 10 Jan 2026)" """
        day = day_text(self.on)
        if not self.valid:
            return f"valid on {day}: no ({self.outcome_label.lower()})"
        until = day_text(self.expires_on) if self.expires_on else "no expiry"
        return (
            f"valid on {day}: yes, period {self.period_number} "
            f"({day_text(self.activated_on)} – {until})"
        )

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


def _certificate(enrollment: Enrollment, period: int | None = None) -> Certificate:
    """The certificate of period number `period` (None: the current one, the latest);
    NotFound if the enrollment has no such period."""
    as_of = GeneralSettings.get().as_of(clock.now())
    periods = list(enrollment.periods.order_by("number"))
    if period is None:
        chosen = periods[-1] if periods else None
    else:
        chosen = next((p for p in periods if p.number == period), None)
        if chosen is None:
            raise NotFound(f"Enrollment {enrollment.pk} has no period {period}.")
    return Certificate(
        enrollment=enrollment,
        number=enrollment.certificate_number or "",
        status=as_of.status_of(enrollment.status, enrollment.expires_on),
        today=as_of.today,
        period=chosen,
        first_activated_on=periods[0].activated_on if periods else enrollment.activated_on,
    )


def verify(number: str, on: date | None = None) -> Certificate:
    """The certificate with this number, as true at this moment — or, with `on`, at the end
    of that day (PRODUCT.md §11: the period that covered it, suspensions and cancellations
    from when they happened); NotFound if none."""
    # The number as printed first: a number kept from another system (an import) may look
    # like ours once its dashes are gone, and must still be found as it was issued.
    wanted = [number.strip(), normalize_number(number)]
    enrollment = (
        Enrollment.objects.select_related("contact", "program")
        .filter(certificate_number__in=wanted)
        .order_by(Case(When(certificate_number=wanted[0], then=0), default=1))
        .first()
    )
    if enrollment is None or not number:
        raise NotFound("No certificate with this number.")
    if on is None:
        return _certificate(enrollment)
    periods = list(enrollment.periods.order_by("number"))
    first = periods[0].activated_on if periods else enrollment.activated_on
    if first is None or on < first:
        # API.md's `status` has no word for "not yet": the number did not exist that day.
        # Since when, and what it is today: "valid from …" misled about a revoked one.
        today = _certificate(enrollment).outcome_label.lower()
        since = ""
        if first:
            since = f"; it was first issued on {day_text(first)}, and today it is {today}"
        absent = Certificate(
            enrollment=enrollment,
            number=enrollment.certificate_number or "",
            status=None,
            today=on,
            first_activated_on=first,
            on=on,
        )
        raise NotYetIssued(
            f"Certificate {number} was not yet issued on {day_text(on)}{since}.", absent
        )
    return Certificate(
        enrollment=enrollment,
        number=enrollment.certificate_number or "",
        status=status_on(enrollment.pk, end_of(on, clock.now())),
        today=on,
        period=period_on(enrollment, on),
        first_activated_on=first,
        on=on,
    )


class NotYetIssued(NotFound):
    """`?on=` a day before the certification's first period began: the number is known, the
    certification was not in force (the API answers `valid: false`; the page says so)."""

    def __init__(self, message: str, certificate: Certificate):
        super().__init__(message)
        self.certificate = certificate  # as of that day: absent (no status, no period)


def period_param(request) -> int | None:
    """A page's `?period=N` (None when absent); NotFound for anything but a period number."""
    text = request.GET.get("period", "")
    if text == "":
        return None
    if not text.isdigit():
        raise NotFound(f"No period {text!r}.")
    return int(text)


def issued(enrollment_id, period: int | None = None) -> Certificate:
    """The certificate of an enrollment that is certified now (Active, Expiring, Expired),
    for its period number `period` (None: the current period; old periods stay available).

    NotFound for an unknown id or period; Refused when the enrollment was never active, or
    its certificate is revoked (Cancelled) or suspended (Inactive).
    """
    try:
        enrollment = Enrollment.objects.select_related("contact", "program").get(
            pk=int(enrollment_id)
        )
    except (Enrollment.DoesNotExist, TypeError, ValueError):
        raise NotFound(f"No enrollment with id {enrollment_id!r}.") from None
    if not enrollment.certificate_number or enrollment.activated_on is None:
        as_of = GeneralSettings.get().as_of(clock.now())
        status = as_of.status_of(enrollment.status, enrollment.expires_on)
        raise Refused(
            f"Enrollment {enrollment.pk} has no certificate: it was never active "
            f"(it is {label(status)})."
        )
    certificate = _certificate(enrollment, period)
    if certificate.status not in CERTIFIED:
        raise Refused(
            f"The certificate of enrollment {enrollment.pk} is {certificate.outcome}: "
            f"the enrollment is {certificate.status_label}."
        )
    return certificate
