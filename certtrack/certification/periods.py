"""Certification periods — PRODUCT.md §3 "Certification periods and renewal".

A certified enrollment holds one period per cycle, with the completions it used; a
completion counts toward at most one period of a program (`requirements` reads these
rows). Called inside the services' transactions; History is written by the caller.
"""

from collections.abc import Iterable
from datetime import date

from django.db import connection

from .models import Enrollment, Period, PeriodCompletion, PeriodSource
from .progress_store import refresh
from .requirements import Progress, evaluate


def start_first(
    enrollment: Enrollment, source: PeriodSource, today: date, progress: Progress | None = None
) -> Period:
    """Period 1 of a newly certified enrollment, from its `activated_on` / `expires_on`.

    It uses every completion that counts for the enrollment on `today` dated on or before
    the activation day (for an Admin Review approval: the day of approval); `progress`:
    that evaluation, when the caller has it already.
    """
    period = Period.objects.create(
        enrollment=enrollment,
        number=1,
        activated_on=enrollment.activated_on,
        expires_on=enrollment.expires_on,
        source=source,
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(period_number=1)
    enrollment.period_number = 1
    progress = progress or evaluate(enrollment, today)
    use(period, progress.used_through(enrollment.activated_on))
    return period


def use(period: Period, completion_ids) -> None:
    """Record the completions a period used (the unique constraint: once per program)."""
    enrollment = period.enrollment
    insert_uses(
        (period.pk, pk, enrollment.program_id, enrollment.contact_id) for pk in completion_ids
    )
    refresh(contact_ids=[enrollment.contact_id], of_program=enrollment.program_id)


def insert_uses(uses: Iterable[tuple[int, int, int, int]]) -> None:
    """Record the completions periods used: (period, completion, program, contact) each.

    PostgreSQL: one INSERT from four arrays. `bulk_create` built a model object per use
    (about six a renewal) and an INSERT of them: 2.5 s of a 10,000-renewal pass in Python,
    profiled at a million enrollments. A use taken by a concurrent grant fails the unique
    constraint as before (IntegrityError). Elsewhere `bulk_create`.
    """
    uses = list(uses)
    if not uses:
        return
    if connection.vendor != "postgresql":
        PeriodCompletion.objects.bulk_create(
            PeriodCompletion(period_id=a, completion_id=b, program_id=c, contact_id=d)
            for a, b, c, d in uses
        )
        return
    table = connection.ops.quote_name(PeriodCompletion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (period_id, completion_id, program_id, contact_id) "
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[])",
            [list(column) for column in zip(*uses, strict=True)],
        )


def in_force(periods: Iterable[Period], day: date) -> Period | None:
    """Of `periods`, the one in force on `day`: the latest begun by then (None: none had).
    After an early renewal (`previous_expiry`) the latest period starts in the future: the
    one before it is in force until then."""
    begun = [p for p in periods if p.activated_on <= day]
    return max(begun, key=lambda p: p.number) if begun else None


def current(enrollment: Enrollment) -> Period | None:
    """The enrollment's latest period, or None if it was never certified."""
    return enrollment.periods.order_by("-number").first()


# Periods whose work was done in another system, recorded by hand or imported: the
# requirements hold none of it.
ELSEWHERE = (PeriodSource.RECORDED, PeriodSource.IMPORTED)


def recorded_elsewhere(enrollments: Iterable[Enrollment]) -> set[int]:
    """The ids of `enrollments` (their `period_number` loaded) whose current period was
    recorded from another system, in one query (none when no row was ever certified)."""
    numbers = {e.pk: e.period_number for e in enrollments if e.period_number}
    if not numbers:
        return set()
    periods = Period.objects.filter(enrollment_id__in=numbers, source__in=ELSEWHERE)
    return {pk for pk, n in periods.values_list("enrollment_id", "number") if numbers[pk] == n}


def move_current_expiry(enrollment: Enrollment, expires_on: date | None) -> None:
    """A staff expiry change moves the current period's `expires_on` (the only edit a
    period takes; older periods are never edited)."""
    period = current(enrollment)
    if period is not None:
        Period.objects.filter(pk=period.pk).update(expires_on=expires_on)
