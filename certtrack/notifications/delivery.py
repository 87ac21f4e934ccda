"""The worker's delivery step: send the queued emails that are due, each exactly once.

A pass reads only due rows (a partial index on next_attempt_at where status = queued),
so its cost follows the number of messages due, not the size of the outbox. A message
is claimed by a conditional UPDATE of its lease; a worker sends only what it claimed,
so two workers never send the same message. A failure keeps the message queued with
exponential backoff; after MAX_ATTEMPTS it is marked failed for staff to see.

`deliver_now` is the same delivery for one message that someone is waiting for (a
sign-in link): it claims that row the same way, so it and a worker never both send it.
"""

import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db
from django.db import transaction
from django.db.models import Q
from django.utils.dateparse import parse_datetime

from certtrack.certification.dates import AsOf, day_text
from certtrack.certification.models import GeneralSettings
from certtrack.certification.statuses import CERTIFIED, Status
from certtrack.operations.tally import tally

from . import branding, reminders
from .models import FIXED_TEXT_KINDS, Email, EmailStatus, EmailTemplate, Kind
from .outbox import expired_is_news
from .rendering import (
    Rendered,
    context_for,
    from_data,
    recipients_for,
    reminder_template,
    render_or_default,
    template_for,
)

log = logging.getLogger("certtrack.notifications")

BATCH = 100
MAX_ATTEMPTS = 8  # about four hours of retries (1, 2, 4 … 128 minutes) before giving up
LEASE = timedelta(minutes=10)  # longer than any SMTP exchange; a crashed worker's claim lapses


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure."""
    return min(timedelta(minutes=2 ** (attempts - 1)), timedelta(hours=6))


def _due(now: datetime) -> Q:
    return Q(status=EmailStatus.QUEUED, next_attempt_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def _claim(now: datetime, only: int | None = None) -> tuple[str, list[Email]]:
    """Claim up to BATCH due messages (or just message `only`) for this worker alone, each
    leased until `now + LEASE` (`_send_batch` renews the lease from there)."""
    due = Email.objects.filter(_due(now))
    if only is not None:
        due = due.filter(pk=only)
    candidates = list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:BATCH])
    if not candidates:
        return "", []
    token = secrets.token_hex(16)
    # The WHERE is re-checked row by row as the UPDATE runs: a row another worker claimed
    # meanwhile no longer matches, so each message has exactly one owner.
    Email.objects.filter(_due(now), pk__in=candidates).update(
        claim=token, claimed_until=now + LEASE
    )
    claimed = list(
        Email.objects.filter(pk__in=candidates, claim=token)
        .select_related("enrollment__contact", "enrollment__program", "contact", "user")
        .order_by("id")
    )
    return token, claimed


def deliver_due(now: datetime, flush: bool = False) -> int:
    """Send every email due at `now` (with `flush`, also those waiting out a retry delay)."""
    if flush:
        # Retry at once: make the waiting messages due now, then deliver as usual (a failure
        # sets a later next_attempt_at, so this pass does not loop on it).
        Email.objects.filter(status=EmailStatus.QUEUED, next_attempt_at__gt=now).update(
            next_attempt_at=now
        )
    general = GeneralSettings.get()
    as_of = general.as_of(now)
    started = time.monotonic()

    def moment() -> datetime:
        # The pass's `now`, moved on by the real time spent sending (leases must not lapse
        # under a slow server).
        return now + timedelta(seconds=time.monotonic() - started)

    sent = 0
    while True:
        claimed = moment()
        token, batch = _claim(claimed)
        if not batch:
            break
        count, server_down = _send_batch(token, batch, now, as_of, general, moment, claimed)
        sent += count
        if server_down or len(batch) < BATCH:
            break  # an unreachable server: the rest waits for the next pass
    if sent:
        log.info("sent %d email(s)", sent)
    return sent


def deliver_now(email_id: int, now: datetime) -> bool:
    """Try once to send one queued email at once; True if it was sent by this call.

    Best effort, for a person waiting for it (call it after the commit that queued it):
    if it is not due, already claimed or sent, or the server fails, it stays with the
    worker (a failure counts as an attempt and waits out its backoff). Never raises.
    """
    try:
        token, batch = _claim(now, only=email_id)
        if not batch:
            return False
        general = GeneralSettings.get()
        started = time.monotonic()
        sent, _ = _send_batch(  # claimed at `now`
            token,
            batch,
            now,
            general.as_of(now),
            general,
            lambda: now + timedelta(seconds=time.monotonic() - started),
            now,
        )
        return sent == 1
    except Exception:  # the worker will retry it; the caller's request must not fail
        log.exception("email %s: immediate delivery failed, left to the worker", email_id)
        return False


def stale_reason(
    email: Email, as_of: AsOf, now: datetime | None = None, facts: dict | None = None
) -> str:
    """Why `email` is no longer true to send today, or at `now` ("" if it still is).

    `facts`: a dict kept for one batch, so reminder steps read the batch's programs'
    schedules and opt-outs once (not two queries per email, nor one per program)."""
    if email.enrollment_id is None:
        return _stale_fixed_text(email, now)
    enrollment = email.enrollment
    status = as_of.status_of(enrollment.status, enrollment.expires_on)
    if email.kind == Kind.REMINDER:
        return reminders.stale_reason(email, enrollment, status, as_of.today, facts)
    if email.kind in (Kind.CERTIFICATION_EXPIRING, Kind.CERTIFICATION_EXPIRED):
        if email.period != enrollment.period_number:
            return "The certification was renewed; the new period has its own reminders."
        if email.cycle != enrollment.cycle:
            return "The expiration date changed; the new date has its own reminders."
        if email.kind == Kind.CERTIFICATION_EXPIRING and status != Status.EXPIRING:
            return f"No longer expiring on {day_text(as_of.today)} (now {status.label})."
        if email.kind == Kind.CERTIFICATION_EXPIRED and (
            status != Status.EXPIRED or not expired_is_news(enrollment.expires_on, as_of.today)
        ):
            expired, today = day_text(enrollment.expires_on), day_text(as_of.today)
            return f"The expiry of {expired} is no longer news on {today}."
    if email.kind == Kind.CERTIFICATION_EARNED and status not in CERTIFIED:
        return f"The certification is {status.label}."
    return ""


def _stale_fixed_text(email: Email, now: datetime | None) -> str:
    if email.user_id is not None and not email.user.is_active:
        return "The staff user is deactivated."
    if email.contact_id is not None and email.contact.archived_at is not None:
        return "The contact is archived."
    valid_until = parse_datetime(email.data.get("valid_until") or "")
    if now is not None and valid_until is not None and now >= valid_until:
        return "Not sent in time: what it carries has expired."
    if not email.body:
        return "The text of this email is gone."
    return ""


def _recipients(email: Email, general: GeneralSettings) -> list[str]:
    if email.user_id is not None:
        return [email.user.email]
    if email.enrollment_id is None:
        return [email.contact.email]
    return recipients_for(email.kind, email.enrollment, general)


def _render(email: Email, today, templates: dict[str, EmailTemplate]) -> Rendered:
    if email.kind in FIXED_TEXT_KINDS:
        return Rendered(email.subject, email.body, "")
    key = email.kind
    if email.kind == Kind.REMINDER:
        key = (email.data or {}).get("template") or reminders.default_template(email.step or 0)
    if key not in templates:
        is_step = email.kind == Kind.REMINDER
        templates[key] = reminder_template(key) if is_step else template_for(key)
    facts = from_data(email.enrollment, email.data or {})
    return render_or_default(templates[key], context_for(email.enrollment, today, facts))


def _reason_and_recipients(
    email: Email, as_of: AsOf, now: datetime, facts: dict, general: GeneralSettings
) -> tuple[str, list[str]]:
    """Why `email` is cancelled instead of sent ("" when it is sent), and its recipients."""
    reason = stale_reason(email, as_of, now, facts)
    to = _recipients(email, general)
    if not reason and not to:
        reason = "No recipients for this email in General Settings."
    return reason, to


def _open(connection) -> str:
    """Open the mail server's connection: "" when it is open, else what went wrong."""
    try:
        connection.open()
    except Exception as error:  # noqa: BLE001 - any failure means the server is down
        return f"{type(error).__name__}: {error}"
    return ""


def _send_batch(
    token: str,
    batch: list[Email],
    now: datetime,
    as_of: AsOf,
    general: GeneralSettings,
    moment: Callable[[], datetime],
    claimed: datetime,
) -> tuple[int, bool]:
    """Send one batch claimed at `claimed`; return how many were sent and whether the
    server was down.

    The batch's outcomes are written together when it ends (`_record`: one statement for
    the sent, one per reason for the cancelled), so a batch costs the same few queries
    whatever its size; a failed send is written at once (rare, and it needs its own
    attempt count and retry time)."""
    templates: dict[str, EmailTemplate] = {}
    steps = [e for e in batch if e.kind == Kind.REMINDER]
    facts: dict = {
        "batch": [e.enrollment_id for e in steps],
        "programs": {e.enrollment.program_id for e in steps if e.enrollment_id is not None},
    }
    ids = [e.pk for e in batch]
    # The claim's lease, on every row of the batch (`_claim` read back exactly the rows it
    # leased): renewed below once half of it is gone, not again at once (two statements a
    # batch, 1.2 s of a 10,000-email pass at a million enrollments).
    lease_until = claimed + LEASE
    owned = set(ids)
    connection = get_connection()
    opened = False
    down = ""
    sent: list[tuple[int, str, str]] = []
    cancelled: dict[str, list[int]] = {}
    try:
        for email in batch:
            reason, to = _reason_and_recipients(email, as_of, moment(), facts, general)
            if reason:
                cancelled.setdefault(reason, []).append(email.pk)
                continue
            try:
                rendered = _render(email, as_of.today, templates)
            except Exception as error:  # a template that cannot render: retry after a fix
                _failed(email, token, now, f"{type(error).__name__}: {error}")
                continue
            if down:
                _failed(email, token, now, down)
                continue
            # Send only under a lease with at least half its time to run: renew it for the
            # whole batch when it gets older (a slow server). A message whose lease lapsed
            # and that another worker took over is left to that worker.
            if moment() > lease_until - LEASE / 2:
                lease_until = moment() + LEASE
                owned = _renew(token, lease_until, ids)
            if email.pk not in owned:
                continue
            try:
                if not opened:
                    # The server is unreachable: the rest of the batch waits too,
                    # without trying (and timing out) once per message.
                    down = _open(connection)
                    if down:
                        _failed(email, token, now, down)
                        continue
                    opened = True
                _message(rendered, to, connection, general).send()
            except Exception as error:  # refused or cut off: retry later
                _failed(email, token, now, f"{type(error).__name__}: {error}")
                continue
            sent.append((email.pk, ", ".join(to), rendered.subject[:250]))
    finally:
        if opened:
            with contextlib.suppress(Exception):  # a dead server on QUIT is not news
                connection.close()
        # Also when the batch stopped on an error: what the server took is recorded.
        _record(token, now, sent, cancelled)
    return len(sent), bool(down)


def _record(
    token: str, now: datetime, sent: list[tuple[int, str, str]], cancelled: dict[str, list[int]]
) -> None:
    """Write a batch's outcomes: the sent (one statement), the cancelled (one per reason).

    Each row only while this worker still holds it (`claim`). A crash between a send and
    this write re-sends at most that batch's messages once their lease lapses (the
    server took them, the outbox did not learn it): at least once, never twice while the
    worker lives. Plain SQL: the ORM's building of the statement cost more than running
    it (docs/performance.md). The body goes: a sign-in link is kept no longer than it
    takes to send it."""
    if not sent and not cancelled:
        return
    table = Email._meta.db_table
    # One transaction: a commit (a flush of the log to disk, about 4 ms here) per batch.
    with transaction.atomic(), db.cursor() as cursor:
        for reason, ids in cancelled.items():
            tally("emails_cancelled", len(ids))
            cursor.execute(
                f"UPDATE {table} SET status = %s, last_error = %s, claimed_until = NULL,"
                f" body = '' WHERE claim = %s AND id IN ({', '.join(['%s'] * len(ids))})",
                [EmailStatus.CANCELLED.value, reason, token, *ids],
            )
        if not sent:
            return
        cases = " ".join(["WHEN %s THEN %s"] * len(sent))
        cursor.execute(
            f"UPDATE {table} SET status = %s, sent_at = %s, attempts = attempts + 1,"
            f" recipient = CASE id {cases} END, subject = CASE id {cases} END,"
            " last_error = '', claimed_until = NULL, body = ''"
            f" WHERE claim = %s AND id IN ({', '.join(['%s'] * len(sent))})",
            [
                EmailStatus.SENT.value,
                now,
                *(value for pk, recipient, _ in sent for value in (pk, recipient)),
                *(value for pk, _, subject in sent for value in (pk, subject)),
                token,
                *(pk for pk, _, _ in sent),
            ],
        )


def _renew(token: str, until: datetime, ids: list[int]) -> set[int]:
    """Extend this worker's lease on its queued messages `ids`; the ids it still holds.

    By id (the primary key), not by `claim` alone: that column has no index, and a scan
    of the whole outbox per batch grew with every email ever sent."""
    mine = Email.objects.filter(pk__in=ids, claim=token, status=EmailStatus.QUEUED)
    mine.update(claimed_until=until)
    return set(mine.values_list("pk", flat=True))


def _message(
    rendered: Rendered, to: list[str], connection, general: GeneralSettings
) -> EmailMultiAlternatives:
    text, html = branding.email_footer(rendered.text, rendered.html, general)
    sender = branding.sender(settings.DEFAULT_FROM_EMAIL, general)
    message = EmailMultiAlternatives(rendered.subject, text, sender, to, connection=connection)
    if html:
        message.attach_alternative(html, "text/html")
    return message


def _failed(email: Email, token: str, now: datetime, error: str) -> None:
    tally("emails_failed")
    mine = Email.objects.filter(pk=email.pk, claim=token)
    attempts = email.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        mine.update(
            status=EmailStatus.FAILED,
            attempts=attempts,
            last_error=error,
            claimed_until=None,
            body="",
        )
        log.error(
            "email %s (%s, %s) failed %d times, giving up: %s",
            email.pk,
            email.kind,
            email.about,
            attempts,
            error,
        )
        return
    retry_at = now + backoff(attempts)
    mine.update(attempts=attempts, last_error=error, next_attempt_at=retry_at, claimed_until=None)
    log.warning(
        "email %s (%s, %s) not sent, attempt %d of %d, retry at %s: %s",
        email.pk,
        email.kind,
        email.about,
        attempts,
        MAX_ATTEMPTS,
        retry_at.isoformat(timespec="seconds"),
        error,
    )
