from django.urls import path

from . import entry, views

app_name = "portal"

urlpatterns = [
    path("portal/", views.home, name="home"),
    path("portal/sign-in/", entry.sign_in, name="sign_in"),
    path("portal/sign-in/<str:token>/", entry.confirm, name="confirm"),
    path("portal/sign-out/", entry.sign_out, name="sign_out"),
    path("portal/programs/", views.programs, name="programs"),
    path("portal/programs/<int:pk>/apply/", views.apply, name="apply"),
    path("portal/enrollments/<int:pk>/", views.enrollment, name="enrollment"),
    path("portal/enrollments/<int:pk>/report/", views.report, name="report"),
    path("portal/enrollments/<int:pk>/renew/", views.renew, name="renew"),
    path("portal/enrollments/<int:pk>/reminders/", views.reminder_choice, name="reminder_choice"),
    path(
        "portal/enrollments/<int:pk>/certificate.pdf",
        views.certificate_download,
        name="certificate_pdf",
    ),
    path(
        "portal/enrollments/<int:pk>/credential.jwt",
        views.credential_download,
        name="credential",
    ),
    path("portal/certificates/", views.certificates, name="certificates"),
    path("portal/transcript/", views.my_transcript, name="my_transcript"),
    path("portal/contacts/<int:pk>/transcript/", views.transcript, name="transcript"),
    path("portal/contacts/<int:pk>/transcript.pdf", views.transcript_pdf, name="transcript_pdf"),
    path("portal/contacts/<int:pk>/transcript.csv", views.transcript_csv, name="transcript_csv"),
    path("portal/completions/<int:pk>/evidence/", views.evidence, name="evidence"),
]
