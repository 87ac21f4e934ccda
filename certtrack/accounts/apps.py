from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "certtrack.accounts"
    label = "accounts"
