from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project package, installed as an app for its template tags and pages."""

    name = "config"
    verbose_name = "Cấu hình"

    def ready(self):
        # Connect the login signal receiver (session renewal).
        from config import middleware  # noqa: F401
