from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "certtrack.credentials"
    label = "credentials"
