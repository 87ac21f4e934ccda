from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "certtrack.notifications"
    label = "notifications"
