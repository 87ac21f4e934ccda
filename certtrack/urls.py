from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView

admin.site.site_header = "certtrack administration"
admin.site.site_title = "certtrack"
# Django's admin (the outbox, worker passes) is for administrators: a staff-role user found
# a bare "You don't have permission to view or edit anything" page there.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser

urlpatterns = [
    path("", TemplateView.as_view(template_name="landing.html"), name="landing"),
    path("staff/admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", RedirectView.as_view(url=static("backoffice/favicon.svg"), permanent=True)),
    # The faces and the public pages, each with its own routes.
    path("", include("certtrack.api.urls")),
    path("", include("certtrack.backoffice.urls")),
    path("", include("certtrack.portal.urls")),
    path("", include("certtrack.credentials.urls")),
    path("", include("certtrack.operations.urls")),
]
