from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certtrack.certification import imports
from certtrack.certification.actors import Actor
from certtrack.imports import jobs
from certtrack.imports.models import ImportSource


class Command(BaseCommand):
    help = (
        "Import a CSV or XLSX file of contacts, completions or certifications; all or nothing. "
        "Exit 0: written whole (or would be, with --dry-run); 1: bad rows, nothing written."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(imports.KINDS))
        parser.add_argument("file")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and write nothing."
        )

    def handle(self, *args, kind, file, dry_run=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file {file}.", returncode=2)
        try:
            imports.files.check_size(path.stat().st_size)  # before reading it into memory
        except imports.FileRefused as refused:
            for error in refused.errors:
                self.stderr.write(str(error))
            raise CommandError("Nothing was written.", returncode=1) from None
        result = jobs.import_now(
            kind,
            path.read_bytes(),
            path.name,
            Actor.importer(),
            None,
            source=ImportSource.COMMAND,
            dry_run=dry_run,
        )
        for error in result.errors:
            self.stderr.write(str(error))
        self.stdout.write(result.summary)  # "2 error(s) in 40 row(s): nothing was written."
        if result.errors:  # what to do, not the summary again
            raise CommandError("Fix the lines above and import the file again.", returncode=1)
