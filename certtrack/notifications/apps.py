from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "certtrack.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from . import outbox  # noqa: F401  (connects the outbox to the domain's signals)
