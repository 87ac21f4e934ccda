from django.core.management.base import BaseCommand

from certtrack.credentials import keys


class Command(BaseCommand):
    help = (
        "Add a new credential signing key (it signs from now on); earlier keys stay in "
        "/.well-known/jwks.json so credentials they signed still verify."
    )

    def handle(self, *args, **options):
        keys.current_key()  # a first key exists before we rotate away from it
        key = keys.rotate()
        self.stdout.write(f"New signing key {key.number:04d}: kid {key.kid}")
        self.stdout.write(f"Published keys: {len(keys.all_keys())}")
