"""Staff users (sign-in by email) and their API tokens."""

import hashlib
import secrets
from datetime import datetime

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, email: str) -> "User":
        return self.get(email__iexact=email)


class User(AbstractUser):
    """A back-office user. Role *administrator* is `is_superuser`; every user is staff."""

    username = None
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    @property
    def is_administrator(self) -> bool:
        return self.is_active and self.is_superuser

    @property
    def role(self) -> str:
        return "administrator" if self.is_superuser else "staff"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def authenticate(self, key: str) -> "ApiToken | None":
        """The live token for `key` (only its hash is stored), or None."""
        if not key:
            return None
        return (
            self.select_related("user")
            .filter(key_hash=_hash(key), revoked_at__isnull=True, user__is_active=True)
            .first()
        )


class ApiToken(models.Model):
    """A bearer token for the REST API, stored hashed; shown once when issued."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple["ApiToken", str]:
        """Create a token for `user`; return it and the clear key (never stored)."""
        key = "ct_" + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name or "command line", prefix=key[:10], key_hash=_hash(key)
        )
        return token, key

    def revoke(self, now: datetime) -> None:
        ApiToken.objects.filter(pk=self.pk, revoked_at__isnull=True).update(revoked_at=now)

    def touch(self, now: datetime) -> None:
        """Record use, at most once a minute (a write per request would be waste)."""
        if self.last_used_at is None or (now - self.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now
