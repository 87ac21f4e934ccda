from django.contrib.auth import views as auth_views
from django.urls import path

from .views import (
    audit,
    auth,
    emails,
    enrollments,
    imports,
    overview,
    reminders,
    setup,
    staff,
    tracking,
)

app_name = "backoffice"

urlpatterns = [
    path("staff/login/", auth.LoginView.as_view(), name="login"),
    path(
        "staff/logout/",
        auth_views.LogoutView.as_view(next_page="backoffice:login"),
        name="logout",
    ),
    path("staff/password-reset/", staff.PasswordResetView.as_view(), name="password_reset"),
    path(
        "staff/password-reset/sent/",
        staff.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "staff/password/<uidb64>/<token>/",
        staff.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "staff/password/done/",
        staff.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("staff/", tracking.tracking, name="home"),
    path("staff/tracking/", tracking.tracking, name="tracking"),
    path("staff/tracking/export.<str:fmt>", tracking.export, name="tracking_export"),
    path("staff/tracking/bulk/", tracking.bulk, name="tracking_bulk"),
    path("staff/tracking/quick/", tracking.tracking_quick, name="tracking_quick"),
    path("staff/tracking/filter/", tracking.tracking_filter_form, name="tracking_filter_form"),
    path("staff/tracking/filters/", tracking.save_filter, name="save_filter"),
    path("staff/tracking/filters/<int:pk>/delete/", tracking.delete_filter, name="delete_filter"),
    path("staff/overview/", overview.overview, name="overview"),
    path("staff/enrollments/add/", tracking.enrollment_add, name="enrollment_add"),
    path("staff/enrollments/<int:pk>/", enrollments.enrollment, name="enrollment"),
    path(
        "staff/enrollments/<int:pk>/action/", enrollments.perform_action, name="enrollment_action"
    ),
    path("staff/enrollments/<int:pk>/approve-all/", enrollments.approve_all, name="approve_all"),
    path(
        "staff/completions/<int:pk>/<str:decision>/",
        enrollments.completion_decide,
        name="completion_decide",
    ),
    path("staff/completions/<int:pk>/evidence", enrollments.completion_evidence, name="evidence"),
    path("staff/contacts/search/", tracking.contact_search, name="contact_search"),
    path("staff/setup/programs/", setup.programs, name="programs"),
    path("staff/setup/programs/new/", setup.program_edit, name="program_new"),
    path("staff/setup/programs/<int:pk>/", setup.program_edit, name="program_edit"),
    path(
        "staff/setup/programs/renewal-example/",
        setup.renewal_example,
        name="renewal_example",
    ),
    path("staff/setup/components/", setup.components, name="components"),
    path("staff/setup/components/new/", setup.component_edit, name="component_new"),
    path("staff/setup/components/<int:pk>/", setup.component_edit, name="component_edit"),
    path("staff/contacts/", setup.contacts, name="contacts"),
    path("staff/contacts/new/", setup.contact_edit, name="contact_new"),
    path("staff/contacts/<int:pk>/", setup.contact, name="contact"),
    path("staff/contacts/<int:pk>/edit/", setup.contact_edit, name="contact_edit"),
    path(
        "staff/contacts/<int:pk>/transcript/", setup.contact_transcript, name="contact_transcript"
    ),
    path(
        "staff/contacts/<int:pk>/transcript.<str:fmt>",
        setup.contact_transcript_file,
        name="contact_transcript_file",
    ),
    path("staff/contacts/<int:pk>/archive/", setup.contact_archive, name="contact_archive"),
    path("staff/setup/settings/", setup.settings_view, name="settings"),
    path("staff/setup/users/", staff.users, name="users"),
    path("staff/setup/users/<int:pk>/", staff.user, name="user"),
    path("staff/setup/users/<int:pk>/role/", staff.user_role, name="user_role"),
    path("staff/setup/users/<int:pk>/active/", staff.user_active, name="user_active"),
    path("staff/setup/users/<int:pk>/resend/", staff.user_resend, name="user_resend"),
    path("staff/setup/users/<int:pk>/tokens/", staff.token_issue, name="token_issue"),
    path(
        "staff/setup/users/<int:pk>/tokens/<int:token>/revoke/",
        staff.token_revoke,
        name="token_revoke",
    ),
    path("staff/setup/audit/", audit.audit_log, name="audit"),
    path("staff/setup/audit/export.csv", audit.audit_export, name="audit_export"),
    path("staff/setup/import/", imports.import_page, name="imports"),
    path(
        "staff/setup/import/template/<str:kind>.<str:fmt>",
        imports.import_template,
        name="import_template",
    ),
    path("staff/setup/import/<int:pk>/", imports.import_job, name="import_job"),
    path("staff/setup/import/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    path("staff/setup/import/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
    path("staff/setup/emails/", emails.email_templates, name="email_templates"),
    path(
        "staff/setup/emails/reminders/new/",
        reminders.reminder_template,
        name="reminder_template_new",
    ),
    path(
        "staff/setup/emails/reminders/<slug:key>/",
        reminders.reminder_template,
        name="reminder_template",
    ),
    path("staff/reminders/preview/", reminders.reminder_preview, name="reminder_preview"),
    path("staff/setup/emails/<str:kind>/", emails.email_template, name="email_template"),
    path(
        "staff/setup/emails/<str:kind>/preview/",
        emails.email_template_preview,
        name="email_template_preview",
    ),
]
