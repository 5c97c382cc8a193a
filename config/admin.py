"""What every app's admin shares: read-only pages for derived and audit tables."""

from django.apps import apps
from django.contrib import admin

from config.models import PasswordReset


class ReadOnlyAdmin(admin.ModelAdmin):
    """Listed and opened, never added, changed or deleted: the rows are written by the app itself."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HistoryAdmin(ReadOnlyAdmin):
    """An audit history table (django-simple-history): who changed what, when. Nobody rewrites it."""

    list_display = ["__str__", "history_type", "history_user", "history_date"]
    list_filter = ["history_type"]
    date_hierarchy = "history_date"
    list_select_related = ["history_user"]


def register_history(app_label: str) -> None:
    """Register every history model of an app, read-only."""
    for model in apps.get_app_config(app_label).get_models():
        if model.__name__.startswith("Historical") and not admin.site.is_registered(model):
            admin.site.register(model, HistoryAdmin)


@admin.register(PasswordReset)
class PasswordResetAdmin(ReadOnlyAdmin):
    """Who set a temporary password for whom, and when the user replaced it."""

    list_display = ["user", "set_by", "set_at", "changed_at"]
    list_select_related = ["user", "set_by"]
