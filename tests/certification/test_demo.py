"""The demo data set (`certtrack demo`, `make run`): every feature of the spec to look at."""

import io
from collections import Counter
from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command

from certtrack import clock
from certtrack.certification import renewals
from certtrack.certification.models import Contact, Enrollment, GeneralSettings, Period
from certtrack.certification.statuses import Status
from certtrack.notifications.models import Email


@pytest.fixture
def demo(db, travel):
    travel(date(2026, 11, 29))
    call_command("demo", stdout=io.StringIO())
    return GeneralSettings.get().as_of(clock.now())


def test_demo_shows_renewed_suspended_revoked_and_renewal_states(demo):
    certified = Enrollment.objects.filter(period_number__gte=1)
    assert certified.filter(period_number=2).exists()
    assert certified.filter(period_number=3).exists()
    sources = set(Period.objects.values_list("source", flat=True))
    assert {"earned", "renewed", "waived", "recorded"} <= sources
    # suspended: Inactive with a current period; revoked: Cancelled with a certificate
    assert certified.filter(status=Status.INACTIVE).exists()
    assert Enrollment.objects.filter(
        status=Status.CANCELLED, certificate_number__isnull=False
    ).exists()
    states = Counter(renewals.state_of(e, demo.today) for e in certified.select_related("program"))
    assert {"open", "review", "grace"} <= {str(s) for s in states if s}, states


def test_demo_has_members_holding_several_certifications(demo):
    held = Counter(
        Enrollment.objects.filter(period_number__gte=1).values_list("contact_id", flat=True)
    )
    assert max(held.values()) >= 4
    # a member whose certification lapsed past its grace and who enrolled again
    again = Counter(Enrollment.objects.values_list("contact_id", "program_id"))
    assert max(again.values()) >= 2


def test_demo_names_with_accents_are_found_and_sorted_without_them(demo):
    assert {c.last_name for c in Contact.objects.search("godel")} == {"Gödel"}
    assert {c.first_name for c in Contact.objects.search("EMILIE")} == {"Émilie"}
    last_names = list(dict.fromkeys(Contact.objects.values_list("last_name", flat=True)))
    assert last_names.index("Gödel") < last_names.index("Goldwasser")
    assert last_names.index("Turing") < last_names.index("van Rossum") < last_names.index("Wilson")


def test_demo_emails_go_to_the_outbox_quietly(demo):
    assert Email.objects.exists()
    assert not Email.objects.filter(status="queued").exists()
    assert mail.outbox == []


def test_a_demo_member_was_created_when_its_history_says(demo):
    from certtrack.certification.models import Contact, History

    rosa = Contact.objects.get(email="rosa.diaz@example.org")
    created = History.objects.get(contact=rosa, action="create_contact", enrollment=None)
    assert rosa.created_at == created.at
    assert rosa.created_at.date() < demo.today
    # ... through the service, which stores what search reads (certification.search)
    assert Contact.objects.search("ROSA díaz").get() == rosa
