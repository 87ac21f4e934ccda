"""Constants written into a query's SQL text instead of bound as parameters.

SQLite uses a partial index only for a query whose terms match the index's condition
(https://sqlite.org/partialindex.html, "Queries Using Partial Indexes"), and a bound `?`
matches no constant; a migration's schema editor writes an index condition's values into
its text. A term written with `Literal` reads as the condition does.
"""

from django.db.models import Value


class Literal(Value):
    """A fixed boolean or integer of the code (`progress_store.STORED_PROGRESS`) written
    as the schema editor writes it in an index condition; never a user's value."""

    def as_sql(self, compiler, connection):
        value = self.value
        if isinstance(value, bool) and connection.vendor == "postgresql":
            return ("true" if value else "false"), []
        return str(int(value)), []  # SQLite's schema editor writes booleans as 1 / 0
