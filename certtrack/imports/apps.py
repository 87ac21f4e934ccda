from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "certtrack.imports"
    label = "imports"
    verbose_name = "Imports"
