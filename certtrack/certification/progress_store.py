"""Progress stored on the enrollment — the Tracking filter "Progress" (PRODUCT.md §5).

`Enrollment.progress_percent / progress_started / progress_until` (and the credits and
hours that count, `progress_credits / progress_hours`, for the exports) hold what `evaluate`
says, so the filter is an index range instead of the rules of `requirements` run per row. They are
written here whenever an input of `progress_of_many` changes: a completion recorded,
decided or removed (`services._after_completion_change`, the completions import), a
period using completions (`periods.use`, renewals), an enrollment created, a program's
thresholds, recency or components changed, a component's credits / hours or
prerequisites changed. Days passing change them only through the recency limit:
`progress_until` says when, and `refresh_due` (each worker pass) evaluates those rows
again. `certtrack rebuild-progress` rewrites them all (docs/decisions.md "Progress").
"""

from collections.abc import Collection, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import Q

from .literal import Literal
from .models import (
    Component,
    Enrollment,
    PeriodCompletion,
    Program,
    ProgramComponent,
)
from .requirements import (
    Facts,
    Progress,
    _decimal,
    _in,
    progress_of_many,
    requirements_met,
    something_done,
)

CENT = Decimal("0.01")  # the stored credits' and hours' precision
NOT_EVALUATED = date(1900, 1, 1)  # `progress_until` of a row never evaluated
STORE_BATCH = 2000
SMALL_WRITE = 50
# The Program fields `progress_of_many` reads (a change re-evaluates the program's rows).
PROGRAM_INPUTS = ("credits_required", "hours_required", "completion_recency_months")


class Stored(NamedTuple):
    percent: int
    started: bool
    until: date | None
    credits: Decimal
    hours: Decimal
    required_done: int
    required_total: int


def percent_of(progress: Progress) -> int:
    """How far the requirements are, 0–100; 100 exactly when they are met.

    The mean of the parts the rule sets: the required components done / required, the
    credits earned / required (at most 1) and the hours earned / required (at most 1),
    rounded down; short of 99 while not met. No part set (only electives, no
    threshold): 0 until met.
    """
    if progress.met:
        return 100
    rule = progress.rule
    parts = []
    if progress.required_total:
        parts.append(Decimal(progress.required_done) / progress.required_total)
    for earned, need in (
        (progress.credits_earned, rule.credits if rule else None),
        (progress.hours_earned, rule.hours if rule else None),
    ):
        if need:
            parts.append(min(Decimal(1), earned / need))
    if not parts:
        return 0
    return min(99, int(100 * sum(parts) / len(parts)))


def stored_of(progress: Progress) -> Stored:
    return Stored(
        percent_of(progress),
        bool(progress.done),
        progress.until,
        progress.credits_earned.quantize(CENT),
        progress.hours_earned.quantize(CENT),
        progress.required_done,
        progress.required_total,
    )


def _today() -> date:
    from certtrack import clock

    from .models import GeneralSettings

    return GeneralSettings.get().as_of(clock.now()).today


def store(
    enrollments: Iterable[Enrollment],
    today: date | None = None,
    *,
    touch: datetime | None = None,
    touched: Collection[int] = (),
    facts: Facts | None = None,
) -> int:
    """Evaluate `enrollments` (with their program) and write their stored progress where
    it changed; rows `touched` also get `updated_at = touch` (never moved back). `facts`:
    `progress_of_many`'s, read already.

    An unchanged row is not written: every UPDATE of an enrollment writes an entry in
    each of its indexes (a completion touched the contact's every enrollment, twice)."""
    today = today or _today()
    enrollments = list(enrollments)
    touched = set(touched)
    for start in range(0, len(enrollments), STORE_BATCH):
        chunk = enrollments[start : start + STORE_BATCH]
        progress = progress_of_many(chunk, today, facts=facts)
        now = {e.pk: _stored_now(e) for e in chunk}
        values = {pk: stored_of(p) for pk, p in progress.items()}
        write(
            {pk: v for pk, v in values.items() if v != now.get(pk) or pk in touched},
            touch=touch,
            touched=touched,
        )
    return len(enrollments)


_STORED_FIELDS = (
    *("progress_percent", "progress_started", "progress_until"),
    *("progress_credits", "progress_hours"),
    *("progress_required_done", "progress_required_total"),
)


def _stored_now(enrollment: Enrollment) -> Stored | None:
    """What `enrollment` holds now (None: not loaded, so written whatever it holds)."""
    if enrollment.get_deferred_fields() & set(_STORED_FIELDS):
        return None
    percent, started, until, credits, hours, done, total = (
        getattr(enrollment, f) for f in _STORED_FIELDS
    )
    return Stored(percent, started, until, _decimal(credits), _decimal(hours), done, total)


# The columns of `Stored`, in its order.
_SET = (
    "progress_percent = %s, progress_started = %s, progress_until = %s,"
    " progress_credits = %s, progress_hours = %s,"
    " progress_required_done = %s, progress_required_total = %s"
)
# `updated_at` moved to a time, never back (a transition in the same service may have
# written a later one).
_TOUCH = ", updated_at = CASE WHEN updated_at < %s THEN %s ELSE updated_at END"


def write(
    values: dict[int, Stored], touch: datetime | None = None, touched: Collection[int] = ()
) -> None:
    """Write stored progress by enrollment id (and `updated_at` of those `touched`). A
    few rows (a service's): one statement each, in id order (the order every writer
    locks rows in); a batch: one statement per distinct value (its rows share few: met,
    not started, …)."""
    if not values:
        return
    table = Enrollment._meta.db_table
    if len(values) <= SMALL_WRITE or touched:
        with connection.cursor() as cursor:
            for pk, value in sorted(values.items()):
                if touch is not None and pk in touched:
                    cursor.execute(
                        f"UPDATE {table} SET {_SET}{_TOUCH} WHERE id = %s",
                        [*value, touch, touch, pk],
                    )
                else:
                    cursor.execute(f"UPDATE {table} SET {_SET} WHERE id = %s", [*value, pk])
        return
    groups: dict[Stored, list[int]] = {}
    for pk, value in sorted(values.items()):
        groups.setdefault(value, []).append(pk)
    with connection.cursor() as cursor:
        for value, ids in groups.items():
            for start in range(0, len(ids), 500):
                where, params = _in("id", ids[start : start + 500])
                cursor.execute(
                    f"UPDATE {table} SET {_SET} WHERE {where}",
                    [*value, *params],
                )


def _rows(queryset) -> list[Enrollment]:
    return list(
        queryset.select_related("program").only(
            *("id", "contact_id", "program_id", *_STORED_FIELDS),
            *(f"program__{f}" for f in _PROGRAM_FIELDS),
        )
    )


_PROGRAM_FIELDS = (
    *PROGRAM_INPUTS,
    *("renewal_requirements", "renewal_credits_required", "renewal_hours_required"),
)


def refresh(
    contact_ids: Collection[int] = (),
    program_ids: Collection[int] = (),
    enrollment_ids: Collection[int] = (),
    today: date | None = None,
    *,
    of_program: int | None = None,
    pairs: Collection[tuple[int, int]] = (),
    touch: datetime | None = None,
    touched: Collection[int] = (),
    facts: Facts | None = None,
) -> int:
    """Store the progress of every enrollment of `contact_ids` (of program `of_program`
    only, when given), of `program_ids`, of `enrollment_ids` and of the (contact, program)
    `pairs` (`touch`, `facts`: `store`)."""
    if pairs:
        enrollment_ids = [*enrollment_ids, *_rows_of_pairs(set(pairs))]
    parts = []
    if contact_ids:
        parts.append(Q(contact_id__in=list(contact_ids)))
        if of_program is not None:
            parts[-1] &= Q(program_id=of_program)
    if enrollment_ids:
        parts.append(Q(pk__in=list(enrollment_ids)))
    n = 0
    if parts:
        q = parts[0] | parts[1] if len(parts) == 2 else parts[0]
        rows = _rows(Enrollment.objects.filter(q).order_by("pk"))
        n = store(rows, today, touch=touch, touched=touched, facts=facts)
    for program_id in program_ids:
        n += _store_in_batches(Enrollment.objects.filter(program_id=program_id), today)
    return n


def _rows_of_pairs(pairs: set[tuple[int, int]]) -> list[int]:
    """The ids of the enrollments of these (contact, program) pairs."""
    contacts, programs = sorted({c for c, _ in pairs}), sorted({p for _, p in pairs})
    rows = Enrollment.objects.filter(contact_id__in=contacts, program_id__in=programs)
    found = rows.values_list("pk", "contact_id", "program_id")
    return [pk for pk, contact, program in found if (contact, program) in pairs]


def _store_in_batches(queryset, today: date | None) -> int:
    """`store` for a large set, a batch of ids at a time (memory stays flat)."""
    n, last = 0, 0
    # In id order whatever `queryset`'s: each batch starts after the last id of the one
    # before (unordered, PostgreSQL's physical order skipped rows updated since).
    ids_in_order = queryset.order_by("pk").values_list("pk", flat=True)
    while True:
        ids = list(ids_in_order.filter(pk__gt=last)[:STORE_BATCH])
        if not ids:
            return n
        n += store(_rows(Enrollment.objects.filter(pk__in=ids)), today)
        last = ids[-1]


def due_q(today: date) -> Q:
    """Rows whose stored progress no longer holds on `today` (or was never stored)."""
    return Q(progress_until__lt=today)


def any_due(today: date) -> bool:
    """Whether some row's stored progress ran out on `today` (`due_q`): one probe of the
    index enrollment_progress_until_idx, as plain SQL — Django's `exists()` compiled it on
    every filtered Tracking page, 0.18 ms for a read of 0.02 ms (1 M rows, SQLite)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {Enrollment._meta.db_table} WHERE progress_until < %s LIMIT 1",
            [connection.ops.adapt_datefield_value(today)],
        )
        return cursor.fetchone() is not None


# `progress_started = 1`, not Django's bare `progress_started`: SQLite reads a bare
# boolean as no equality, so it could not narrow the index by it (the "partial" count
# scanned every not-started row: 27 ms instead of 1 ms at 1 M). "none" stays Django's `NOT
# progress_started`: as an equality SQLite read all 600,000 not-started rows and sorted them
# for a page by contact (210 ms) instead of walking the contacts' name index (0.3 ms).
STARTED = Q(progress_started=Literal(True))

# The stored progress (`Enrollment.progress_*`, kept by certification.requirements): each
# choice is a range of the index enrollment_progress_idx. Their constants are literals: the
# partial indexes for a choice's dated rows sorted by expiry (enrollment_unstarted_exp_idx,
# enrollment_underway_exp_idx) have these terms as their conditions.
STORED_PROGRESS = {
    "none": Q(progress_started=False),
    "partial": STARTED & Q(progress_percent__lt=Literal(100)),
    "complete": STARTED & Q(progress_percent=Literal(100)),
}


def _live_progress_q(progress: str, today: date) -> Q:
    """The rules run per row in SQL (rows whose stored progress ran out, see progress_q)."""
    if progress == "none":
        return ~Q(something_done(today))
    if progress == "partial":
        return Q(something_done(today)) & ~requirements_met(today)
    return requirements_met(today)


def progress_q(progress: str, today: date, at_least: int | None = None) -> Q:
    """Rows whose progress is `progress` (a key of STORED_PROGRESS, the Tracking filter's
    "Progress"; "" for any) and at least `at_least` percent, from the progress stored on
    each row (`store`).

    Rows whose stored progress ran out (`due_q`: a completion aged out of a recency limit
    since, or bulk-written rows not evaluated yet) are few and the worker
    evaluates them again each pass; until then the rules are run for them in SQL (without
    the prerequisite order: `requirements.requirements_met`), and "at least N %" counts
    them when met or when their last stored percent reached N.
    """
    stored = STORED_PROGRESS.get(progress, Q())
    if at_least:
        stored &= STARTED & Q(progress_percent__gte=at_least)
    if not any_due(today):
        return stored
    live = _live_progress_q(progress, today) if progress else Q()
    if at_least:
        live &= requirements_met(today) | Q(progress_percent__gte=at_least)
    return (~due_q(today) & stored) | (due_q(today) & live)


class Shown(NamedTuple):
    """A row's progress as a list row and an export show it, read from its stored columns
    (the fields of `requirements.Progress` they use)."""

    required_done: int
    required_total: int
    credits_earned: Decimal
    hours_earned: Decimal
    met: bool
    percent: int  # `percent_of` as stored


def percent_shown(progress: Progress | Shown) -> int:
    """The percent a list's bar shows: the one the "Progress at least N %" filter compares
    (stored, or `percent_of` a row evaluated again) — one number for both."""
    return progress.percent if isinstance(progress, Shown) else percent_of(progress)


# The columns `shown` reads (a list's queryset loads them: `tracking.ROW_FIELDS`, the
# Tracking tab's `backoffice.rows.TAB_FIELDS`).
SHOWN_FIELDS = (
    *("progress_until", "progress_percent", "progress_credits", "progress_hours"),
    *("progress_required_done", "progress_required_total"),
)


def shown(enrollments: Iterable[Enrollment], today: date) -> dict[int, Progress | Shown]:
    """Each enrollment's progress on `today` (the current day) as lists show it, by id: the
    stored values where they hold on `today`; evaluated (`progress_of_many`: each needs its
    program) for the rest — rows not stored yet, or whose counting completion aged out
    since (`due_q`), which the worker's progress step stores again."""
    enrollments = list(enrollments)
    if not enrollments or enrollments[0].get_deferred_fields() & set(SHOWN_FIELDS):
        return progress_of_many(enrollments, today)
    result: dict[int, Progress | Shown] = {}
    live = []
    for e in enrollments:
        until = e.progress_until
        if until is not None and until < today:
            live.append(e)
            continue
        result[e.pk] = Shown(
            e.progress_required_done,
            e.progress_required_total,
            _decimal(e.progress_credits),
            _decimal(e.progress_hours),
            e.progress_percent == 100,
            e.progress_percent,
        )
    if live:
        result.update(progress_of_many(live, today))
    return result


def refresh_due(today: date | None = None, limit: int | None = None) -> int:
    """Evaluate again the rows whose stored progress ran out (at most `limit`)."""
    today = today or _today()
    rows = Enrollment.objects.filter(due_q(today))
    if limit is not None:
        ids = rows.order_by("progress_until", "pk").values_list("pk", flat=True)[:limit]
        rows = Enrollment.objects.filter(pk__in=list(ids))
    return _store_in_batches(rows, today)


DUE_PER_PASS = 20_000


def refresh_due_progress(now) -> int:
    """Worker step: the rows whose stored progress ran out (a day passed), a batch a pass."""
    from .models import GeneralSettings

    return refresh_due(GeneralSettings.get().as_of(now).today, limit=DUE_PER_PASS)


def rebuild(today: date | None = None) -> int:
    """Store the progress of every enrollment (`certtrack rebuild-progress`)."""
    return _store_in_batches(Enrollment.objects.all(), today or _today())


# Inputs written through the ORM one object at a time: signals. (Bulk writes call
# `refresh` themselves.)


def _enrollment_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        refresh(enrollment_ids=[instance.pk])


def _program_before_save(sender, instance, raw=False, **kwargs) -> None:
    if raw or instance.pk is None:
        return
    before = Program.objects.filter(pk=instance.pk).values(*PROGRAM_INPUTS).first()
    instance._progress_inputs_changed = before is not None and any(
        before[name] != getattr(instance, name) for name in PROGRAM_INPUTS
    )


def _program_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if getattr(instance, "_progress_inputs_changed", False):
        instance._progress_inputs_changed = False
        refresh(program_ids=[instance.pk])


def _component_before_save(sender, instance, raw=False, **kwargs) -> None:
    if raw or instance.pk is None:
        return
    before = Component.objects.filter(pk=instance.pk).values("credits_earned", "hours_earned")
    before = before.first()
    instance._progress_inputs_changed = before is not None and (
        _decimal(before["credits_earned"]) != _decimal(instance.credits_earned)
        or _decimal(before["hours_earned"]) != _decimal(instance.hours_earned)
    )


def _programs_of(component_ids: Collection[int]) -> list[int]:
    links = ProgramComponent.objects.filter(component_id__in=list(component_ids))
    return sorted(set(links.values_list("program_id", flat=True)))


def _component_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if getattr(instance, "_progress_inputs_changed", False):
        instance._progress_inputs_changed = False
        refresh(program_ids=_programs_of([instance.pk]))


def _prerequisites_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    components = set(pk_set or ()) if reverse else {instance.pk}
    if reverse and action == "post_clear":
        components = {instance.pk}
    # A gate on a component changes the programs holding it (or holding what it gates).
    refresh(program_ids=_programs_of(components | _gated_by(components)))


def _gated_by(component_ids: set[int]) -> set[int]:
    through = Component.prerequisites.through
    rows = through.objects.filter(to_component_id__in=component_ids)
    return set(rows.values_list("from_component_id", flat=True))


def _period_completion_changed(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        refresh(contact_ids=[instance.contact_id], of_program=instance.program_id)


def connect_signals() -> None:
    """Called once by the app's `ready`: ORM writes of one object re-evaluate its rows."""
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

    post_save.connect(_enrollment_saved, sender=Enrollment, dispatch_uid="progress.enrollment")
    pre_save.connect(_program_before_save, sender=Program, dispatch_uid="progress.program0")
    post_save.connect(_program_saved, sender=Program, dispatch_uid="progress.program")
    pre_save.connect(_component_before_save, sender=Component, dispatch_uid="progress.comp0")
    post_save.connect(_component_saved, sender=Component, dispatch_uid="progress.comp")
    m2m_changed.connect(
        _prerequisites_changed,
        sender=Component.prerequisites.through,
        dispatch_uid="progress.prerequisites",
    )
    for signal in (post_save, post_delete):
        signal.connect(
            _period_completion_changed,
            sender=PeriodCompletion,
            dispatch_uid=f"progress.period_completion.{signal is post_save}",
        )
