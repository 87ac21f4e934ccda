"""The portal's own tables: one-time sign-in links and the sign-in requests that rate-limit them."""

from django.db import models

from certtrack.certification.models import Contact


class SignInLink(models.Model):
    """A one-time sign-in link emailed to a contact. Only the token's hash is stored."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="portal_link_expiry_idx")]

    def __str__(self) -> str:
        return f"sign-in link for contact {self.contact_id}, expires {self.expires_at:%H:%M}"


class SignInRequest(models.Model):
    """One sign-in request, counted per address and per client IP (shared by every process).

    The address is kept only as a keyed hash: requests for unknown addresses are
    counted too, and the table should not become a list of what people typed.
    """

    address_hash = models.CharField(max_length=64)
    ip = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["address_hash", "at"], name="portal_request_address_idx"),
            models.Index(fields=["ip", "at"], name="portal_request_ip_idx"),
            models.Index(fields=["at"], name="portal_request_at_idx"),
        ]

    def __str__(self) -> str:
        return f"sign-in request from {self.ip} at {self.at:%Y-%m-%d %H:%M:%S}"
