from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdmin, register_history
from resolutions.admin import ProgrammeInline, ResolutionAdmin
from resolutions.models import Resolution
from targets.models import (
    Allocation,
    Attachment,
    DeadlineExtension,
    Entry,
    Period,
    ProgressReport,
    ReminderSent,
    Target,
    TargetProposal,
)
from targets.tasks import enqueue_rollup


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    fields = [
        "position",
        "code",
        "title",
        "measure",
        "comparison",
        "scope",
        "reporting",
        "value",
        "unit_label",
        "programme",
        "parent",
    ]
    ordering = ["position", "code"]
    show_change_link = True


class ResolutionWithTargetsAdmin(ResolutionAdmin):
    """Targets are edited inline under their resolution; resolutions/ knows nothing of them."""

    inlines = [ProgrammeInline, TargetInline]


admin.site.unregister(Resolution)
admin.site.register(Resolution, ResolutionWithTargetsAdmin)


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = [
        "code",
        "title",
        "measure",
        "comparison",
        "scope",
        "value",
        "unit_label",
        "owner_unit",
        "resolution",
    ]
    list_filter = [
        "resolution",
        "measure",
        "scope",
        "reporting",
        "programme",
        ("owner_unit", admin.EmptyFieldListFilter),
    ]
    search_fields = ["code", "title", "short_title"]
    list_select_related = ["resolution"]
    autocomplete_fields = ["parent", "programme"]


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    list_display = ["target", "unit", "year", "value"]
    list_filter = ["target", "year"]
    search_fields = ["unit__name", "unit__code", "target__code"]
    list_select_related = ["target", "unit"]
    autocomplete_fields = ["target", "unit"]


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["label", "index", "starts_on", "ends_on", "deadline", "congress"]
    list_filter = ["congress", "year", "quarter"]
    ordering = ["congress", "index"]


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    autocomplete_fields = ["target"]


class RecomputesRollups:
    """Edits in the admin bypass the report services: roll the figures up again after them."""

    def _report_of(self, obj):
        return obj if isinstance(obj, ProgressReport) else obj.report

    def _enqueue(self, obj):
        report = self._report_of(obj)
        enqueue_rollup(report.unit_id, report.period_id)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._enqueue(obj)

    def delete_model(self, request, obj):
        report = self._report_of(obj)
        super().delete_model(request, obj)
        enqueue_rollup(report.unit_id, report.period_id)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._enqueue(form.instance)


@admin.register(ProgressReport)
class ProgressReportAdmin(RecomputesRollups, SimpleHistoryAdmin):
    list_display = ["unit", "period", "status", "late", "submitted_at", "reviewed_at"]
    list_filter = ["status", "late", "period"]
    search_fields = ["unit__name", "unit__code"]
    list_select_related = ["unit", "period"]
    autocomplete_fields = ["unit"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [EntryInline]


@admin.register(Entry)
class EntryAdmin(RecomputesRollups, SimpleHistoryAdmin):
    list_display = ["report", "target", "value", "numerator", "denominator", "done"]
    list_filter = ["target"]
    search_fields = ["report__unit__name", "report__unit__code", "target__code"]
    list_select_related = ["report__unit", "report__period", "target"]
    raw_id_fields = ["report"]


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(SimpleHistoryAdmin):
    list_display = ["unit", "period", "until", "granted_by", "granted_at"]
    list_filter = ["period"]
    search_fields = ["unit__name", "unit__code"]
    autocomplete_fields = ["unit"]


@admin.register(TargetProposal)
class TargetProposalAdmin(SimpleHistoryAdmin):
    list_display = ["unit", "title", "measure", "value", "status", "proposed_at", "reviewed_at"]
    list_filter = ["status", "measure"]
    search_fields = ["unit__name", "unit__code", "title"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit", "target", "serves"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["name", "report", "kind", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["name", "report__unit__name"]
    raw_id_fields = ["report"]


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    """The daily job writes these so that no reminder goes out twice."""

    list_display = ["unit", "period", "kind", "recipients", "sent_at"]
    list_filter = ["kind", "period"]


register_history("targets")
