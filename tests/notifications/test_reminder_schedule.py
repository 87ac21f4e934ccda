"""Reminder schedules — PRODUCT.md §4 "Reminder schedule": every sending rule, in time."""

import itertools
import random
from datetime import date, timedelta

import pytest
from django.core import mail

from certtrack import clock
from certtrack.certification import services
from certtrack.certification.errors import Invalid
from certtrack.certification.models import Enrollment, GeneralSettings, Program, ReminderStep
from certtrack.notifications import reminders
from certtrack.notifications.models import Email, ReminderTemplate
from certtrack.notifications.schedules import in_words
from certtrack.operations.models import WorkerPass

ACTIVATED = date(2025, 4, 10)
EXPIRY = date(2026, 4, 10)  # 12 months later
SCHEDULE = [
    {"offset_days": -90},
    {"offset_days": -30},
    {"offset_days": -7, "mandatory": True},
    {"offset_days": 1},
]


def day(offset: int) -> date:
    return EXPIRY + timedelta(days=offset)


@pytest.fixture
def program(make_program):
    return make_program(name="Safety Officer", validity_months=12, reminder_schedule=SCHEDULE)


@pytest.fixture
def certified(make_contact, program, admin, travel):
    """Ana's certification, recorded on the day she earned it."""
    travel(ACTIVATED)
    ana = make_contact(first_name="Ana", email="ana@example.org")
    return services.record_existing(ana.pk, program.pk, ACTIVATED, admin)


def steps_sent(enrollment) -> list[int]:
    rows = Email.objects.filter(enrollment=enrollment, kind="reminder", status="sent")
    return sorted(rows.values_list("step", flat=True))


def kinds(enrollment) -> list[str]:
    return sorted(Email.objects.filter(enrollment=enrollment).values_list("kind", flat=True))


# --- the pure rule and its index form agree ------------------------------------------------


def test_the_ranges_the_worker_queries_select_exactly_the_step_the_rule_chooses():
    rng = random.Random(15)
    today = date(2026, 1, 1)
    for _ in range(300):
        offsets = sorted(rng.sample(range(-120, 90), rng.randint(1, 5)))
        steps = [reminders.Step(o, "certification_expiring") for o in offsets]
        found = reminders.ranges(steps, today, 1)
        for expires_on in (today + timedelta(days=d) for d in range(-160, 160)):
            by_range = [s for s, lo, hi in found if lo <= expires_on <= hi]
            expected = reminders.chosen(steps, expires_on, today)
            assert by_range == ([expected] if expected else []), (offsets, expires_on)


# --- the schedule: bad input is refused, naming the field ----------------------------------


@pytest.mark.parametrize(
    "schedule, words",
    [
        ([{"offset_days": -731}], "outside -730…+365"),
        ([{"offset_days": 366}], "outside -730…+365"),
        ([{"offset_days": -30}, {"offset_days": -30}], "same offset_days (-30)"),
        ([{"offset_days": -30, "template": "no-such"}], "no template 'no-such'"),
    ],
)
def test_a_bad_schedule_is_refused_naming_the_field_and_nothing_is_saved(
    make_program, admin, schedule, words
):
    program = make_program(name="Kept", reminder_schedule=[{"offset_days": -10}])
    with pytest.raises(Invalid) as refused:
        services.update_program(program.pk, admin, name="Changed", reminder_schedule=schedule)
    assert refused.value.field == "reminder_schedule"
    assert words in refused.value.message
    program.refresh_from_db()
    assert program.name == "Kept"
    assert list(ReminderStep.objects.filter(program=program).values_list("offset_days")) == [(-10,)]
    with pytest.raises(Invalid):
        make_program(name="New", reminder_schedule=schedule)
    assert not Program.objects.filter(name="New").exists()


def test_each_step_reads_in_plain_words(db):
    template = ReminderTemplate.objects.create(
        key="expiring-30",
        name="Certification Expiring — 30 days",
        based_on="certification_expiring",
        subject="s",
        text_body="t",
    )
    assert (
        reminders.describe(reminders.Step(-30, template.key))
        == "30 days before expiry: Certification Expiring — 30 days"
    )
    assert (
        reminders.describe(reminders.Step(1, "certification_expired", True))
        == "1 day after expiry: Certification expired (mandatory)"
    )
    assert reminders.describe(reminders.Step(0, "certification_expiring")).startswith(
        "On the day of expiry"
    )


def test_a_schedule_reads_in_one_line_for_the_programs_history(db):
    ReminderTemplate.objects.create(
        key="expiring-30",
        name="Final notice",
        based_on="certification_expiring",
        subject="s",
        text_body="t",
    )
    Step = reminders.Step
    schedule = [
        Step(30, "certification_expired"),
        Step(-30, "expiring-30"),
        Step(-90, "certification_expiring", True),
        Step(0, "certification_expiring"),
        Step(1, "certification_expired"),
    ]
    assert in_words(schedule) == (
        "90 (mandatory), 30 (email “Final notice”) days before; on the day of expiry; "
        "1, 30 days after"
    )
    assert in_words([Step(-1, "certification_expiring", True)]) == "1 day before (mandatory)"
    assert in_words([Step(7, "certification_expiring")]) == (
        "7 days after (email “Certification Expiring”)"
    )
    assert in_words([]) is None


# --- sending rules -------------------------------------------------------------------------


def test_each_step_is_sent_on_its_day_once_and_never_before(certified, worker):
    worker(day(-91))
    assert steps_sent(certified) == []  # never before its day
    worker(day(-90))
    worker(day(-90))  # a second pass the same day sends nothing more
    worker(day(-89))
    assert steps_sent(certified) == [-90]
    for offset in (-31, -30, -29, -8, -7, -6, 0, 1, 2, 31):
        worker(day(offset))
    assert steps_sent(certified) == [-90, -30, -7, 1]
    assert Email.objects.filter(enrollment=certified, kind="reminder").count() == 4


def test_a_scheduled_program_sends_its_steps_instead_of_the_single_expiring_and_expired_emails(
    certified, worker
):
    for offset in (-90, -30, -7, 1):
        worker(day(offset))
    assert "certification_expiring" not in kinds(certified)
    assert "certification_expired" not in kinds(certified)
    assert [m.subject for m in mail.outbox[-1:]] == [
        "Your Safety Officer certification has expired"
    ]  # the +1 step uses the shipped expired text by default


def test_a_program_without_a_schedule_keeps_the_single_expiring_and_expired_emails(
    make_contact, make_program, admin, travel, worker
):
    travel(ACTIVATED)
    plain = make_program(name="Plain", validity_months=12)
    enrollment = services.record_existing(make_contact().pk, plain.pk, ACTIVATED, admin)
    for offset in (-90, -30, -7, 1, 2):
        worker(day(offset))
    assert kinds(enrollment) == ["certification_expired", "certification_expiring"]


def test_when_several_steps_are_due_at_once_only_the_latest_is_sent(certified, worker):
    worker(day(-10))  # the worker was down since before -90: -90 and -30 are both due
    assert steps_sent(certified) == [-30]
    worker(day(-9))
    assert steps_sent(certified) == [-30]  # -90 is skipped for good
    worker(day(-7))
    assert steps_sent(certified) == [-30, -7]


def test_a_recorded_certification_gets_only_the_latest_due_step(
    make_contact, program, admin, travel, worker
):
    travel(day(-5))
    enrollment = services.record_existing(make_contact().pk, program.pk, ACTIVATED, admin)
    worker(day(-5))
    assert steps_sent(enrollment) == [-7]


def test_a_step_before_expiry_is_never_sent_after_expiry(certified, worker):
    worker(day(-31))
    worker(day(1))  # down from -30 to +1: -30 and -7 are past expiry now
    assert steps_sent(certified) == [-90, 1]


def test_a_step_after_expiry_is_never_sent_more_than_30_days_late(certified, worker):
    worker(day(-7))
    worker(day(32))  # the +1 step's day was 31 days ago
    assert steps_sent(certified) == [-7]


def test_an_after_expiry_step_30_days_late_is_still_sent(certified, worker):
    worker(day(-7))
    worker(day(31))
    assert steps_sent(certified) == [-7, 1]


def test_no_reminder_while_suspended(certified, admin, worker, travel):
    worker(day(-90))
    travel(day(-40))
    services.perform(certified.pk, "suspend", admin, reason="Audit")
    for offset in (-30, -7, 1):
        worker(day(offset))
    assert steps_sent(certified) == [-90]


def test_a_step_queued_before_a_suspension_is_not_sent_after_it(certified, admin, travel):
    from certtrack.notifications.delivery import deliver_due

    travel(day(-30))
    assert reminders.queue_reminders(clock.now()) == 1
    services.perform(certified.pk, "suspend", admin, reason="Audit")
    deliver_due(clock.now())
    row = Email.objects.get(enrollment=certified, kind="reminder")
    assert row.status == "cancelled"
    assert "Inactive" in row.last_error


def test_a_renewal_stops_the_old_periods_steps_and_rearms_the_schedule(certified, admin, worker):
    worker(day(-30))
    worker(day(-20))
    services.perform(certified.pk, "renew", admin, reason="Renewed by exam")
    certified.refresh_from_db()
    new_expiry = certified.expires_on
    assert new_expiry == date(2027, 4, 10)
    worker(day(-7))  # the old period's -7 step is not sent: it was renewed
    worker(day(1))
    assert steps_sent(certified) == [-30]
    worker(new_expiry - timedelta(days=90))
    rows = Email.objects.filter(enrollment=certified, kind="reminder", status="sent")
    assert sorted(rows.values_list("period", "step")) == [(1, -30), (2, -90)]


def test_changing_a_schedule_rearms_unsent_steps_and_never_resends_a_sent_one(
    certified, program, admin, worker
):
    worker(day(-30))
    services.update_program(
        program.pk,
        admin,
        reminder_schedule=[{"offset_days": -30}, {"offset_days": -14}, {"offset_days": -7}],
    )
    for offset in (-30, -29, -14, -7):
        worker(day(offset))
    assert steps_sent(certified) == [-30, -14, -7]


def test_a_step_queued_and_then_removed_from_the_schedule_is_not_sent(
    certified, program, admin, travel
):
    from certtrack.notifications.delivery import deliver_due

    travel(day(-30))
    reminders.queue_reminders(clock.now())
    services.update_program(program.pk, admin, reminder_schedule=[{"offset_days": -7}])
    deliver_due(clock.now())
    assert Email.objects.get(enrollment=certified, kind="reminder").status == "cancelled"


def test_a_step_uses_its_own_template(make_contact, make_program, admin, travel, worker):
    ReminderTemplate.objects.create(
        key="last-call",
        name="Last call",
        based_on="certification_expiring",
        subject="Last call: {{ program.name }} in {{ days_left }} days",
        text_body="Hello {{ contact.first_name }}",
    )
    travel(ACTIVATED)
    program = make_program(
        name="Forklift", reminder_schedule=[{"offset_days": -7, "template": "last-call"}]
    )
    services.record_existing(make_contact(first_name="Bo").pk, program.pk, ACTIVATED, admin)
    worker(day(-7))
    assert [m.subject for m in mail.outbox] == ["Last call: Forklift in 7 days"]


def test_a_member_who_turned_off_optional_reminders_still_gets_the_mandatory_ones(
    certified, worker
):
    reminders.set_optional_off(certified, True, clock.now())
    for offset in (-90, -30, -7, 1):
        worker(day(offset))
    assert steps_sent(certified) == [-7]


def test_the_worker_pass_records_how_many_reminders_it_queued(certified, worker):
    worker(day(-90))
    last = WorkerPass.objects.order_by("-finished_at").first()
    assert last.steps["queue_reminders"] == 1
    worker(day(-90))
    last = WorkerPass.objects.order_by("-finished_at", "-id").first()
    assert last.steps["queue_reminders"] == 0


def test_the_enrollment_states_each_step(certified, worker):
    worker(day(-10))  # -30 sent, -90 skipped
    certified.refresh_from_db()
    words = {
        step.offset_days: text
        for step, _, text in reminders.state(
            reminders.schedule_of(certified.program_id),
            certified.expires_on,
            day(-10),
            reminders.sent_states(certified),
        )
    }
    assert words[-90] == "skipped: a later step was due at the same time"
    assert words[-30].startswith("sent 2026-03-31")
    assert words[-7] == "scheduled for 2026-04-03"
    assert words[1] == "scheduled for 2026-04-11"


# --- the preview is what the worker sends ---------------------------------------------------


def test_what_the_worker_sends_over_60_days_is_what_the_preview_said_on_day_0(
    make_contact, program, make_program, admin, travel, worker
):
    travel(date(2026, 2, 18))
    other = make_program(
        name="Other",
        validity_months=24,
        reminder_schedule=[{"offset_days": -14}, {"offset_days": 3}],
    )
    start = date(2026, 2, 20)
    for n, (prog, back) in enumerate(itertools.product([program, other], range(0, 400, 9))):
        services.record_existing(
            make_contact(email=f"m{n}@example.org").pk,
            prog.pk,
            start - timedelta(days=(365 if prog == program else 670) + back),
            admin,
        )
    travel(start)
    said = {
        (row["on"], row["enrollment_id"], row["offset_days"])
        for row in reminders.preview(clock.now(), 60)
    }
    assert len(said) > 20
    before = set(Email.objects.filter(kind="reminder").values_list("pk", flat=True))
    for n in range(60):
        worker(start + timedelta(days=n))
    sent = {
        (date.fromisoformat(e.data["today"]), e.enrollment_id, e.step)
        for e in Email.objects.filter(kind="reminder", status="sent").exclude(pk__in=before)
    }
    assert sent == said


def test_programs_without_a_schedule_preview_their_expiring_and_expired_emails(
    make_contact, program, make_program, admin, travel, worker
):
    """An API trial: the preview listed only the programs with a schedule, while a program
    without one sends the General Setting's expiring email and the expired email
    (PRODUCT.md §4) — most programs. What the worker sends over 60 days of either kind is
    what the preview said on day 0 (the expiring email as the notice days before expiry,
    the expired one as the day after)."""
    travel(date(2026, 2, 18))
    plain = make_program(name="Plain", validity_months=12)
    notice = GeneralSettings.get().expiring_notice_days
    start = date(2026, 2, 20)
    for n, (prog, back) in enumerate(itertools.product([program, plain], range(0, 120, 7))):
        services.record_existing(
            make_contact(email=f"p{n}@example.org").pk,
            prog.pk,
            start - timedelta(days=365 - 40 + back),  # expiring from 40 days ahead to 80 ago
            admin,
        )
    travel(start)
    said = {
        (row["on"], row["enrollment_id"], row["template"], row["offset_days"])
        for row in reminders.preview(clock.now(), 60)
    }
    plain_ids = set(Enrollment.objects.filter(program=plain).values_list("pk", flat=True))
    plain_said = {(row[2], row[3]) for row in said if row[1] in plain_ids}
    assert plain_said == {("certification_expiring", -notice), ("certification_expired", 1)}
    before = set(Email.objects.values_list("pk", flat=True))
    for n in range(60):
        worker(start + timedelta(days=n))
    sent = set()
    for e in Email.objects.filter(status="sent").exclude(pk__in=before):
        if e.kind == "reminder":
            key = (e.data["template"], e.step)
        elif e.kind in ("certification_expiring", "certification_expired"):
            key = (e.kind, -notice if e.kind == "certification_expiring" else 1)
        else:
            continue
        sent.add((date.fromisoformat(e.data["today"]), e.enrollment_id, *key))
    assert sent == said


def test_the_states_say_why_a_step_was_skipped_or_is_off():
    steps = [reminders.Step(o, "certification_expiring", o == -7) for o in (-90, -30, -7, 1)]
    after = EXPIRY + timedelta(days=40)
    words = {
        s.offset_days: w
        for s, _, w in reminders.state(steps, EXPIRY, after, {-7: "sent 2026-04-03"})
    }
    assert words == {
        -90: "skipped: a later step was due at the same time",
        -30: "skipped: a later step was due at the same time",
        -7: "sent 2026-04-03",
        1: "skipped: more than 30 days late",
    }
    words = {
        s.offset_days: w
        for s, _, w in reminders.state(steps, EXPIRY, day(-100), {}, opted_out=True)
    }
    assert words[-90] == "off: the member turned off optional reminders"
    assert words[-7] == "scheduled for 2026-04-03"


def test_a_batch_of_reminders_reads_the_schedules_once_however_many_programs(
    make_contact, make_program, admin, travel
):
    """Delivery checks each queued step against its program's schedule: one query for
    the batch's programs, not one per program."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from certtrack.notifications.delivery import deliver_due

    def queries_to_deliver(programs: int) -> tuple[int, int]:
        travel(ACTIVATED)
        made = [
            make_program(name=f"P{programs}-{n}", validity_months=12, reminder_schedule=SCHEDULE)
            for n in range(programs)
        ]
        for p in made:
            services.record_existing(make_contact().pk, p.pk, ACTIVATED, admin)
        travel(day(-7))
        queued = reminders.queue_reminders(clock.now())
        with CaptureQueriesContext(connection) as captured:
            sent = deliver_due(clock.now())
        assert sent == queued == programs
        return len(captured), sum("reminderstep" in q["sql"] for q in captured)

    one, one_reads = queries_to_deliver(1)
    many, many_reads = queries_to_deliver(6)  # six more programs, one reminder each
    assert one_reads == many_reads == 1
    assert many == one


def test_a_staff_extension_sends_no_step_twice_in_the_period(certified, admin, worker, travel):
    """Each step once per period (PRODUCT.md §4): moved by hand after −90 and −30 went out,
    the new date gets only the steps not sent yet (−7, then +1)."""
    worker(day(-90))
    worker(day(-30))
    assert steps_sent(certified) == [-90, -30]
    travel(day(-20))
    services.set_expires_on(certified.pk, day(60), "Extended by the board", admin)
    for offset in (-20, -19, 0, 30, 53, 61):
        worker(day(offset))
    assert sorted(steps_sent(certified)) == [-90, -30, -7, 1]
