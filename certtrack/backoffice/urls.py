from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "backoffice"

urlpatterns = [
    path("staff/login/", views.LoginView.as_view(), name="login"),
    path(
        "staff/logout/",
        auth_views.LogoutView.as_view(next_page="backoffice:login"),
        name="logout",
    ),
    path("staff/", views.tracking, name="home"),
    path("staff/tracking/", views.tracking, name="tracking"),
    path("staff/tracking/export.<str:fmt>", views.tracking_export, name="tracking_export"),
    path("staff/tracking/bulk/", views.tracking_bulk, name="tracking_bulk"),
    path("staff/tracking/filters/", views.save_filter, name="save_filter"),
    path("staff/tracking/filters/<int:pk>/delete/", views.delete_filter, name="delete_filter"),
    path("staff/overview/", views.overview, name="overview"),
    path("staff/enrollments/add/", views.enrollment_add, name="enrollment_add"),
    path("staff/enrollments/<int:pk>/", views.enrollment, name="enrollment"),
    path("staff/enrollments/<int:pk>/action/", views.enrollment_action, name="enrollment_action"),
    path("staff/enrollments/<int:pk>/approve-all/", views.approve_all, name="approve_all"),
    path(
        "staff/completions/<int:pk>/<str:decision>/",
        views.completion_decide,
        name="completion_decide",
    ),
    path("staff/completions/<int:pk>/evidence", views.completion_evidence, name="evidence"),
    path("staff/contacts/search/", views.contact_search, name="contact_search"),
    path("staff/setup/programs/", views.programs, name="programs"),
    path("staff/setup/programs/new/", views.program_edit, name="program_new"),
    path("staff/setup/programs/<int:pk>/", views.program_edit, name="program_edit"),
    path("staff/setup/components/", views.components, name="components"),
    path("staff/setup/components/new/", views.component_edit, name="component_new"),
    path("staff/setup/components/<int:pk>/", views.component_edit, name="component_edit"),
    path("staff/contacts/", views.contacts, name="contacts"),
    path("staff/contacts/new/", views.contact_edit, name="contact_new"),
    path("staff/contacts/<int:pk>/", views.contact, name="contact"),
    path("staff/contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("staff/contacts/<int:pk>/archive/", views.contact_archive, name="contact_archive"),
    path("staff/setup/settings/", views.settings_view, name="settings"),
]
