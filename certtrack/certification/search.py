"""Contact search: one rule for the Tracking tab, the "+ Add" type-ahead, the contacts
page and the API (PRODUCT.md §5 "text search (contact name, email, organization)").

Every word must match: contained in the first name, last name, email or organization,
ignoring letter case and accents both ways ("emilie", "ÉMILIE" and "Émilie" find
"Émilie" and "Emilie"), or equal to the external id (a CRM's key, pasted as it is).

`fold` is the one normalization, of the typed word and of `Contact.search_key` (those
four fields folded, one a line), which `Contact.save` and the contacts' `bulk_create` /
`bulk_update` keep (`keys_of`); migration 0019 computed it for the rows before. A word
is then a plain `search_key LIKE '%word%'` on both databases: PostgreSQL reads it from the
trigram index of migration 0019, SQLite scans one column with no Python call per row.

Lists by name read the same fold: `Contact.sort_last_name` / `sort_first_name` (the
names folded, migration 0020) order people as a reader expects — "adams" before "Berg",
"Émond" among the E's, "van Rossum" among the V's — on both databases, whatever their
collation (byte order on SQLite and a "C" PostgreSQL put every capital before every
small letter and "É" after "z").
"""

import unicodedata
from collections.abc import Iterable

from django.db import models
from django.db.models import Q

SEARCHED = ("first_name", "last_name", "email", "organization")

# Latin letters that Unicode does not decompose into a base letter and a mark, read as
# the letters a person types for them on an English keyboard ("Ø" → "o", "Æ" → "ae").
_UNDECOMPOSED = str.maketrans(
    {"ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ł": "l", "ŧ": "t"}
    | {"æ": "ae", "œ": "oe", "þ": "th"}
)


def fold(text: str) -> str:
    """`text` as search compares it: compatibility forms decomposed (NFKD: "ﬁ" → "fi",
    full-width letters), combining marks dropped (accents, in every script), case
    folded ("ß" → "ss"), and the few letters of `_UNDECOMPOSED` spelled out."""
    if text.isascii():
        return text.lower()  # casefold's answer for ASCII, without the Unicode tables
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.translate(_UNDECOMPOSED)


def search_key(first_name: str, last_name: str, email: str, organization: str) -> str:
    """`Contact.search_key`: the searched fields folded, one a line (no typed word holds a
    line break, so none matches across two fields)."""
    return "\n".join(fold(value or "") for value in (first_name, last_name, email, organization))


def keys(first_name: str, last_name: str, email: str, organization: str) -> dict[str, str]:
    """A contact's derived columns: `search_key` and the two name sort keys."""
    return {
        "search_key": search_key(first_name, last_name, email, organization),
        "sort_last_name": fold(last_name or ""),
        "sort_first_name": fold(first_name or ""),
    }


def keys_of(contact) -> dict[str, str]:
    return keys(*(getattr(contact, name) for name in SEARCHED))


KEYS = ("search_key", "sort_last_name", "sort_first_name")
# The order of a list of people (and of enrollments by contact, through `contact__`).
NAME_ORDER = ("sort_last_name", "sort_first_name")


def by_name(prefix: str = "") -> list[str]:
    """`order_by` terms of people by name, through `prefix` ("contact__" from a row)."""
    return [f"{prefix}{name}" for name in NAME_ORDER]


def set_keys(contact) -> None:
    for name, value in keys_of(contact).items():
        setattr(contact, name, value)


def contact_q(text: str, prefix: str = "") -> Q:
    """Rows whose contact (reached through `prefix`, e.g. "contact__") matches every word."""
    q = Q()
    for word in text.split():
        q &= Q(**{f"{prefix}external_id": word}) | Q(
            **{f"{prefix}search_key__contains": fold(word)}
        )
    return q


class ContactQuerySet(models.QuerySet):
    def search(self, text: str) -> "ContactQuerySet":
        """Contacts matching every word of `text` (see the module's rule)."""
        return self.filter(contact_q(text))

    # Writers that skip `Contact.save` fill the keys here: an import, the bench's contacts.
    def bulk_create(self, objs: Iterable, *args, **kwargs):
        objs = list(objs)
        for contact in objs:
            set_keys(contact)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs: Iterable, fields, *args, **kwargs):
        fields = list(fields)
        if set(fields) & set(SEARCHED):
            objs = list(objs)
            for contact in objs:
                set_keys(contact)
            fields += [key for key in KEYS if key not in fields]
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        # SQL cannot fold: a searched field changes with its keys (save, bulk_update) or not.
        if set(kwargs) & set(SEARCHED) and not set(KEYS) <= set(kwargs):
            raise TypeError("Contact: a searched field changes through save() or bulk_update()")
        return super().update(**kwargs)
