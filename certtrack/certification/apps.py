from django.apps import AppConfig


class CertificationConfig(AppConfig):
    name = "certtrack.certification"
    label = "certification"
    verbose_name = "Certification"
