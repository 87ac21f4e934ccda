import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from certtrack.accounts.models import User


class Command(BaseCommand):
    help = "Create a staff user (idempotent); --admin for the administrator role."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--admin", action="store_true")
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the password from stdin."
        )
        parser.add_argument("--password", help="Password (prefer --password-stdin).")

    def handle(self, *args, email, admin, password_stdin, password, **options):
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an email address.") from None
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
            if not password:
                raise CommandError("No password on stdin.")
        user = User.objects.filter(email__iexact=email).first()
        if password:
            _check_password(password, user or User(email=email))
        created = user is None
        if created:
            user = User.objects.create_user(
                email, password=password, is_staff=True, is_superuser=admin
            )
        else:
            if admin and not user.is_superuser:
                user.is_superuser = True
            if password:
                user.set_password(password)
            user.is_staff = True
            user.save()
        role = "administrator" if user.is_superuser else "staff"
        self.stdout.write(f"{'created' if created else 'exists'}: {user.email} ({role})")


def _check_password(password: str, user: User) -> None:
    """AUTH_PASSWORD_VALIDATORS, as the admin's password screens apply them; nothing is saved."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise CommandError("Password refused: " + " ".join(error.messages)) from None
