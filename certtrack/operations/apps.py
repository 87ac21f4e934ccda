from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "certtrack.operations"
    label = "operations"
    verbose_name = "Operations"

    def ready(self) -> None:
        from . import passes  # noqa: F401  (counts the emails a catch-up transition skips)
