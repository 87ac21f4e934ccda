from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "certtrack.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from certtrack import middleware  # noqa: F401  (connects the sign-in stamp)
        from certtrack.logs import staff_sign_in_failed

        user_login_failed.connect(staff_sign_in_failed, dispatch_uid="certtrack.sign_in_failed")
