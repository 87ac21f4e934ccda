from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "certtrack.api"
    label = "api"
