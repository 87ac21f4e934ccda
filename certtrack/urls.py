from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView

admin.site.site_header = "certtrack administration"
admin.site.site_title = "certtrack"

urlpatterns = [
    path("", TemplateView.as_view(template_name="landing.html"), name="landing"),
    path("staff/admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", RedirectView.as_view(url=static("backoffice/favicon.svg"), permanent=True)),
]

# Each face adds its own routes here as it lands (kept apart so they merge cleanly).
for module in (
    "certtrack.api.urls",
    "certtrack.backoffice.urls",
    "certtrack.portal.urls",
    "certtrack.credentials.urls",
    "certtrack.notifications.urls",
    "certtrack.operations.urls",
):
    try:
        urlpatterns.append(path("", include(module)))
    except ModuleNotFoundError as error:
        if error.name != module:
            raise
