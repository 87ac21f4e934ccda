"""Django admin: the worker pass records, read-only (the worker writes them)."""

from django.contrib import admin

from .models import WorkerPass


@admin.register(WorkerPass)
class WorkerPassAdmin(admin.ModelAdmin):
    list_display = ("finished_at", "duration_seconds", "steps", "tallies", "errors", "host", "pid")
    list_filter = ("idle",)
    date_hierarchy = "finished_at"
    ordering = ("-finished_at", "-id")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
