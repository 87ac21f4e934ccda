"""Each email of PRODUCT.md §4 reaches a real SMTP server, with its recipient and links."""

import re
from datetime import date

import pytest

from certtrack.certification import services
from certtrack.certification.actors import Actor
from certtrack.certification.models import Enrollment
from certtrack.notifications.models import Email, EmailTemplate
from tests.conftest import at

DAY = date(2026, 3, 2)


def links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"<>]+", text)


@pytest.fixture
def ana(make_contact):
    return make_contact(first_name="Ana", last_name="O'Brien", email="ana@example.org")


def finish(enrollment: Enrollment, admin) -> Enrollment:
    """Record the program's required component: requirements met."""
    for component in enrollment.program.components.all():
        services.record_completion(enrollment.contact_id, component.pk, DAY, admin)
    return Enrollment.objects.get(pk=enrollment.pk)


def test_applying_to_a_program_that_requires_approval_emails_the_contact_and_the_registrar(
    smtp, staff_recipients, ana, make_program, worker, travel
):
    travel(DAY)
    program = make_program(name="Safety Officer", require_approval=True)
    services.apply(ana.pk, program.pk, Actor.contact(ana))
    assert smtp.inbox.received == []  # queued, not sent, until the worker passes
    worker(DAY)
    [to_ana] = smtp.inbox.to("ana@example.org")
    assert to_ana.subject == "We received your application: Safety Officer"
    assert "Hello Ana," in to_ana.text
    assert "will review your application" in to_ana.text
    assert "https://certs.example.org/portal/" in links(to_ana.text)
    assert to_ana.sender == "certification@example.org"
    [to_staff] = smtp.inbox.to("registrar@example.org")
    assert to_staff.subject == "New Certification Application: Ana O'Brien, Safety Officer"
    assert "ana@example.org" in to_staff.text
    assert "O&#x27;Brien" in to_staff.html or "O&#39;Brien" in to_staff.html  # escaped in HTML


def test_staff_adding_a_contact_sends_no_application_email(
    smtp, staff_recipients, ana, make_program, admin, worker, travel
):
    travel(DAY)
    services.add(ana.pk, make_program().pk, admin)
    worker(DAY)
    assert smtp.inbox.received == []


def test_applying_to_an_open_program_tells_the_contact_to_start(
    smtp, staff_recipients, ana, make_program, worker, travel
):
    travel(DAY)
    services.apply(ana.pk, make_program(name="First Aid").pk, Actor.contact(ana))
    worker(DAY)
    [received] = smtp.inbox.received  # no approval needed: nothing for the registrar
    assert received.recipients == ["ana@example.org"]
    assert "start working towards the certification" in received.text


def test_approving_and_declining_applications_tell_the_contact(
    smtp, ana, make_contact, make_program, admin, worker, travel
):
    travel(DAY)
    program = make_program(name="Safety Officer", require_approval=True)
    approved = services.apply(ana.pk, program.pk, admin)
    ben = make_contact(first_name="Ben", email="ben@example.org")
    declined = services.apply(ben.pk, program.pk, admin)
    services.perform(approved.pk, "approve", admin)
    services.perform(declined.pk, "decline", admin, reason="Missing prerequisites")
    worker(DAY)
    assert [r.subject for r in smtp.inbox.to("ana@example.org")] == [
        "We received your application: Safety Officer",
        "Your application to Safety Officer is approved",
    ]
    assert [r.subject for r in smtp.inbox.to("ben@example.org")] == [
        "We received your application: Safety Officer",
        "Your application to Safety Officer",
    ]
    assert "was not approved" in smtp.inbox.to("ben@example.org")[1].text


def test_admin_review_required_goes_to_every_review_recipient(
    smtp, staff_recipients, ana, make_program, admin, worker, travel
):
    travel(DAY)
    program = make_program(name="Auditor", completion_requires_approval=True)
    enrollment = finish(services.add(ana.pk, program.pk, admin), admin)
    assert enrollment.status == "admin_review"
    worker(DAY)
    [received] = smtp.inbox.received
    assert sorted(received.recipients) == ["chair@example.org", "reviewer@example.org"]
    assert received.subject == "Admin Review Required: Ana O'Brien, Auditor"


def test_staff_emails_without_recipients_are_cancelled_not_lost_silently(
    smtp, ana, make_program, admin, worker, travel
):
    travel(DAY)
    program = make_program(completion_requires_approval=True)
    enrollment = finish(services.add(ana.pk, program.pk, admin), admin)
    worker(DAY)
    assert smtp.inbox.received == []
    email = Email.objects.get(enrollment=enrollment, kind="admin_review_required")
    assert email.status == "cancelled"
    assert "No recipients" in email.last_error


def test_certification_earned_links_to_the_certificate_and_its_verification_page(
    smtp, ana, make_program, admin, worker, travel
):
    travel(DAY)
    program = make_program(name="Safety Officer", validity_months=24)
    enrollment = finish(services.add(ana.pk, program.pk, admin), admin)
    assert enrollment.status == "active"
    worker(DAY)
    [received] = smtp.inbox.received
    assert received.recipients == ["ana@example.org"]
    assert received.subject == "Congratulations: you are certified in Safety Officer"
    number = enrollment.certificate_number
    assert number in received.text
    assert "valid through 2 March 2028" in received.text
    expected = ["https://certs.example.org/portal/", f"https://certs.example.org/verify/{number}"]
    assert links(received.text) == expected
    assert links(received.html) == expected


def test_approving_an_admin_review_earns_the_certification_email(
    smtp, ana, make_program, admin, worker, travel
):
    travel(DAY)
    program = make_program(name="Auditor", completion_requires_approval=True)
    enrollment = finish(services.add(ana.pk, program.pk, admin), admin)
    services.perform(enrollment.pk, "approve_completion", admin)
    worker(DAY)
    assert smtp.inbox.subjects() == ["Congratulations: you are certified in Auditor"]


def test_an_edited_template_is_what_goes_out(smtp, ana, make_program, admin, worker, travel):
    template = EmailTemplate.objects.get(kind="application_approved")
    template.subject = "Welcome aboard, {{ contact.first_name }} ({{ program.code }})"
    template.text_body = "R&D says hi to {{ contact.last_name }}."
    template.save()
    travel(DAY)
    enrollment = services.apply(ana.pk, make_program(code="SAFE", require_approval=True).pk, admin)
    services.perform(enrollment.pk, "approve", admin)
    worker(DAY)
    approved = smtp.inbox.received[-1]
    assert approved.subject == "Welcome aboard, Ana (SAFE)"
    assert approved.text.strip() == "R&D says hi to O'Brien."  # plain text is not HTML-escaped


def test_each_email_is_sent_once_whatever_the_number_of_passes(
    smtp, ana, make_program, admin, worker, travel
):
    travel(DAY)
    services.apply(ana.pk, make_program(require_approval=True).pk, admin)
    for _ in range(3):
        worker(DAY)
    assert len(smtp.inbox.received) == 1


def test_history_written_after_the_fact_sends_nothing(
    smtp, ana, make_program, admin, worker, travel
):
    travel(DAY)
    program = make_program(require_approval=True)
    # a back-fill: the application and its approval as they happened last year
    enrollment = services.apply(ana.pk, program.pk, admin, now=at(date(2025, 3, 2)))
    services.perform(enrollment.pk, "approve", admin, now=at(date(2025, 3, 5)))
    worker(DAY)
    assert smtp.inbox.received == []
    assert not Email.objects.filter(enrollment=enrollment).exists()
