from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "certtrack.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Connect the outbox and the reminder schedules to the domain's signals.
        from . import outbox, reminders  # noqa: F401
