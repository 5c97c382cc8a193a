from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdmin, register_history
from resolutions.admin import ProgrammeInline, ResolutionAdmin
from resolutions.models import Resolution
from targets.ledger import record_tree_change
from targets.models import (
    Allocation,
    Attachment,
    DeadlineExtension,
    Entry,
    Period,
    ProgressReport,
    ReminderSent,
    RollupChange,
    Target,
    TargetProposal,
)


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
    """Edits in the admin bypass the report services: the ledger gets a change that rebuilds the term."""

    def _owe(self, request, obj):
        report = obj if isinstance(obj, ProgressReport) else obj.report
        record_tree_change(report.unit, report.period.congress_id, user=request.user)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._owe(request, obj)

    def delete_model(self, request, obj):
        self._owe(request, obj)
        super().delete_model(request, obj)


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


@admin.register(RollupChange)
class RollupChangeAdmin(ReadOnlyAdmin):
    """The roll-up ledger: what each change owes and when it was settled."""

    list_display = ["id", "cause", "unit", "period", "created_at", "created_by", "settled_at"]
    list_filter = ["cause", ("settled_at", admin.EmptyFieldListFilter)]
    search_fields = ["unit__code", "unit__name"]
    list_select_related = ["unit", "period", "created_by"]


register_history("targets")
