"""Certification and its periods — PRODUCT.md §3 "Requirements met", "Dates" and
"Certification periods and renewal".

An In progress enrollment whose requirements are met becomes Active (its first period,
a certificate number) or waits in Admin Review; staff set an expiry by hand. Renewal
(renew, waive, review) lives in `certification.renewals`, called from here and from
`enrollments.perform`.
"""

import secrets
from datetime import date, datetime

from django.db.models import F

from .. import events, periods
from ..actors import Actor
from ..dates import AsOf, day_text, expiry_for, too_late
from ..errors import Invalid, Refused
from ..models import (
    Enrollment,
    PeriodSource,
    Program,
)
from ..requirements import Progress, evaluate
from ..retry import atomic_retry
from ..statuses import (
    CERTIFIED,
    OPEN,
    Status,
    label,
)
from .common import (
    _announce,
    _changes,
    _context,
    _iso,
    _lock_enrollment,
    _log,
    _move,
    _opening,
    settle,
)


def new_certificate_number() -> str:
    """A human-readable, unguessable number: CT-XXXX-XXXX-XXXX (Crockford base32)."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    body = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"CT-{body[:4]}-{body[4:8]}-{body[8:]}"


def _certify_fields(program: Program, activated_on: date, expires_on: date | None = None) -> dict:
    return {
        "activated_on": activated_on,
        "expires_on": expires_on
        if expires_on is not None
        else expiry_for(activated_on, program.validity_months),
        "certificate_number": new_certificate_number(),
    }


def _evaluate(
    enrollment: Enrollment,
    actor: Actor,
    now: datetime,
    as_of: AsOf,
    progress: Progress | None = None,
) -> None:
    """Move an In progress enrollment on if its requirements are met.

    `progress`: already evaluated on `as_of.today` (an import evaluates its enrollments
    a chunk at a time with `progress_of_many`).
    """
    if enrollment.status != Status.IN_PROGRESS:
        return
    program = enrollment.program
    progress = progress or evaluate(enrollment, as_of.today)
    if not progress.met:
        return
    # The certification rests on the day the work was done (PRODUCT.md §Dates), even
    # when that is before the enrollment started.
    met_on = progress.met_on
    if program.completion_requires_approval:
        target, fields = Status.ADMIN_REVIEW, {"completed_on": met_on}
    else:
        target = Status.ACTIVE
        fields = {"completed_on": met_on, **_certify_fields(program, met_on)}
    before = {name: getattr(enrollment, name) for name in fields}
    if _move(enrollment, [Status.IN_PROGRESS], target, **fields):
        if target == Status.ACTIVE:
            periods.start_first(enrollment, PeriodSource.EARNED, as_of.today, progress)
        changes = _changes(before, fields)
        _log(
            actor,
            now,
            "requirements_met",
            enrollment=enrollment,
            from_status=Status.IN_PROGRESS,
            to_status=target,
            changes=changes,
            reason="All requirements met.",
        )
        _announce(enrollment, Status.IN_PROGRESS, target, now, as_of)
        settle(enrollment, as_of, now)  # a back-dated activation may already be expiring


@atomic_retry
def set_expires_on(
    enrollment_id: int, expires_on: date, reason: str, actor: Actor, now: datetime | None = None
) -> Enrollment:
    """Staff set the expiration date by hand (an extension or a correction), with a reason."""
    if not (reason or "").strip():
        raise Invalid("reason", "A reason is required to change the expiration date.")
    if not isinstance(expires_on, date):
        raise Invalid("expires_on", "expires_on must be a date (YYYY-MM-DD).")
    if refused := too_late(expires_on, "The expiration date"):
        raise Invalid("expires_on", refused)
    enrollment = _lock_enrollment(enrollment_id)
    now, as_of = _context(now)  # after the lock wait: History is in the order of the changes
    if enrollment.status not in CERTIFIED:
        raise Refused(
            f"Only an Active, Expiring or Expired certification has an expiration date; "
            f"this enrollment is {label(enrollment.status)}."
        )
    if enrollment.activated_on and expires_on < enrollment.activated_on:
        raise Invalid(
            "expires_on",
            f"The expiration date {day_text(expires_on)} is before the activation date "
            f"{day_text(enrollment.activated_on)}.",
        )
    old_date, old_status = enrollment.expires_on, enrollment.status
    if old_date == expires_on:
        raise Refused(f"The expiration date is already {day_text(expires_on)}.")
    new_status = as_of.status_of(old_status, expires_on)

    def change() -> int:
        return Enrollment.objects.filter(pk=enrollment.pk).update(
            expires_on=expires_on, status=new_status, cycle=F("cycle") + 1, updated_at=now
        )

    if old_status not in OPEN and new_status in OPEN:
        _opening(enrollment, "extend this certification", change)
    else:
        change()
    enrollment.refresh_from_db()
    periods.move_current_expiry(enrollment, expires_on)
    _log(
        actor,
        now,
        "set_expires_on",
        enrollment=enrollment,
        from_status=old_status if new_status != old_status else "",
        to_status=new_status if new_status != old_status else "",
        changes={"expires_on": [_iso(old_date), _iso(expires_on)]},
        reason=reason.strip(),
    )
    events.expiry_changed.send(
        sender=Enrollment,
        enrollment_id=enrollment.pk,
        old=old_date,
        new=expires_on,
        cycle=enrollment.cycle,
        at=now,
    )
    if new_status != old_status:
        _announce(enrollment, old_status, new_status, now, as_of)
    return enrollment
