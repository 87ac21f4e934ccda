"""Django's admin at /staff/admin/: the administrators' fallback."""

from django.contrib import admin

from .models import (
    Completion,
    Component,
    Contact,
    Enrollment,
    GeneralSettings,
    History,
    Program,
    ProgramComponent,
)


class AdministratorsOnly(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser


@admin.register(Contact)
class ContactAdmin(AdministratorsOnly):
    list_display = ["last_name", "first_name", "email", "organization", "archived_at"]
    search_fields = ["first_name", "last_name", "email", "organization", "external_id"]


class ProgramComponentInline(admin.TabularInline):
    model = ProgramComponent
    extra = 1


@admin.register(Program)
class ProgramAdmin(AdministratorsOnly):
    list_display = [
        "name",
        "code",
        "require_approval",
        "completion_requires_approval",
        "validity_months",
        "is_active",
    ]
    search_fields = ["name", "code"]
    inlines = [ProgramComponentInline]


@admin.register(Component)
class ComponentAdmin(AdministratorsOnly):
    list_display = [
        "name",
        "code",
        "kind",
        "credits_earned",
        "hours_earned",
        "requires_approval",
        "is_active",
    ]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


@admin.register(Completion)
class CompletionAdmin(AdministratorsOnly):
    list_display = [
        "contact",
        "component",
        "completed_on",
        "state",
        "passed",
        "source",
        "removed_at",
    ]
    list_filter = ["state", "source"]
    raw_id_fields = ["contact", "component"]


@admin.register(Enrollment)
class EnrollmentAdmin(AdministratorsOnly):
    """Read-only: status changes go through the services (history, rules, emails)."""

    list_display = [
        "contact",
        "program",
        "status",
        "activated_on",
        "expires_on",
        "certificate_number",
    ]
    list_filter = ["status", "program"]
    raw_id_fields = ["contact", "program"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(History)
class HistoryAdmin(AdministratorsOnly):
    list_display = ["at", "actor", "action", "enrollment", "from_status", "to_status", "reason"]
    list_filter = ["action", "actor_kind"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GeneralSettings)
class GeneralSettingsAdmin(AdministratorsOnly):
    def has_add_permission(self, request):
        return not GeneralSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
