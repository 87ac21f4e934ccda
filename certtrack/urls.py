from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

admin.site.site_header = "certtrack administration"
admin.site.site_title = "certtrack"

urlpatterns = [
    path("", TemplateView.as_view(template_name="landing.html"), name="landing"),
    path("staff/admin/", admin.site.urls),
]

# Each face adds its own routes here as it lands (kept apart so they merge cleanly).
for module in (
    "certtrack.api.urls",
    "certtrack.backoffice.urls",
    "certtrack.portal.urls",
    "certtrack.credentials.urls",
    "certtrack.notifications.urls",
):
    try:
        urlpatterns.append(path("", include(module)))
    except ModuleNotFoundError as error:
        if error.name != module:
            raise
