"""The import service (PRODUCT.md §8) — what every door shares."""

from datetime import date
from decimal import Decimal

import pytest

from certtrack.certification import imports, services
from certtrack.certification.actors import Actor
from certtrack.certification.models import (
    Completion,
    CompletionSource,
    Contact,
    Enrollment,
    History,
    Period,
    PeriodSource,
)
from certtrack.certification.statuses import Status
from certtrack.credentials.certificates import verify
from certtrack.notifications.models import Email

from .conftest import counts, csv_bytes, xlsx_bytes

ACTOR = Actor.importer()

CONTACTS = [
    ["email", "first_name", "last_name", "organization", "external_id"],
    ["ada@example.org", "Ada", "Lovelace", "Engines", "CRM-1"],
    ["alan@example.org", "Alan", "Turing", "", ""],
]


def test_contacts_are_created_then_a_reimport_changes_nothing(db, now):
    result = imports.run("contacts", csv_bytes(CONTACTS), ACTOR, now=now)
    assert (result.rows, result.created, result.errors, result.written) == (2, 2, [], True)
    ada = Contact.objects.get(external_id="CRM-1")
    assert (ada.first_name, ada.organization) == ("Ada", "Engines")
    assert History.objects.filter(contact_id=ada.pk, actor_kind="import").exists()
    before = counts()
    again = imports.run("contacts", csv_bytes(CONTACTS), ACTOR, now=now)
    assert (again.unchanged, again.created, again.updated) == (2, 0, 0)
    assert "Nothing changed" in again.summary
    assert counts() == before


def test_an_imported_contact_is_in_its_audit_as_one_created_or_changed_by_hand(
    db, now, make_contact
):
    """A new user's trial: imported contacts were in no audit (their History rows named
    no object), and their page said "No recorded changes yet"."""
    from certtrack.certification import audit
    from certtrack.certification.models import AuditObject

    make_contact(email="alan@example.org", first_name="Alan", last_name="T")
    imports.run("contacts", csv_bytes(CONTACTS), ACTOR, now=now)
    ada, alan = (Contact.objects.get(email=f"{name}@example.org") for name in ("ada", "alan"))
    created = audit.of(AuditObject.CONTACT, ada.pk).get(action="import_contact")
    assert (created.object_label, created.actor_kind) == ("Ada Lovelace", "import")
    assert created.changes["email"] == [None, "ada@example.org"]
    changed = audit.of(AuditObject.CONTACT, alan.pk).get(action="import_contact")
    assert changed.changes["last_name"] == ["T", "Turing"]


def test_contacts_match_by_external_id_then_email_any_case(db, now, make_contact):
    make_contact(email="Ada@Example.org", external_id="CRM-1", first_name="A", last_name="L")
    make_contact(email="alan@example.org", first_name="Alan", last_name="T")
    result = imports.run("contacts", csv_bytes(CONTACTS), ACTOR, now=now)
    assert [o.outcome for o in result.outcomes] == ["update", "update"]
    assert Contact.objects.count() == 2
    assert Contact.objects.get(external_id="CRM-1").email == "ada@example.org"


def test_a_contact_matched_to_two_people_is_an_error(db, now, make_contact):
    make_contact(email="one@example.org", external_id="CRM-1")
    make_contact(email="ada@example.org")
    before = counts()
    result = imports.run("contacts", csv_bytes(CONTACTS), ACTOR, now=now)
    assert not result.written
    assert str(result.errors[0]).startswith("line 2, column external_id: external id CRM-1 is")
    assert "two different contacts" in result.errors[0].message
    assert counts() == before


def test_dry_run_writes_nothing_and_reports_every_row(db, now):
    before = counts()
    result = imports.run("contacts", xlsx_bytes(CONTACTS), ACTOR, now=now, dry_run=True)
    assert [o.outcome for o in result.outcomes] == ["create", "create"]
    assert result.created == 2 and not result.written
    assert counts() == before


def test_one_bad_row_at_the_end_writes_nothing_and_names_that_row(db, now):
    rows = (
        [CONTACTS[0]]
        + [[f"p{n}@example.org", "P", f"N{n}", "", f"X{n}"] for n in range(1, 300)]
        + [["bad", "B", "C", "", ""]]
    )
    before = counts()
    result = imports.run("contacts", csv_bytes(rows), ACTOR, now=now)
    assert [str(e) for e in result.errors] == [
        "line 301, column email: bad is not an email address"
    ]
    assert counts() == before


def test_an_email_no_mail_server_takes_is_an_error_of_its_row(db, now):
    """As the contact form and the API refuse it: over 64 characters before the @."""
    long = f"{'l' * 65}@example.org"
    before = counts()
    result = imports.run(
        "contacts", csv_bytes([CONTACTS[0], [long, "L", "M", "", ""]]), ACTOR, now=now
    )
    assert [str(e) for e in result.errors] == [
        "line 2, column email: The part before @ is longer than 64 characters: no mail server "
        "takes it"
    ]
    assert counts() == before


def test_every_error_is_reported_with_line_and_column(db, now, make_program):
    make_program(code="CPP")
    rows = [
        ["contact_email", "component_code", "completed_on"],
        ["nobody@example.org", "NOPE", "2023-02-30"],
        ["", "NOPE", "17/05/2023"],
    ]
    result = imports.run("completions", csv_bytes(rows, delimiter=";", bom=True), ACTOR, now=now)
    assert sorted(str(e) for e in result.errors) == [
        "line 2, column completed_on: 2023-02-30 is not a date (YYYY-MM-DD)",
        "line 2, column component_code: unknown component code NOPE",
        "line 2, column contact_email: no contact with email nobody@example.org",
        "line 3, column completed_on: 17/05/2023 is not a date (YYYY-MM-DD)",
        "line 3, column component_code: unknown component code NOPE",
        "line 3, column contact_email: a contact_email or contact_external_id is required",
    ]
    # The rows as the file names them (an unknown code was "? by ?": a new user's trial).
    assert [(o.line, o.outcome, o.what) for o in result.outcomes] == [
        (2, "error", "NOPE by nobody@example.org"),
        (3, "error", "NOPE by (no contact)"),
    ]


def test_a_certification_row_of_an_unknown_program_is_named_as_in_its_file(db, now, make_contact):
    make_contact(email="ada@example.org")
    rows = [
        ["contact_email", "program_code", "activated_on"],
        ["ada@example.org", "NOPE", "2023-02-01"],
        ["", "", "2023-02-01"],
    ]
    result = imports.run("certifications", csv_bytes(rows), ACTOR, now=now)
    assert [(o.line, o.outcome, o.what) for o in result.outcomes] == [
        (2, "error", "NOPE for ada@example.org"),
        (3, "error", "(no program_code) for (no contact)"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"%PDF-1.4\x00\x01binary", "This is not a CSV or XLSX file (it holds binary data)."),
        (b"\xff\xfeh\x00i\x00", "The file is UTF-16 text: save it as CSV UTF-8 or XLSX."),
        (b"email,first_name,last_name\nb\xe9@x.org,B,C\n", "The file is not UTF-8 text (byte 29)"),
        (b"PK\x03\x04broken", "This is not a CSV or XLSX file (a damaged zip archive)."),
        (b"email,first_name,last_name\n", "The file has a header but no rows."),
        (b"email,first_name\nx@example.org,X\n", "line 1, column last_name: missing column"),
        (b"email,first_name,last_name,shoe\n", "line 1, column shoe: unknown column shoe"),
        (
            b"email,email,first_name,last_name\n",
            "line 1, column email: the column email appears twice",
        ),
        (
            b"email,first_name,last_name\nx@example.org,=HYPERLINK(1),Y\n",
            "line 2, column first_name: =HYPERLINK(1) is a formula",
        ),
    ],
)
def test_bad_files_say_why_and_write_nothing(db, now, data, message):
    before = counts()
    result = imports.run("contacts", data, ACTOR, now=now)
    assert not result.written
    assert str(result.errors[0]).startswith(message), result.errors
    assert counts() == before


@pytest.mark.parametrize(
    ("kind", "header", "other"),
    [
        ("completions", CONTACTS[0], "contacts"),
        ("contacts", ["contact_external_id", "component_code", "completed_on"], "completions"),
        ("completions", ["contact_email", "program_code", "activated_on"], "certifications"),
    ],
)
def test_a_file_of_another_kind_is_named_so(db, now, kind, header, other):
    """A new user's trial: a contacts file imported as completions got only a list of
    unknown and missing columns."""
    result = imports.run(kind, csv_bytes([header, ["x"] * len(header)]), ACTOR, now=now)
    assert str(result.errors[-1]) == (
        f"These are the columns of a {other} file: import it as {other}."
    )
    assert [e for e in result.errors if e.line is None] == result.errors[-1:]


def test_a_header_of_no_kind_names_no_kind(db, now):
    result = imports.run("contacts", csv_bytes([["email", "shoe"], ["x", "y"]]), ACTOR, now=now)
    assert all(e.line == 1 for e in result.errors)


def test_a_file_over_the_limit_is_refused_before_it_is_read(db, now, monkeypatch):
    monkeypatch.setattr(imports.files, "MAX_FILE_BYTES", 1000)
    result = imports.run("contacts", b"email,first_name,last_name\n" + b"a" * 2000, ACTOR, now=now)
    assert "the limit is" in str(result.errors[0])


def test_a_formula_in_an_xlsx_cell_is_refused(db, now):
    rows = [CONTACTS[0], ["x@example.org", "=1+1", "Y", "", ""]]
    result = imports.run("contacts", xlsx_bytes(rows), ACTOR, now=now)
    assert str(result.errors[0]).startswith("line 2, column first_name: =1+1 is a formula")


@pytest.fixture
def course_program(make_program, make_component, make_contact):
    course = make_component(code="ETH-101")
    exam = make_component(
        kind="exam", code="EXAM-1", scoring="scored", max_score=100, passing_score=70
    )
    program = make_program(required=[course, exam], code="CPP", validity_months=24)
    ada = make_contact(email="ada@example.org", external_id="CRM-1")
    return program, course, exam, ada


def test_completions_evaluate_each_touched_enrollment_once(db, now, admin, course_program):
    program, course, exam, ada = course_program
    enrollment = services.add(ada.pk, program.pk, admin, now=now)
    rows = [
        ["contact_external_id", "component_code", "completed_on", "score"],
        ["CRM-1", "ETH-101", "2026-06-01", ""],
        ["CRM-1", "EXAM-1", "2026-06-10", "60"],
        ["CRM-1", "EXAM-1", "2026-06-15", "85"],
    ]
    result = imports.run("completions", csv_bytes(rows), ACTOR, now=now)
    assert result.errors == [] and result.created == 3
    enrollment.refresh_from_db()
    assert enrollment.status == Status.ACTIVE and enrollment.activated_on == date(2026, 6, 15)
    assert History.objects.filter(enrollment=enrollment, action="requirements_met").count() == 1
    assert set(Completion.objects.values_list("source", flat=True)) == {CompletionSource.IMPORT}
    imported = History.objects.get(enrollment=enrollment, action="import_completions")
    assert imported.actor_kind == "import" and imported.changes["source"] == "import"
    assert imported.changes["ETH-101 2026-06-01"] == [None, "imported"]
    assert imported.changes["EXAM-1 2026-06-10"] == [None, "imported (score 60)"]
    assert len(imported.changes["completion_ids"]) == 3
    assert Completion.objects.get(score=Decimal("60")).passed is False
    # Activated today: news, the earned email goes out.
    assert Email.objects.filter(kind="certification_earned").count() == 1
    again = imports.run("completions", csv_bytes(rows), ACTOR, now=now)
    assert again.unchanged == 3 and again.written
    rows[3][3] = "90"
    changed = imports.run("completions", csv_bytes(rows), ACTOR, now=now)
    assert (changed.updated, changed.unchanged, changed.created) == (1, 2, 0)
    assert Completion.objects.get(completed_on=date(2026, 6, 15)).score == Decimal("90")
    last = History.objects.filter(action="import_completions").latest("id")
    assert last.changes["EXAM-1 2026-06-15"] == ["score 85.00", "score 90"]


def test_completions_long_past_send_no_earned_email(db, now, admin, course_program):
    program, course, exam, ada = course_program
    enrollment = services.add(ada.pk, program.pk, admin, now=now)
    rows = [
        ["contact_email", "component_code", "completed_on", "score"],
        ["ADA@example.org", "ETH-101", "2019-06-01", ""],
        ["ada@example.org", "EXAM-1", "2019-06-10", "85"],
    ]
    assert imports.run("completions", csv_bytes(rows), ACTOR, now=now).written
    enrollment.refresh_from_db()
    assert enrollment.status == Status.EXPIRED
    assert not Email.objects.filter(
        kind__in=["certification_earned", "certification_expiring"]
    ).exists()


def test_completion_rows_contradicting_each_other_are_errors(db, now, course_program):
    rows = [
        ["contact_email", "component_code", "completed_on", "score"],
        ["ada@example.org", "EXAM-1", "2026-06-01", "80"],
        ["ada@example.org", "EXAM-1", "2026-06-01", "90"],
    ]
    result = imports.run("completions", csv_bytes(rows), ACTOR, now=now)
    assert [str(e) for e in result.errors] == [
        "line 3, column completed_on: contradicts line 2 (same contact, component and date)"
    ]


def test_completions_enroll_attendees_when_the_setting_says_so(
    db, now, admin, make_component, make_program, make_contact
):
    services.update_settings(admin, enroll_attendees_to_all_relevant=True)
    event = make_component(kind="event", code="CONF-26")
    program = make_program(required=[event], code="EVT")
    make_contact(email="ada@example.org")
    rows = [
        ["contact_email", "component_code", "completed_on"],
        ["ada@example.org", "CONF-26", "2026-06-14"],
    ]
    assert imports.run("completions", csv_bytes(rows), ACTOR, now=now).written
    enrollment = Enrollment.objects.get(program=program)
    assert enrollment.status == Status.ACTIVE


CERTS = [
    ["contact_email", "program_code", "activated_on", "expires_on", "certificate_number", "status"],
    ["ada@example.org", "CPP", "2024-03-01", "", "LIC-2019-00042", ""],
    ["ada@example.org", "CPP", "2020-03-01", "2022-03-01", "", ""],
    ["ada@example.org", "CPP", "2022-03-01", "2024-03-01", "LIC-2019-00042", "active"],
]


def test_an_expiry_after_2999_is_refused_as_a_row_error(db, now, course_program):
    rows = [CERTS[0], ["ada@example.org", "CPP", "2024-03-01", "9999-12-31", "", ""]]
    result = imports.run("certifications", csv_bytes(rows), ACTOR, now=now)
    assert [str(e) for e in result.errors] == [
        "line 2, column expires_on: 9999-12-31 is after 2999; certtrack holds no dates that late."
    ]
    assert not Enrollment.objects.exists()


def test_certification_rows_become_periods_in_date_order(db, now, course_program):
    result = imports.run("certifications", csv_bytes(CERTS), ACTOR, now=now)
    assert result.errors == [] and result.created == 3
    enrollment = Enrollment.objects.get()
    assert (enrollment.activated_on, enrollment.expires_on) == (date(2024, 3, 1), date(2026, 3, 1))
    assert enrollment.status == Status.EXPIRED and enrollment.period_number == 3
    periods = list(Period.objects.order_by("number").values_list("activated_on", "source"))
    assert periods == [
        (date(2020, 3, 1), PeriodSource.IMPORTED),
        (date(2022, 3, 1), PeriodSource.IMPORTED),
        (date(2024, 3, 1), PeriodSource.IMPORTED),
    ]
    assert verify("LIC-2019-00042").number == "LIC-2019-00042"
    assert not Email.objects.exists()
    before = counts()
    again = imports.run("certifications", csv_bytes(CERTS), ACTOR, now=now)
    assert again.unchanged == 3 and counts() == before
    longer = CERTS + [["ada@example.org", "CPP", "2026-03-01", "", "", ""]]
    more = imports.run("certifications", csv_bytes(longer), ACTOR, now=now)
    assert (more.created, more.unchanged) == (1, 3)
    enrollment.refresh_from_db()
    assert enrollment.period_number == 4 and enrollment.status == Status.EXPIRED  # worker's


def test_certification_numbers_must_agree(db, now, course_program):
    rows = [row[:] for row in CERTS]
    rows[2][4] = "OTHER-1"
    result = imports.run("certifications", csv_bytes(rows), ACTOR, now=now)
    assert [str(e) for e in result.errors] == [
        f"line {n}, column certificate_number: LIC-2019-00042 contradicts OTHER-1 on line 3: "
        "one certification keeps one number across its periods"
        for n in (2, 4)
    ]
    assert not Enrollment.objects.exists()


def test_a_changed_period_is_an_error(db, now, course_program):
    imports.run("certifications", csv_bytes(CERTS), ACTOR, now=now)
    rows = [row[:] for row in CERTS]
    rows[2][3] = "2022-04-01"
    result = imports.run("certifications", csv_bytes(rows), ACTOR, now=now)
    assert "a period is never edited" in str(result.errors[0])
    assert str(result.errors[0]).startswith("line 3, column activated_on:")
