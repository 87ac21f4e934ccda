from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "certtrack.accounts"
    label = "accounts"

    def ready(self) -> None:
        from certtrack import middleware  # noqa: F401  (connects the sign-in stamp)
