"""The worker's renewals in bulk — PRODUCT.md §3 "Certification periods and renewal".

`renewals.grant` for a whole batch of locked rows in a few statements, used by the
worker's pass (`renewals.grant_opened`); the results are those of `grant`, one at a time.
"""

import logging
from datetime import datetime

from django.db import IntegrityError, connection, transaction

from . import events, periods, renewals
from .actors import Actor
from .dates import AsOf
from .models import Enrollment, History, Period, PeriodSource
from .progress_store import refresh
from .requirements import Facts, Progress
from .statuses import OPEN

log = logging.getLogger("certtrack.worker")


def grant_many(
    enrollments: list[Enrollment],
    progress: dict[int, Progress],
    actor: Actor,
    now: datetime,
    as_of: AsOf,
    facts: Facts | None = None,
) -> set[int]:
    """`grant` (renewed, by the worker) for a batch of locked, settled rows whose renewal
    is met, in a few statements: the periods, the completions they used and History in
    one insert each, the enrollments in one UPDATE, the emails through one signal each.

    Returns the ids granted. A row that would reopen (Expired in grace: the second-open
    check) is left to `grant`, one at a time, and so is the whole batch when a write
    fails on a unique constraint (a concurrent grant: the last guard), or where the
    database returns no ids from a bulk insert. The results are those of `grant`.
    """
    if not enrollments or not connection.features.can_return_rows_from_bulk_insert:
        return set()
    from .services import common as core  # late: services imports renewals

    plans = []
    for enrollment in enrollments:
        old_status = enrollment.status
        start, end = renewals.new_dates(enrollment.program, enrollment.expires_on, as_of.today)
        target = as_of.status_of(old_status, end)
        if old_status not in OPEN and target in OPEN:
            continue  # reopens: `grant` checks for another open enrollment
        used = progress[enrollment.pk].used_through(as_of.today)
        plans.append((enrollment, old_status, target, start, end, used))
    if not plans:
        return set()
    new_periods = [
        Period(
            enrollment=enrollment,
            number=enrollment.period_number + 1,
            activated_on=start,
            expires_on=end,
            renewed_on=as_of.today,
            source=PeriodSource.RENEWED,
        )
        for enrollment, _, _, start, end, _ in plans
    ]
    rows = [
        Enrollment(
            pk=enrollment.pk,
            status=target,
            updated_at=now,
            activated_on=start,
            expires_on=end,
            period_number=enrollment.period_number + 1,
            renewal_review_on=None,
        )
        for enrollment, _, target, start, end, _ in plans
    ]
    try:
        with transaction.atomic():
            Period.objects.bulk_create(new_periods)
            uses = [
                (period.pk, pk, enrollment.program_id, enrollment.contact_id, enrollment.pk)
                for period, (enrollment, *_, used) in zip(new_periods, plans, strict=True)
                for pk in used
            ]
            periods.insert_uses(use[:4] for use in uses)
            if facts is not None:
                facts.use((program, pk, enrollment) for _, pk, program, _, enrollment in uses)
            # A completion a period used stops counting for the contact's other rows of
            # that program only (a use is per program), as `periods.use` refreshes.
            pairs = {(e.contact_id, e.program_id) for e, *_ in plans}
            refresh(pairs=pairs, today=as_of.today, facts=facts)
            _update_renewed(rows)
    except IntegrityError:
        # A period number or a completion taken by a concurrent grant: `grant` one at a
        # time says which (and skips it), the others are granted.
        log.warning("a batch of renewals met a concurrent grant; granting one at a time")
        return set()
    history, transitions, changes = [], [], []
    for period, (enrollment, old_status, target, start, end, _) in zip(
        new_periods, plans, strict=True
    ):
        before = {
            "activated_on": enrollment.activated_on,
            "expires_on": enrollment.expires_on,
            "period": enrollment.period_number,
        }
        enrollment.status = target
        enrollment.activated_on, enrollment.expires_on = start, end
        enrollment.period_number, enrollment.renewal_review_on = period.number, None
        after = {"activated_on": start, "expires_on": end, "period": period.number}
        history.append(
            History(
                at=now,
                actor=actor.label,
                actor_kind=actor.kind,
                user_id=actor.user_id,
                enrollment=enrollment,
                contact_id=enrollment.contact_id,
                action="renewal_granted",
                from_status=old_status if target != old_status else "",
                to_status=target if target != old_status else "",
                changes=core._changes(before, after),
                reason="",
            )
        )
        if target != old_status:
            transitions.append(core._transition(enrollment, old_status, target, now, as_of))
        changes.append(
            events.RenewalChange(enrollment.pk, "renewed", period.number, now, as_of.today)
        )
    History.objects.bulk_create(history)
    if transitions:
        events.transitions_recorded.send(sender=Enrollment, transitions=transitions)
    events.renewals_changed.send(sender=Enrollment, changes=changes)
    return {enrollment.pk for enrollment, *_ in plans}


UPDATED = [
    "status",
    "updated_at",
    "activated_on",
    "expires_on",
    "period_number",
    "renewal_review_on",
]


def _update_renewed(rows: list[Enrollment]) -> None:
    """One UPDATE for the batch's enrollments (their new dates, period and status).

    PostgreSQL: `UPDATE … FROM unnest(…)`, which it plans as a join on the primary key;
    Django's `bulk_update` writes a CASE per field and row, and building it took most of
    a batch's time in Python (about 1 s of the 1.5 s per 200 rows, profiled at a million
    enrollments). Five arrays rather than `VALUES` rows: the statement's text is the same
    for every batch (psycopg parses a long one again each time). Elsewhere (SQLite: tests,
    small installations) `bulk_update`.
    """
    if connection.vendor != "postgresql":
        Enrollment.objects.bulk_update(rows, UPDATED, batch_size=len(rows))
        return
    table = connection.ops.quote_name(Enrollment._meta.db_table)
    columns = [
        [row.pk for row in rows],
        [row.status for row in rows],
        [row.activated_on for row in rows],
        [row.expires_on for row in rows],
        [row.period_number for row in rows],
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS e SET status = v.status, updated_at = %s, "
            "activated_on = v.activated_on, expires_on = v.expires_on, "
            "period_number = v.period_number, renewal_review_on = NULL "
            "FROM unnest(%s::bigint[], %s::varchar[], %s::date[], %s::date[], %s::integer[]) "
            "AS v(id, status, activated_on, expires_on, period_number) "
            "WHERE e.id = v.id",
            [rows[0].updated_at, *columns],
        )
