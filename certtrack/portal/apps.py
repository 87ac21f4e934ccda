from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "certtrack.portal"
    label = "portal"
