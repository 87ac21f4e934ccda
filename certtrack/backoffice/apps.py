from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "certtrack.backoffice"
    label = "backoffice"
