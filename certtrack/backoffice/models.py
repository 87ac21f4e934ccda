"""The back-office's own small state: named Tracking filters."""

from django.conf import settings
from django.db import models


class SavedFilter(models.Model):
    """A Customize Filter a staff user saved under a name: the Tracking tab's query string."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(max_length=100)
    query = models.TextField(help_text="The Tracking tab's GET parameters, URL-encoded.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_filter_owner_name")
        ]

    def __str__(self) -> str:
        return self.name
