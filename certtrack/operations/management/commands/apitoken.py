from django.core.management.base import BaseCommand, CommandError

from certtrack import clock
from certtrack.accounts import services
from certtrack.accounts.models import User
from certtrack.certification.actors import Actor
from certtrack.certification.errors import DomainError, Invalid


class Command(BaseCommand):
    help = "Issue an API token for a staff user; the token is the last line of stdout."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--name",
            default="",
            help="A name to recognise the token by: a user has one live token per given name "
            f"(without --name each call issues a new {services.DEFAULT_TOKEN_NAME!r} token).",
        )
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="Replace the live token of that name: it is revoked as the new one is issued.",
        )
        parser.add_argument(
            "--revoke", metavar="PREFIX", help="Revoke the user's token with this prefix instead."
        )
        parser.add_argument("--list", action="store_true", help="List the user's tokens instead.")

    def handle(self, *args, email, name, rotate, revoke, list, **options):
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(
                f"No active staff user {email!r} (create one with `certtrack createstaff`)."
            )
        if list:
            for t in user.api_tokens.order_by("created_at"):
                state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "live"
                used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
                self.stdout.write(f"{t.prefix}  {t.name}  {state}  last used {used}")
            return
        if revoke:
            tokens = user.api_tokens.filter(prefix=revoke, revoked_at__isnull=True)
            if not tokens.exists():
                raise CommandError(f"No live token with prefix {revoke!r} for {user.email}.")
            for t in tokens:
                services.revoke_token(t.pk, Actor.system("certtrack apitoken"), clock.now())
            self.stdout.write(f"revoked {revoke}")
            return
        try:
            token, key = services.issue_token(user, name, rotate=rotate)
        except Invalid as error:  # the name: say which options help
            raise CommandError(f"{error.message} (--name NAME, or --rotate)") from None
        except DomainError as error:
            raise CommandError(error.message) from None
        verb = "replaced" if rotate else "issued"
        self.stdout.write(f"token {token.name!r} for {user.email} {verb}:")
        self.stdout.write(key)
