"""Completion — PRODUCT.md §2: a contact completed a component on a date."""

from django.db import models
from django.db.models import Q

from .setup import Component, Contact


class CompletionState(models.TextChoices):
    PENDING = "pending", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class CompletionSource(models.TextChoices):
    STAFF = "staff", "Staff"
    SELF_REPORT = "self_report", "Contact self-report"
    IMPORT = "import", "Import"
    API = "api", "API"


class CompletionQuerySet(models.QuerySet):
    def live(self):
        return self.filter(removed_at__isnull=True)

    def counting(self):
        """Completions that count toward requirements: approved, passed, not removed."""
        return self.live().filter(state=CompletionState.APPROVED, passed=True)


class Completion(models.Model):
    """A contact completed a component on a date. Belongs to the contact, not an enrollment."""

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="completions")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField()
    score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(default=True)
    note = models.TextField(blank=True, default="")
    evidence = models.FileField(upload_to="evidence/%Y/%m/", blank=True, default="")
    evidence_name = models.CharField(max_length=200, blank=True, default="")
    source = models.CharField(
        max_length=20, choices=CompletionSource.choices, default=CompletionSource.STAFF
    )
    state = models.CharField(
        max_length=10, choices=CompletionState.choices, default=CompletionState.APPROVED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = CompletionQuerySet.as_manager()

    class Meta:
        ordering = ["-completed_on", "-id"]
        indexes = [
            models.Index(fields=["contact", "component"], name="completion_contact_comp_idx"),
            models.Index(
                fields=["state"],
                name="completion_pending_idx",
                condition=Q(state="pending", removed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.component.code} by {self.contact_id} on {self.completed_on}"
