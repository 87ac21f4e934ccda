from django.urls import path

from . import branding, views

app_name = "credentials"

urlpatterns = [
    path("verify/", views.lookup, name="lookup"),
    path("verify/<str:number>", views.verify_page, name="verify"),
    path("issuer", views.issuer, name="issuer"),
    path("branding/<str:which>", branding.image, name="branding_image"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path(".well-known/jwks/<str:thumbprint>.json", views.jwk, name="jwk"),
    path(
        "status-lists/<int:list_number>/<str:purpose>",
        views.status_list,
        name="status_list",
    ),
    path("achievements/<str:code>", views.achievement, name="achievement"),
    path(
        "staff/enrollments/<int:pk>/certificate.pdf",
        views.staff_certificate,
        name="staff_certificate",
    ),
]
