"""History — PRODUCT.md §2 and §9: every change, append-only."""

from django.conf import settings
from django.db import models

from .enrollments import Enrollment
from .setup import Contact


class AuditObject(models.TextChoices):
    """The kinds of setup object whose changes History records (PRODUCT.md §9)."""

    PROGRAM = "program", "Program"
    COMPONENT = "component", "Component"
    CONTACT = "contact", "Contact"
    SETTINGS = "settings", "General Settings"
    EMAIL_TEMPLATE = "email_template", "Email template"
    USER = "user", "Staff user"


class HistoryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("History is append-only.")

    def delete(self):
        raise TypeError("History is append-only.")


class History(models.Model):
    """One change of status, dates, completion or settings. Append-only."""

    at = models.DateTimeField(db_index=True)
    actor = models.CharField(
        max_length=200, help_text="Who: staff email, contact, system, API token."
    )
    actor_kind = models.CharField(max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enrollment = models.ForeignKey(
        Enrollment, null=True, blank=True, on_delete=models.PROTECT, related_name="history"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=50)
    from_status = models.CharField(max_length=20, blank=True, default="")
    to_status = models.CharField(max_length=20, blank=True, default="")
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [old, new]}")
    reason = models.TextField(blank=True, default="")
    # The setup object a change is about (PRODUCT.md §9 audit): a program, component,
    # contact, the settings, an email template or a staff user. Empty for enrollment rows.
    object_type = models.CharField(max_length=20, blank=True, default="", choices=AuditObject)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    object_label = models.CharField(max_length=200, blank=True, default="")

    objects = HistoryQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "history"
        indexes = [
            models.Index(fields=["enrollment", "at"], name="history_enrollment_idx"),
            # An object's page reads its own changes; the audit view filters by type.
            models.Index(fields=["object_type", "object_id", "at"], name="history_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor}: {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("History is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("History is append-only.")
