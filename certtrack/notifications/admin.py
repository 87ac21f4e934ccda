"""Django admin fallback: edit templates (with a preview), watch the outbox."""

from django.contrib import admin, messages
from django.utils.html import format_html

from certtrack import clock

from .models import Email, EmailStatus, EmailTemplate
from .rendering import TemplateError, preview


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    list_display = ("__str__", "subject", "updated_at")
    readonly_fields = ("kind", "preview")
    fields = ("kind", "subject", "text_body", "html_body", "preview")

    def has_add_permission(self, request) -> bool:
        return False  # one template per kind, shipped with the product

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Preview (sample contact and dates)")
    def preview(self, obj: EmailTemplate) -> str:
        try:
            shown = preview(obj)
        except TemplateError as error:
            return format_html('<p class="errornote">{}</p>', error)
        # The HTML body runs in a sandboxed frame: no script, no access to the admin.
        return format_html(
            '<div style="max-width:48rem"><p><strong>Subject:</strong> {}</p>'
            '<pre style="white-space:pre-wrap;border:1px solid #ccc;padding:.5rem">{}</pre>'
            '<iframe sandbox="" title="HTML preview" srcdoc="{}" '
            'style="width:100%;height:18rem;border:1px solid #ccc;background:#fff"></iframe></div>',
            shown.subject,
            shown.text,
            shown.html,
        )


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "enrollment_id",
        "contact",
        "status",
        "sent_at",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("status", "kind")
    search_fields = ("enrollment__contact__email", "enrollment__contact__last_name", "recipient")
    list_select_related = ("enrollment__contact",)
    date_hierarchy = "created_at"
    actions = ("retry_now",)
    readonly_fields = [f.name for f in Email._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the outbox is the record of what was sent

    @admin.display(description="contact")
    def contact(self, obj: Email) -> str:
        return str(obj.enrollment.contact)

    @admin.action(description="Retry the selected failed or queued emails now")
    def retry_now(self, request, queryset) -> None:
        count = queryset.filter(status__in=[EmailStatus.FAILED, EmailStatus.QUEUED]).update(
            status=EmailStatus.QUEUED, next_attempt_at=clock.now(), attempts=0
        )
        self.message_user(
            request, f"{count} email(s) will be sent on the next worker pass.", messages.SUCCESS
        )
