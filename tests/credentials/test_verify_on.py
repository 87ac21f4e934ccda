"""PRODUCT.md §11: the public verification answers "was it valid on date D?" (`?on=`)."""

from datetime import date

import pytest

from certtrack.certification import services


@pytest.fixture
def renewed(db, admin, make_contact, make_program, travel):
    """Period 1 from 10 Jan 2022, renewed early: period 2 10 Jan 2024 – 10 Jan 2026."""
    travel(date(2023, 12, 1))
    contact = make_contact(first_name="Ada", last_name="Lovelace", email="ada@example.org")
    program = make_program(name="Certified Safety Inspector", code="CSI", validity_months=24)
    e = services.record_existing(contact.pk, program.pk, date(2022, 1, 10), admin)
    services.perform(e.pk, "renew", admin, reason="waiver")
    travel(date(2026, 6, 1))
    e.refresh_from_db()
    return e


def answer(client, number, on):
    return client.get(f"/api/v1/verify/{number}?on={on}"), client.get(f"/verify/{number}?on={on}")


def test_valid_on_a_past_day_names_the_period_that_covered_it(renewed, client):
    api, page = answer(client, renewed.certificate_number, "2024-05-12")
    body = api.json()
    assert (body["valid"], body["status"], body["period"]) == (True, "valid", 2)
    assert (body["activated_on"], body["expires_on"]) == ("2024-01-10", "2026-01-10")
    assert body["answer"] == "valid on 12 May 2024: yes, period 2 (10 Jan 2024 – 10 Jan 2026)"
    html = page.content.decode()
    assert page.status_code == 200
    assert "Valid on 12 May 2024: yes" in html and "period 2 (10 Jan 2024 – 10 Jan 2026)" in html
    assert 'type="date"' in html and 'value="2024-05-12"' in html  # the date picker


def test_today_it_is_expired_but_it_was_valid_then(renewed, client):
    today = client.get(f"/api/v1/verify/{renewed.certificate_number}").json()
    assert today["status"] == "expired"
    assert answer(client, renewed.certificate_number, "2022-03-01")[0].json()["period"] == 1


def test_a_day_before_the_certification_is_not_valid_saying_since_when_and_what_it_is_today(
    renewed, client
):
    """API.md: `?on=` answers for that day, `valid` true when the certification was in force
    then — a known number is not a 404 (an API trial). API.md's `status` has no "not yet"
    word: `expired` (not in force), and `answer` says since when it exists."""
    api, page = answer(client, renewed.certificate_number, "2021-12-31")
    number = renewed.certificate_number
    expected = (
        f"Certificate {number} was not yet issued on 31 Dec 2021; it was first issued on"
        " 10 Jan 2022, and today it is expired."
    )
    body = api.json()
    assert api.status_code == 200
    assert (body["valid"], body["status"], body["answer"]) == (False, "expired", expected)
    assert (body["on"], body["period"], body["enrollment_status"]) == ("2021-12-31", None, None)
    assert body["first_activated_on"] == "2022-01-10"
    html = page.content.decode()
    assert page.status_code == 200 and "Not yet issued on that day" in html and expected in html
    assert 'type="date"' in html and 'value="2021-12-31"' in html  # ask another day
    assert "<section" not in html.split("<title>")[1].split("</title>")[0]


def test_a_day_between_two_periods_is_expired(
    db, admin, make_contact, make_program, travel, client
):
    travel(date(2020, 1, 20))
    contact = make_contact(email="gap@example.org")
    program = make_program(
        name="Gap", code="GAP", validity_months=12, renewal_grace_days=60,
        renewal_base="renewal_date",
    )  # fmt: skip
    e = services.record_existing(contact.pk, program.pk, date(2020, 1, 10), admin)
    travel(date(2021, 2, 1))  # expired on 10 Jan 2021, renewed inside its grace days
    services.perform(e.pk, "renew", admin, reason="late waiver")
    e.refresh_from_db()
    assert e.periods.get(number=2).activated_on == date(2021, 2, 1)
    body = answer(client, e.certificate_number, "2021-01-20")[0].json()
    assert (body["valid"], body["status"], body["period"]) == (False, "expired", 1)  # lapsed
    assert answer(client, e.certificate_number, "2021-02-02")[0].json()["period"] == 2


def test_revoked_from_the_day_of_the_cancellation_not_before(renewed, client, admin, travel):
    services.perform(renewed.pk, "cancel", admin, reason="fraud")  # on 1 Jun 2026
    number = renewed.certificate_number
    assert answer(client, number, "2025-06-01")[0].json()["valid"] is True
    assert answer(client, number, "2026-06-01")[0].json()["status"] == "revoked"
    # Before it was issued: not "valid from …" (a new user's trial), what it is today.
    before = answer(client, number, "2021-12-31")[0].json()["answer"]
    assert before.endswith("first issued on 10 Jan 2022, and today it is revoked."), before


def test_suspended_on_a_day_within_the_suspension(renewed, client, admin, travel):
    travel(date(2025, 3, 1))
    services.perform(renewed.pk, "suspend", admin, reason="audit")
    travel(date(2025, 4, 1))
    services.perform(renewed.pk, "reactivate", admin)
    travel(date(2026, 6, 1))
    number = renewed.certificate_number
    assert answer(client, number, "2025-03-15")[0].json()["status"] == "suspended"
    assert answer(client, number, "2025-04-15")[0].json()["status"] == "valid"


@pytest.mark.parametrize(
    "bad", ["2024-02-30", "12-05-2024", "1899-01-01", "9999-12-31", "3000-01-01"]
)
def test_an_impossible_day_is_a_400_naming_on(renewed, client, bad):
    api, page = answer(client, renewed.certificate_number, bad)
    assert api.status_code == 400 and "on" in api.json()["detail"] and bad in api.json()["detail"]
    assert page.status_code == 400 and bad in page.content.decode()
    # The page's reader is not told about a query parameter named "on".
    assert "The day asked for" in page.content.decode() and "on must" not in page.content.decode()


def test_a_day_ahead_is_said_as_a_projection(renewed, client, travel):
    """A staff user's trial: `?on=2030-01-01` read "the certification had expired"."""
    travel(date(2025, 6, 1))  # period 2 runs until 10 January 2026
    number = renewed.certificate_number
    html = answer(client, number, "2026-03-01")[1].content.decode()
    assert "If nothing changes (no renewal), on 1 March 2026 the certification will have" in html
    assert "(period 2 ends on 10 January 2026)" in html and "had expired" not in html
    html = answer(client, number, "2025-12-01")[1].content.decode()
    assert "If nothing changes, on 1 December 2025 the certification will be in force" in html
    assert "the status its dates give for the end of 1 December 2025" in html
    # A past day is still said in the past.
    assert (
        "the certification was in force" in answer(client, number, "2025-05-01")[1].content.decode()
    )
