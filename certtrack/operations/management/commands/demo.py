from django.core.management.base import BaseCommand

from certtrack import clock
from certtrack.operations import demo


class Command(BaseCommand):
    help = "Load a realistic demo data set (idempotent)."

    def handle(self, *args, **options):
        now = clock.now()
        loaded = demo.load(now)
        self.stdout.write("demo data loaded" if loaded else "demo data already present")
        counts = demo.summary(now)
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
        self.stdout.write(
            f"staff sign-in: {demo.ADMIN_EMAIL} / {demo.DEMO_PASSWORD} (administrator), "
            f"{demo.STAFF_EMAIL} / {demo.DEMO_PASSWORD} (staff)"
        )
