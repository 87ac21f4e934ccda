from django.core.management.base import BaseCommand

from certtrack import clock
from certtrack.certification import counts


class Command(BaseCommand):
    help = "Rebuild the Quick Filter's count aggregate from the enrollments, then check it."

    def handle(self, *args, **options):
        keys = counts.rebuild()
        wrong = counts.check_counts(clock.now(), force=True)
        self.stdout.write(f"rebuild-counts: {keys} keys; check: {wrong} key(s) differ")
