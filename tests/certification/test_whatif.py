"""PRODUCT.md §11 "What if": the preview (counted in SQL) equals what applying does."""

from datetime import date

import pytest
from django.db import connection

from certtrack import clock
from certtrack.certification import counts, events, holder_moves, services, whatif
from certtrack.certification.dates import expiry_for
from certtrack.certification.models import Enrollment, GeneralSettings, History, Period
from certtrack.certification.statuses import CERTIFIED, Status
from certtrack.notifications.models import Email, Kind
from tests.conftest import at

TODAY = date(2026, 3, 20)

# (activated_on, a manually set expiry or None): month ends, 29 Feb, rollovers.
STARTS = [
    (date(2024, 1, 31), None),
    (date(2024, 2, 29), None),
    (date(2023, 3, 31), None),
    (date(2024, 8, 31), None),
    (date(2025, 5, 31), None),
    (date(2024, 4, 10), None),
    (date(2024, 3, 20), None),
    (date(2025, 2, 28), None),
    (date(2024, 12, 31), None),
    (date(2024, 2, 29), date(2026, 4, 1)),  # set by hand: Expiring today
    (date(2023, 10, 30), date(2026, 2, 28)),  # set by hand: Expired today
    (date(2025, 1, 31), date(2027, 3, 31)),
]


def _iso(day):
    return day and day.isoformat()


@pytest.fixture
def holders(db, admin, make_contact, make_program, travel):
    program = make_program(name="Safety", code="SAF", validity_months=24)
    made = []
    for n, (start, manual) in enumerate(STARTS):
        contact = make_contact(last_name=f"Holder{n:02d}", first_name="A")
        enrollment = services.record_existing(contact.pk, program.pk, start, admin, now=at(start))
        if manual:
            services.set_expires_on(enrollment.pk, manual, "by hand", admin, now=at(TODAY))
        made.append(enrollment)
    services.perform(made[3].pk, "suspend", admin, reason="audit", now=at(TODAY))
    services.perform(made[8].pk, "suspend", admin, reason="audit", now=at(TODAY))
    services.add(make_contact(last_name="Working").pk, program.pk, admin, now=at(TODAY))
    travel(TODAY)
    return program


@pytest.mark.parametrize("validity", [1, 11, 12, 23, 25, 26, 36, 48, None])
def test_the_preview_is_what_applying_does(holders, admin, validity):
    program = holders
    state = list(Enrollment.objects.order_by("pk").values_list("pk", "status", "expires_on"))
    history = History.objects.count()
    preview = whatif.preview_change(program.pk, admin, validity_months=validity)
    assert list(Enrollment.objects.order_by("pk").values_list("pk", "status", "expires_on")) == (
        state
    )
    assert History.objects.count() == history
    _, applied = whatif.change_program(
        program.pk, admin, apply_to_existing=True, validity_months=validity
    )
    assert preview.as_dict() == applied.as_dict()
    assert preview.enrollments_changed == History.objects.filter(action="program_change").count()
    assert preview.enrollments_changed > 0 and len(preview.examples) == whatif.EXAMPLES


def test_month_ends_and_29_february_clamp_like_expiry_for(holders, admin):
    effect = whatif.preview_change(holders.pk, admin, validity_months=1)
    by_name = {e.name: e for e in effect.examples}
    assert by_name["A Holder00"].new_expires_on == date(2024, 2, 29)  # 31 Jan + 1 month
    assert by_name["A Holder01"].new_expires_on == date(2024, 3, 29)
    assert by_name["A Holder02"].new_expires_on == date(2023, 4, 30)
    assert by_name["A Holder03"].new_status == "inactive"  # suspended: the date moves only
    effect = whatif.preview_change(holders.pk, admin, validity_months=12)
    leap = next(e for e in effect.examples if e.name == "A Holder01")
    assert leap.new_expires_on == date(2025, 2, 28)  # 29 Feb + 12 months


def _holders_now(program):
    """Per holder of `program`: (stored status, expires_on, cycle, period, its start, its end)."""
    rows = {}
    for e in Enrollment.objects.filter(program=program).order_by("pk"):
        current = Period.objects.filter(enrollment=e, number=e.period_number).first()
        rows[e.pk] = (
            e.status,
            e.expires_on,
            e.cycle,
            e.period_number,
            current and current.activated_on,
            current and current.expires_on,
            e.contact_id,
        )
    return rows


@pytest.mark.parametrize("validity", [1, 13, 25, None])
def test_applying_writes_what_expiry_for_says_with_one_history_row_each(
    holders, admin, admin_user, validity
):
    """The apply (one SQL statement on PostgreSQL) against the rule in Python: `expiry_for`
    of the current period's start, the status the dates say, cycle + 1, the History row's
    content, the reminders re-armed for exactly the moved rows."""
    program = holders
    before = _holders_now(program)
    rearmed = []

    def hear(sender, changes, at, **kwargs):
        rearmed.extend(changes)

    events.expiries_changed.connect(hear, dispatch_uid="test_whatif.hear")
    try:
        _, effect = whatif.change_program(
            program.pk, admin, apply_to_existing=True, validity_months=validity
        )
    finally:
        events.expiries_changed.disconnect(dispatch_uid="test_whatif.hear")
    as_of = GeneralSettings.get().as_of(clock.now())
    after = _holders_now(program)
    logged = {h.enrollment_id: h for h in History.objects.filter(action="program_change")}
    expected_changes = []
    for pk, (stored, old, cycle, number, start, _, contact_id) in before.items():
        holding = number > 0 and stored in holder_moves.HOLDING and start is not None
        new = expiry_for(start, validity) if holding else old
        if new == old:
            assert after[pk] == before[pk] and pk not in logged
            continue
        new_stored = as_of.status_of(stored, new).value if stored in CERTIFIED else stored
        assert after[pk] == (new_stored, new, cycle + 1, number, start, new, contact_id)
        shown = (as_of.status_of(stored, old).value, as_of.status_of(new_stored, new).value)
        row = logged.pop(pk)
        assert (row.actor, row.actor_kind, row.user_id, row.contact_id) == (
            admin.label,
            admin.kind,
            admin_user.pk,
            contact_id,
        )
        assert (row.from_status, row.to_status) == (shown if shown[0] != shown[1] else ("", ""))
        assert row.changes == {"expires_on": [_iso(old), _iso(new)]}
        assert row.reason == (
            f"Program SAF changed (validity months 24 → {validity}), applied to existing holders."
        )
        expected_changes.append(events.ExpiryChange(pk, old, new, cycle + 1, new_stored, number))
    assert not logged  # no History row for a row that did not move
    assert effect.enrollments_changed == len(expected_changes) > 0
    assert sorted(rearmed, key=lambda c: c.enrollment_id) == expected_changes
    assert counts.mismatches() == []


def test_the_count_aggregate_is_right_after_an_apply_and_later_writes(holders, admin):
    """PostgreSQL: the update trigger skips the apply's rows (the statement appends their
    deltas, grouped) and counts again afterwards, in the same transaction; the statement's
    work_mem is put back."""
    program = holders
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1" if connection.vendor == "sqlite" else "SHOW work_mem")
        work_mem = cursor.fetchone()
    whatif.change_program(program.pk, admin, apply_to_existing=True, validity_months=13)
    assert counts.mismatches() == []
    holder = Enrollment.objects.filter(program=program, status=Status.ACTIVE).first()
    services.perform(holder.pk, "suspend", admin, reason="later", now=clock.now())
    whatif.change_program(program.pk, admin, apply_to_existing=True, validity_months=26)
    assert counts.mismatches() == []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            assert holder_moves.counts_deferrable(cursor)
            cursor.execute("SELECT current_setting(%s, true)", [counts.DEFERRED])
            assert cursor.fetchone()[0] == "off"
            cursor.execute("SHOW work_mem")  # raised for the statement only
            assert cursor.fetchone() == work_mem


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's count trigger")
def test_a_count_trigger_of_before_the_deferral_still_counts_once(holders, admin):
    """A database whose trigger was not reinstalled since (no `migrate`): the trigger does
    the work row by row and the apply adds no deltas of its own (no double count)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER {holder_moves.COUNT_TRIGGER} AFTER UPDATE OF program_id, "
            f"status, expires_on ON {counts.ENROLLMENTS} FOR EACH ROW "
            "WHEN (OLD.expires_on IS DISTINCT FROM NEW.expires_on "
            "OR OLD.status IS DISTINCT FROM NEW.status "
            "OR OLD.program_id IS DISTINCT FROM NEW.program_id) "
            "EXECUTE FUNCTION certification_enrollment_count()"
        )
        assert not holder_moves.counts_deferrable(cursor)
    _, effect = whatif.change_program(holders.pk, admin, apply_to_existing=True, validity_months=13)
    assert effect.enrollments_changed > 0
    assert counts.mismatches() == []


def test_an_apply_queues_the_expiring_reminder_of_a_row_it_makes_expiring(holders, admin):
    """Reminders re-armed: 28 Feb 2025 + 13 months is within the 30 notice days."""
    program = holders
    moved = Enrollment.objects.get(program=program, contact__last_name="Holder07")
    whatif.change_program(program.pk, admin, apply_to_existing=True, validity_months=13)
    moved.refresh_from_db()
    assert moved.expires_on == date(2026, 3, 28)
    assert Email.objects.filter(
        enrollment=moved, kind=Kind.CERTIFICATION_EXPIRING, cycle=moved.cycle
    ).exists()


def test_an_expired_holder_who_enrolled_again_keeps_their_old_certification_as_it_is(
    db, admin, make_contact, make_program, travel
):
    """An API trial: validity 24 → 48 months on the demo answered 500 (IntegrityError):
    an Expired certification moved back to Active beside the same contact's newer open
    enrollment, and one contact may have one open enrollment per program. Such a holder
    is left as it is — by the preview and by the change, on both databases."""
    program = make_program(name="Safety", code="SAF", validity_months=24)
    again, alone = make_contact(last_name="Again"), make_contact(last_name="Alone")
    old = services.record_existing(again.pk, program.pk, date(2023, 3, 31), admin)
    other = services.record_existing(alone.pk, program.pk, date(2023, 3, 31), admin)
    travel(TODAY)
    services.add(again.pk, program.pk, admin, now=at(TODAY))  # enrolled again: in progress
    assert (
        Enrollment.objects.get(pk=old.pk).current_status(GeneralSettings.get().as_of(clock.now()))
        == Status.EXPIRED
    )

    preview = whatif.preview_change(program.pk, admin, validity_months=48)
    _, applied = whatif.change_program(
        program.pk, admin, apply_to_existing=True, validity_months=48
    )
    assert preview.as_dict() == applied.as_dict()
    assert applied.enrollments_changed == 1 and applied.status_changes == {"expired→active": 1}
    assert [e.enrollment_id for e in applied.examples] == [other.pk]
    kept = Enrollment.objects.get(pk=old.pk)
    assert (kept.status, kept.expires_on) == (Status.EXPIRED, date(2025, 3, 31))
    assert Enrollment.objects.get(pk=other.pk).expires_on == date(2027, 3, 31)
    assert not History.objects.filter(enrollment_id=old.pk, action="program_change").exists()
