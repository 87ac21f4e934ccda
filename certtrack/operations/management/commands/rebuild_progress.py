from django.core.management.base import BaseCommand

from certtrack.certification import progress_store


class Command(BaseCommand):
    help = (
        "Evaluate every enrollment's progress again and store it (the Tracking filter "
        "'Progress' reads it); --due: only the rows whose stored progress ran out."
    )

    def add_arguments(self, parser):
        parser.add_argument("--due", action="store_true", help="Only the rows that ran out.")

    def handle(self, *args, **options):
        n = progress_store.refresh_due() if options["due"] else progress_store.rebuild()
        self.stdout.write(f"rebuild-progress: {n} enrollments evaluated")
