"""Contact search: one rule (certification.search) for Tracking, "+ Add", the contacts
page and the API — every word, any letter case and any accent, in any alphabet, both
ways, on both databases."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from certtrack import clock
from certtrack.certification import imports, services
from certtrack.certification.actors import Actor
from certtrack.certification.models import Contact, Enrollment
from certtrack.certification.search import KEYS, fold, keys_of
from tests.api.conftest import ApiClient
from tests.imports.conftest import csv_bytes

migration = importlib.import_module("certtrack.certification.migrations.0019_contact_search_key")


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
    assert "contact_search_key_trgm_idx" in plan, plan


# --- accents, both ways (a staff trial: "Emilie" missed "Émilie", who was added twice) ---


@pytest.fixture
def emilie(make_contact):
    return make_contact(first_name="Émilie", last_name="Brontë", email="eb1847@example.org")


@pytest.mark.parametrize(
    "typed",
    [
        "emilie",
        "Emilie",
        "EMILIE",
        "bronte",
        "Émilie",
        "émilie",
        "ÉMILIE",
        "Brontë",
        "Emilie bronte",
    ],
)
def test_a_word_finds_the_name_with_or_without_its_accents(emilie, typed):
    assert found(typed) == {"Émilie"}


def test_a_word_with_accents_finds_the_name_written_without(make_contact):
    make_contact(first_name="Emilie", last_name="Bronte", email="plain@example.org")
    assert found("Émilie") == found("BRONTË") == {"Emilie"}


def test_letters_fold_as_a_person_types_them(make_contact):
    make_contact(first_name="Søren", last_name="Kierkegaard", email="sk@example.org")
    make_contact(first_name="Johann", last_name="Strauß", email="js@example.org")
    make_contact(first_name="Lech", last_name="Wałęsa", organization="Ｓｏｌｉｄａｒｎｏść")
    assert found("soren") == found("SØREN") == {"Søren"}
    assert found("strauss") == found("STRAUSS") == found("strauß") == {"Johann"}
    assert found("walesa") == found("solidarnosc") == {"Lech"}
    assert fold("Æsir Œuvre Þór Đorđe İstanbul ﬁnal") == "aesir oeuvre thor dorde istanbul final"


def test_every_face_finds_the_name_typed_without_accents(
    emilie, make_program, admin, admin_user, api_key
):
    services.add(emilie.pk, make_program().pk, admin)
    api = ApiClient(api_key)
    staff = Client()
    staff.force_login(admin_user)

    for typed in ["emilie", "Emilie", "EMILIE", "bronte"]:
        contacts = api.get("/contacts", {"q": typed}).json()
        assert [c["email"] for c in contacts["results"]] == ["eb1847@example.org"], typed
        assert set(contacts["results"][0]) >= {"first_name", "last_name", "organization"}
        rows = api.get("/enrollments", {"q": typed}).json()["results"]
        assert [r["contact"]["id"] for r in rows] == [emilie.pk], typed
        assert "eb1847@example.org" in staff.get("/staff/contacts/", {"q": typed}).text, typed
        options = staff.get("/staff/contacts/search/", {"contact_q": typed}).text
        assert "eb1847@example.org" in options, typed
        assert "eb1847@example.org" in staff.get("/staff/tracking/", {"q": typed}).text, typed


# --- every writer keeps the key ---


def keys_are_right() -> bool:
    return all(keys_of(c) == {k: getattr(c, k) for k in KEYS} for c in Contact.objects.all())


def test_a_renamed_contact_is_found_by_its_new_name(emilie, admin):
    services.update_contact(emilie.pk, admin, first_name="Zoë")
    assert found("zoe") == {"Zoë"} and found("emilie") == set()
    emilie.refresh_from_db()
    emilie.organization = "Haworth Parsonage"
    emilie.save(update_fields=["organization"])
    assert found("haworth") == {"Zoë"}
    services.archive_contact(emilie.pk, admin)
    assert found("haworth") == {"Zoë"}


def test_imported_contacts_are_found_without_accents(db):
    now = clock.now()
    rows = [["email", "first_name", "last_name"], ["eb1847@example.org", "Émilie", "Brontë"]]
    imports.run("contacts", csv_bytes(rows), Actor.importer(), now=now)
    assert found("emilie") == {"Émilie"}
    rows[1][2] = "Brontë-Nicholls"
    imports.run("contacts", csv_bytes(rows), Actor.importer(), now=now)
    assert found("nicholls") == {"Émilie"}
    assert keys_are_right()


def test_bulk_writes_fill_the_key_and_a_bare_update_of_a_name_is_refused(db):
    (zoe,) = Contact.objects.bulk_create(
        [Contact(first_name="Zoë", last_name="Ø", email="z@x.org")]
    )
    assert found("zoe o") == {"Zoë"}
    zoe.last_name = "Brontë"
    Contact.objects.bulk_update([zoe], ["last_name"])
    assert found("bronte") == {"Zoë"}
    with pytest.raises(TypeError):
        Contact.objects.filter(pk=zoe.pk).update(last_name="Eyre")
    assert keys_are_right()


def test_the_migration_computes_the_key_of_every_contact_before_it(people, emilie, monkeypatch):
    Contact.objects.update(search_key="")  # as the rows were before migration 0019
    assert found("emilie") == set()
    monkeypatch.setattr(migration, "BATCH", 2)  # several batches
    migration.fill_search_keys(apps, SimpleNamespace(connection=connection))
    assert found("emilie") == {"Émilie"}
    assert keys_are_right()


def test_the_migration_s_frozen_fold_is_the_code_s_on_its_day():
    """Migration 0019 keeps its own copy of the fold (an old migration never changes
    meaning): the same keys as `search.search_key` while the fold is unchanged."""
    import importlib

    from certtrack.certification.search import search_key

    frozen = importlib.import_module("certtrack.certification.migrations.0019_contact_search_key")
    for names in (
        ("Émilie", "Brontë", "EB1847@Example.org", "Øresund Æble"),
        ("Łukasz", "Straße", "ﬁ@x.org", "Þorp ıı"),
        ("Ada", "Lovelace", "ada@example.org", ""),
    ):
        assert frozen.search_key(*names) == search_key(*names)
