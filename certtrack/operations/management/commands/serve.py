import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor


def check_database() -> None:
    """Refuse to serve a database the app cannot use: every request would be a 500."""
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        raise CommandError(
            f"Cannot open the database ({error}). Check CERTTRACK_DATABASE_URL, "
            "then run `certtrack migrate`."
        ) from None
    if pending:
        raise CommandError(
            f"The database is not migrated ({len(pending)} migration(s) to apply): "
            "run `certtrack migrate` first."
        )
    from certtrack.certification.models import GeneralSettings

    try:  # a write, rolled back: a read-only database fails here, not on every request
        with transaction.atomic():
            GeneralSettings.get()
            GeneralSettings.objects.update(updated_at=GeneralSettings.objects.get().updated_at)
            transaction.set_rollback(True)
    except DatabaseError as error:
        raise CommandError(
            f"The database is read-only ({str(error).strip()}): certtrack must write to it. "
            "Make it writable, then run `certtrack migrate` and start again."
        ) from None


class Command(BaseCommand):
    help = "Run the web application (back-office, portal, API) with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=settings.CERTTRACK_WEB_WORKERS)

    def handle(self, *args, host, port, workers, **options):
        check_database()
        connection.close()  # gunicorn's workers open their own
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"certtrack serving on http://{host}:{port}/")
        sys.stdout.flush()
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "certtrack.wsgi:application",
            "--config",
            "python:certtrack.gunicorn_conf",  # JSON bodies for gunicorn's own 414/431
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--timeout",
            "120",
        ]
        os.execv(sys.executable, argv)
