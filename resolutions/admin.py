from django.contrib import admin
from django.db import transaction

from config.admin import register_history
from resolutions.models import ActionProgramme, Congress, PlanDocument, Resolution, StudySession
from targets import ledger


@admin.register(Congress)
class CongressAdmin(admin.ModelAdmin):
    list_display = [
        "organisation_name",
        "ordinal_roman",
        "term_label",
        "held_from",
        "held_to",
        "delegates",
        "members_represented",
    ]
    search_fields = ["organisation_name"]
    list_filter = ["term_start_year"]
    autocomplete_fields = ["unit", "parent"]


class ProgrammeInline(admin.StackedInline):
    model = ActionProgramme
    extra = 0


@admin.register(Resolution)
class ResolutionAdmin(admin.ModelAdmin):
    list_display = ["title", "congress", "adopted_on"]
    search_fields = ["title", "general_direction"]
    inlines = [ProgrammeInline]


@admin.register(ActionProgramme)
class ActionProgrammeAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "resolution"]
    search_fields = ["title"]
    list_filter = ["resolution"]


@admin.register(PlanDocument)
class PlanDocumentAdmin(admin.ModelAdmin):
    list_display = ["unit", "number", "issued_on", "signer", "registered_at"]
    list_filter = ["resolution"]
    search_fields = ["unit__name", "unit__code", "number", "signer"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]


@admin.register(StudySession)
class StudySessionAdmin(admin.ModelAdmin):
    list_display = ["unit", "held_on", "form", "attending", "first_time", "members", "non_members"]
    list_filter = ["form", "resolution"]
    search_fields = ["unit__name", "unit__code"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]
    date_hierarchy = "held_on"

    # Every change reaches the study figures above the unit through the roll-up ledger, in the same
    # transaction: what the old session added is taken back, what the new one adds is owed.
    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            if change:
                ledger.record_study(StudySession.objects.get(pk=obj.pk), sign=-1, user=request.user)
            super().save_model(request, obj, form, change)
            ledger.record_study(obj, user=request.user)

    def delete_model(self, request, obj):
        with transaction.atomic():
            ledger.record_study(obj, sign=-1, user=request.user)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for session in queryset.select_related("resolution"):
                ledger.record_study(session, sign=-1, user=request.user)
            super().delete_queryset(request, queryset)


register_history("resolutions")
