"""Django admin fallback: edit templates (with a preview), watch the outbox."""

from csp.decorators import csp_update
from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join

from certtrack import clock

from .models import Email, EmailStatus, EmailTemplate
from .rendering import PLACEHOLDERS, TemplateError, preview


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    list_display = ("__str__", "subject", "updated_at")
    readonly_fields = ("kind", "placeholders", "preview")
    fields = ("kind", "subject", "text_body", "html_body", "placeholders", "preview")
    formfield_overrides = {
        models.CharField: {"widget": forms.TextInput(attrs={"class": "vLargeTextField"})},
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 14, "cols": 90})},
    }

    class Media:
        css = {"all": ["notifications/admin.css"]}  # the CSP allows no style="" attribute

    # The preview's sandboxed srcdoc frame inherits the page's policy; emails carry inline
    # styles. Styles only: scripts stay 'self' (and the sandbox runs none anyway).
    @method_decorator(csp_update({"style-src": ["'unsafe-inline'"]}))
    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request) -> bool:
        return False  # one template per kind, shipped with the product

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Placeholders")
    def placeholders(self, obj: EmailTemplate) -> str:
        return format_html_join(
            " ", "<code>{{{{ {} }}}}</code>", ((name,) for name in PLACEHOLDERS)
        )

    @admin.display(description="Preview (sample contact and dates)")
    def preview(self, obj: EmailTemplate) -> str:
        try:
            shown = preview(obj)
        except TemplateError as error:
            return format_html('<p class="errornote">{}</p>', error)
        # The HTML body runs in a sandboxed frame: no script, no access to the admin.
        return format_html(
            '<div class="email-preview"><p><strong>Subject:</strong> {}</p>'
            "<pre>{}</pre>"
            '<iframe sandbox="" title="HTML preview" srcdoc="{}"></iframe></div>',
            shown.subject,
            shown.text,
            shown.html,
        )


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "contact_name",
        "enrollment_id",
        "status",
        "sent_at",
        "attempts",
        "last_error",
    )
    ordering = ("-created_at", "-id")
    list_filter = ("status", "kind")
    search_fields = (
        "enrollment__contact__email",
        "enrollment__contact__last_name",
        "contact__email",
        "contact__last_name",
        "recipient",
    )
    list_select_related = ("enrollment__contact", "contact")
    date_hierarchy = "created_at"
    actions = ("retry_now",)
    # Not the body: a queued sign-in link would let whoever reads it sign in as the contact.
    fields = readonly_fields = [f.name for f in Email._meta.fields if f.name not in {"id", "body"}]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the outbox is the record of what was sent

    @admin.display(description="contact")
    def contact_name(self, obj: Email) -> str:
        return (obj.enrollment.contact if obj.enrollment_id else obj.contact).full_name

    @admin.action(description="Retry the selected failed or queued emails now")
    def retry_now(self, request, queryset) -> None:
        count = queryset.filter(status__in=[EmailStatus.FAILED, EmailStatus.QUEUED]).update(
            status=EmailStatus.QUEUED, next_attempt_at=clock.now(), attempts=0
        )
        self.message_user(
            request, f"{count} email(s) will be sent on the next worker pass.", messages.SUCCESS
        )
