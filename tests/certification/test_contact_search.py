"""Contact search: one rule (certification.search) for Tracking, "+ Add", the contacts
page and the API — every word, any letter case in any alphabet, on both databases."""

import pytest
from django.db import connection
from django.test import Client

from certtrack.certification import services
from certtrack.certification.models import Contact, Enrollment
from tests.api.conftest import ApiClient


@pytest.fixture
def people(make_contact):
    return {
        "emile": make_contact(first_name="émile", last_name="Zola", email="ez@example.org"),
        "anders": make_contact(
            first_name="Anders", last_name="Ångström", organization="Uppsala Universitet"
        ),
        "ada": make_contact(
            first_name="Ada", last_name="Lovelace", email="ada@example.org", external_id="CRM-7"
        ),
    }


def found(text: str) -> set[str]:
    return {c.first_name for c in Contact.objects.search(text)}


def test_upper_case_finds_a_lower_case_name_outside_ascii(people):
    assert found("ÉMILE") == {"émile"}
    assert found("émile") == {"émile"}
    assert found("ÅNGSTRÖM") == found("ångström") == {"Anders"}


def test_ascii_words_ignore_case(people):
    assert found("ZOLA") == found("zola") == {"émile"}
    assert found("uppsala") == {"Anders"}
    assert found("ADA@EXAMPLE") == {"Ada"}


def test_every_word_must_match_somewhere(people):
    assert found("ada lovelace") == {"Ada"}
    assert found("ada zola") == set()
    assert found("") == {"émile", "Anders", "Ada"}


def test_the_external_id_matches_exactly(people):
    assert found("CRM-7") == {"Ada"}
    assert found("CRM") == set()


def test_tracking_rows_use_the_same_rule(people, make_program, admin):
    program = make_program()
    for contact in people.values():
        services.add(contact.pk, program.pk, admin)
    rows = Enrollment.objects.search("ÉMILE ZOLA")
    assert [e.contact.first_name for e in rows] == ["émile"]


def test_every_face_finds_the_same_contact(people, make_program, admin, admin_user, api_key):
    program = make_program()
    services.add(people["emile"].pk, program.pk, admin)
    api = ApiClient(api_key)
    staff = Client()
    staff.force_login(admin_user)

    contacts = api.get("/contacts", {"q": "ÉMILE"}).json()["results"]
    assert [c["first_name"] for c in contacts] == ["émile"]
    rows = api.get("/enrollments", {"q": "ÉMILE"}).json()["results"]
    assert [r["contact"]["id"] for r in rows] == [people["emile"].pk]
    assert "Zola" in staff.get("/staff/contacts/", {"q": "ÉMILE"}).content.decode()
    assert "Lovelace" not in staff.get("/staff/contacts/", {"q": "ÉMILE"}).content.decode()
    options = staff.get("/staff/contacts/search/", {"contact_q": "ÉMI"}).content.decode()
    assert "Zola" in options and "Lovelace" not in options
    tracking = staff.get("/staff/tracking/", {"q": "ÉMILE"}).content.decode()
    assert "Zola" in tracking


@pytest.mark.postgres
def test_postgresql_search_reads_the_trigram_indexes(people):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = Contact.objects.search("émile").order_by().only("id").query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "contact_first_name_trgm_idx" in plan, plan
