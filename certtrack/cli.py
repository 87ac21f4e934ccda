"""The `certtrack` console script: Django's manage.py under the product's name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certtrack.settings")
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    argv = list(sys.argv)
    argv[0] = "certtrack"
    # Commands named as people type them; Django's are module names (underscores).
    if len(argv) > 1 and argv[1] in ("rebuild-counts", "rebuild-progress"):
        argv[1] = argv[1].replace("-", "_")
    try:
        execute_from_command_line(argv)
    except DatabaseError:
        # A command run against a database not migrated (most often another one than the
        # server's: a shell without its CERTTRACK_DATA_DIR) says so in a line, not in a
        # traceback ending "no such table".
        if (problem := _unusable_database()) is None:
            raise
        sys.stderr.write(f"certtrack: {problem}\n")
        sys.exit(1)


def _unusable_database() -> str | None:
    """Why the configured database cannot serve a command, naming it; None if it can."""
    from django.core.management.base import CommandError
    from django.db import connection

    from certtrack.operations.management.commands.serve import check_database

    try:
        check_database()
    except CommandError as error:
        db = connection.settings_dict
        where = db["NAME"] if connection.vendor == "sqlite" else f"{db['NAME']} on {db['HOST']}"
        return f"{error}\n  database: {where} (CERTTRACK_DATA_DIR or CERTTRACK_DATABASE_URL)"
    return None


if __name__ == "__main__":
    main()
