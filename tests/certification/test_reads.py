"""Reads that are true now: filters, counts and the annotation agree with the dates, no job run."""

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from certtrack.certification import services
from certtrack.certification.actors import Actor
from certtrack.certification.dates import AsOf
from certtrack.certification.models import Contact, Enrollment, Program
from certtrack.certification.statuses import Status

from .conftest import TODAY


def test_counts_filters_and_annotation_agree_for_every_status(reach, db):
    rows = {status.value: reach(status.value) for status in Status}
    as_of = AsOf(TODAY, 30)

    counts = Enrollment.objects.status_counts(as_of)

    assert counts == {status.value: 1 for status in Status}
    for status, enrollment in rows.items():
        assert list(Enrollment.objects.in_status([status], as_of)) == [enrollment]
        annotated = Enrollment.objects.with_current_status(as_of).get(pk=enrollment.pk)
        assert annotated.current_status == status == enrollment.current_status(as_of)


def test_counts_follow_the_calendar_without_any_job(reach, db):
    enrollment = reach("active")  # expires TODAY - 100 days + 12 months
    later = AsOf(enrollment.expires_on - timedelta(days=30), 30)
    after = AsOf(enrollment.expires_on + timedelta(days=1), 30)
    assert Enrollment.objects.status_counts(later)["expiring"] == 1
    assert Enrollment.objects.status_counts(after)["expired"] == 1
    assert Enrollment.objects.status_counts(AsOf(enrollment.expires_on, 0))["active"] == 1


def test_search_matches_name_email_and_organization(make_contact, make_program, admin):
    program = make_program()
    ada = make_contact(first_name="Ada", last_name="Lovelace", organization="Analytical Engines")
    grace = make_contact(first_name="Grace", last_name="Hopper", email="grace@navy.example")
    for contact in (ada, grace):
        services.add(contact.pk, program.pk, admin)
    assert [e.contact for e in Enrollment.objects.search("lovelace")] == [ada]
    assert [e.contact for e in Enrollment.objects.search("NAVY")] == [grace]
    assert [e.contact for e in Enrollment.objects.search("analytical ada")] == [ada]
    assert Enrollment.objects.search("nobody").count() == 0


class CountsMatchStatusOf(TestCase):
    """Property: for any set of expiry dates, any day and notice, counts = Python's status_of."""

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        offsets=st.lists(st.one_of(st.none(), st.integers(-60, 60)), min_size=1, max_size=12),
        notice=st.integers(0, 45),
    )
    def test_property(self, offsets, notice):
        Enrollment.objects.all().delete()
        actor = Actor.system("test")
        program = Program.objects.first() or services.create_program(
            actor, name="P", code="P", validity_months=12, credits_required=1
        )
        contact = Contact.objects.first() or services.create_contact(
            actor, first_name="A", last_name="B", email="a@b.org"
        )
        today = date(2026, 3, 1)
        for offset in offsets:
            Enrollment.objects.create(
                contact=contact,
                program=program,
                status="expired",  # stored lag: anything certified
                expires_on=None if offset is None else today + timedelta(days=offset),
                activated_on=today - timedelta(days=400),
            )
        as_of = AsOf(today, notice)
        expected = {s.value: 0 for s in Status}
        for e in Enrollment.objects.all():
            expected[e.current_status(as_of)] += 1
        self.assertEqual(Enrollment.objects.status_counts(as_of), expected)
