from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project package, installed as an app for its template tags and pages."""

    name = "config"
    verbose_name = "Cấu hình"
