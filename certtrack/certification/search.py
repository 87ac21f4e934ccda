"""Contact search: one rule for the Tracking tab, the "+ Add" type-ahead, the contacts
page and the API (PRODUCT.md §5 "text search (contact name, email, organization)").

Every word must match: contained in the first name, last name, email or organization,
ignoring letter case (also outside ASCII: "ÉMILE" finds "émile"), or equal to the
external id (a CRM's key, pasted as it is).

PostgreSQL: `UPPER(column::text) LIKE UPPER('%word%')`, Django's icontains, which the
trigram indexes of migration 0003 serve (bench: search_name/email/org). SQLite's LIKE
folds ASCII letters only, so a word with other letters compares `casefold(column)`, a
function registered on every SQLite connection (a scan either way: SQLite has no
trigram index); an ASCII word keeps the plain LIKE (no Python call per row).
"""

from django.db import models
from django.db.backends.signals import connection_created
from django.db.models import Func, Lookup, Q
from django.db.models.lookups import IContains
from django.dispatch import receiver

CASEFOLD = "certtrack_casefold"
SEARCHED = ("first_name", "last_name", "email", "organization")


def _casefold(value):
    return None if value is None else str(value).casefold()


@receiver(connection_created, dispatch_uid="certtrack.search.casefold")
def _register_casefold(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(CASEFOLD, 1, _casefold, deterministic=True)


class Casefold(Func):
    function = CASEFOLD
    output_field = models.CharField()


@models.CharField.register_lookup
class FoldedContains(Lookup):
    """`column__folded_contains=word`: contains, ignoring case in every alphabet."""

    lookup_name = "folded_contains"

    def as_sql(self, compiler, connection):
        return compiler.compile(IContains(self.lhs, self.rhs))

    def as_sqlite(self, compiler, connection):
        if str(self.rhs).isascii():
            return compiler.compile(IContains(self.lhs, self.rhs))
        return compiler.compile(IContains(Casefold(self.lhs), str(self.rhs).casefold()))


def contact_q(text: str, prefix: str = "") -> Q:
    """Rows whose contact (reached through `prefix`, e.g. "contact__") matches every word."""
    q = Q()
    for word in text.split():
        matches = Q(**{f"{prefix}external_id": word})
        for field in SEARCHED:
            matches |= Q(**{f"{prefix}{field}__folded_contains": word})
        q &= matches
    return q


class ContactQuerySet(models.QuerySet):
    def search(self, text: str) -> "ContactQuerySet":
        """Contacts matching every word of `text` (see the module's rule)."""
        return self.filter(contact_q(text))
