from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project package, installed as an app for its template tags and pages."""

    name = "config"
    verbose_name = "Cấu hình"

    def ready(self):
        # Connect the login signal receivers (temporary passwords, session renewal).
        from config import middleware, passwords  # noqa: F401
