"""The database connection as settings.py configures it (docs/decisions.md)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's binding")
def test_postgresql_binds_parameters_on_the_server_and_prepares_nothing():
    import psycopg

    with connection.cursor() as cursor:
        # Server-side binding: a plain psycopg cursor, not the ClientCursor that quotes
        # the parameters into the statement's text in Python.
        assert not isinstance(cursor.cursor, psycopg.ClientCursor)
        cursor.execute("SELECT %s::date + %s, cardinality(%s::bigint[])", ["2028-02-28", 1, [1, 2]])
        assert [str(v) for v in cursor.fetchone()] == ["2028-02-29", "2"]
    # Unprepared: each statement planned for its own values, and poolers work.
    assert connection.connection.prepare_threshold is None
