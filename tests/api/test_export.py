import csv
import io
from datetime import date
from decimal import Decimal

from django.http import StreamingHttpResponse

from certtrack.certification import services
from certtrack.certification.models import Enrollment
from certtrack.certification.progress_store import NOT_EVALUATED

from .conftest import error_detail


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_export_streams_every_matching_row_with_a_header(api, admin, make_contact, make_program):
    program = make_program(code="SAFE")
    for _ in range(3):
        services.add(make_contact().pk, program.pk, admin)
    rows = read_csv(api.get("/enrollments/export.csv"))
    assert len(rows) == 3
    assert rows[0]["status"] == "in_progress" and rows[0]["status_label"] == "In progress"
    assert rows[0]["program_code"] == "SAFE"
    assert {"email", "expires_on", "certificate_number"} <= set(rows[0])


def test_export_uses_the_same_filters_and_the_status_true_today(
    api, admin, make_contact, make_program, travel
):
    travel(date(2026, 3, 1))
    program = make_program(validity_months=12)
    expiring = services.record_existing(make_contact().pk, program.pk, date(2026, 2, 1), admin)
    services.add(make_contact().pk, program.pk, admin)
    travel(date(2027, 1, 15))
    rows = read_csv(api.get("/enrollments/export.csv", {"status": "expiring"}))
    assert [int(r["id"]) for r in rows] == [expiring.pk]
    assert rows[0]["status"] == "expiring" and rows[0]["expires_on"] == "2027-02-01"


def test_export_neutralises_cells_a_spreadsheet_would_run(api, admin, make_contact, make_program):
    program = make_program()
    for first, org in [("=HYPERLINK(1)", "+1 Inc"), ("@SUM(A1)", "-minus"), ("Plain", "a=b")]:
        services.add(make_contact(first_name=first, organization=org).pk, program.pk, admin)
    rows = {r["first_name"]: r for r in read_csv(api.get("/enrollments/export.csv"))}
    assert set(rows) == {"'=HYPERLINK(1)", "'@SUM(A1)", "Plain"}
    assert rows["'=HYPERLINK(1)"]["organization"] == "'+1 Inc"
    assert rows["'@SUM(A1)"]["organization"] == "'-minus"
    assert rows["Plain"]["organization"] == "a=b"


def test_export_with_an_unknown_status_is_a_bad_request(api):
    error_detail(api.get("/enrollments/export.csv", {"status": "gone"}), 400)


def test_export_needs_a_token(anonymous):
    error_detail(anonymous.get("/enrollments/export.csv"), 401)


def test_export_is_not_taken_for_an_enrollment_id(api):
    # /enrollments/{id} must not capture the export or the counts.
    assert api.get("/enrollments/export.csv").status_code == 200
    assert api.get("/enrollments/status-counts").status_code == 200


def test_export_streams_more_rows_than_one_chunk(api, make_program):
    from certtrack.certification.models import Contact, Enrollment

    program = make_program()
    contacts = Contact.objects.bulk_create(
        Contact(first_name="Bulk", last_name=f"N{n:05}", email=f"bulk{n}@example.org")
        for n in range(2100)
    )
    Enrollment.objects.bulk_create(
        Enrollment(contact=c, program=program, status="in_progress") for c in contacts
    )
    rows = read_csv(api.get("/enrollments/export.csv", {"ordering": "contact"}))
    assert len(rows) == 2100
    assert rows[0]["last_name"] == "N00000" and rows[-1]["last_name"] == "N02099"


def test_export_has_the_credits_and_hours_that_count_and_those_required(
    api, admin, make_contact, make_component, make_program, travel
):
    travel(date(2026, 3, 1))
    course = make_component(credits_earned=Decimal("7.5"), hours_earned=Decimal("3"))
    elective = make_component(credits_earned=Decimal("2"), hours_earned=Decimal("0.5"))
    program = make_program(
        required=[course], electives=[elective], credits_required=Decimal("10"), hours_required=None
    )
    contact = make_contact()
    enrollment = services.add(contact.pk, program.pk, admin)
    services.record_completion(contact.pk, course.pk, date(2026, 2, 20), admin)
    services.record_completion(contact.pk, elective.pk, date(2026, 2, 21), admin)
    other = services.add(make_contact().pk, program.pk, admin)  # nothing done yet
    rows = {int(r["id"]): r for r in read_csv(api.get("/enrollments/export.csv"))}
    got = {
        pk: tuple(rows[pk][c] for c in ("credits_earned", "credits_required", "hours_earned"))
        for pk in rows
    }
    assert got == {enrollment.pk: ("9.5", "10", "3.5"), other.pk: ("0", "10", "0")}
    assert rows[enrollment.pk]["hours_required"] == ""  # no hours threshold

    # A row whose progress is not stored yet (loaded in bulk; after an upgrade) is
    # evaluated for the export: the same numbers.
    Enrollment.objects.filter(pk=enrollment.pk).update(
        progress_until=NOT_EVALUATED, progress_credits=0, progress_hours=0
    )
    again = {int(r["id"]): r for r in read_csv(api.get("/enrollments/export.csv"))}
    assert again[enrollment.pk]["credits_earned"] == "9.5"
    assert again[enrollment.pk]["hours_earned"] == "3.5"
