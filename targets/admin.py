from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdmin, register_history
from resolutions.admin import ProgrammeInline, ResolutionAdmin
from resolutions.models import Resolution
from targets import ledger
from targets.models import (
    Allocation,
    Attachment,
    DeadlineExtension,
    Entry,
    Notification,
    Period,
    ProgressReport,
    QuotaRedistribution,
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


def _owe_rebuild(request, resolution: Resolution) -> None:
    """A target edited here (its measure, owner, parent…) may change every roll-up row of its term:
    the term owes a rebuild (targets.ledger), in the same transaction as the edit."""
    congress = resolution.congress
    if congress.unit_id is not None:
        ledger.record_tree_change(congress.unit, congress.pk, user=request.user)


class ResolutionWithTargetsAdmin(ResolutionAdmin):
    """Targets are edited inline under their resolution; resolutions/ knows nothing of them."""

    inlines = [ProgrammeInline, TargetInline]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Target and (
            formset.new_objects or formset.changed_objects or formset.deleted_objects
        ):
            _owe_rebuild(request, form.instance)


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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _owe_rebuild(request, obj.resolution)

    def delete_model(self, request, obj):
        resolution = obj.resolution
        super().delete_model(request, obj)
        _owe_rebuild(request, resolution)

    def delete_queryset(self, request, queryset):
        resolutions = {t.resolution for t in queryset.select_related("resolution__congress__unit")}
        super().delete_queryset(request, queryset)
        for resolution in resolutions:
            _owe_rebuild(request, resolution)


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


class WrittenOnTheReportPage(SimpleHistoryAdmin):
    """Reports, their figures, files and reopenings are read here, never written.

    They change only on the report page, through targets.services.reports:
    the rules for figures, the deadline and the review workflow, the history
    and the roll-ups all live there, and an approved report is final. An admin
    form would be a second write path past all of them, so each row links to
    its report page instead.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history saves ("reverts to") the old version on POST to this page for anyone
        # who may merely view it; reading a past version stays possible.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    @staticmethod
    def _report_of(obj) -> ProgressReport:
        return obj if isinstance(obj, ProgressReport) else obj.report

    @admin.display(description=_("trang báo cáo"))
    def report_page(self, obj):
        report = self._report_of(obj)
        url = reverse("targets:report", kwargs={"code": report.unit.code, "period": report.period.slug})
        return format_html('<a href="{}">{}</a>', url, _("Mở trang báo cáo để xem, sửa hoặc duyệt"))


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    fields = ["target", "value", "numerator", "denominator", "done", "done_on", "note"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgressReport)
class ProgressReportAdmin(WrittenOnTheReportPage):
    list_display = ["unit", "period", "status", "late", "submitted_at", "reviewed_at", "report_page"]
    list_filter = ["status", "late", "period"]
    search_fields = ["unit__name", "unit__code"]
    list_select_related = ["unit", "period"]
    readonly_fields = ["report_page"]
    inlines = [EntryInline]


@admin.register(Entry)
class EntryAdmin(WrittenOnTheReportPage):
    list_display = ["report", "target", "value", "numerator", "denominator", "done", "report_page"]
    list_filter = ["target"]
    search_fields = ["report__unit__name", "report__unit__code", "target__code"]
    list_select_related = ["report__unit", "report__period", "target"]
    readonly_fields = ["report_page"]


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(WrittenOnTheReportPage):
    """Reopening is a step of the workflow (a reason, at most a year, an approved report handed back)."""

    list_display = ["unit", "period", "until", "granted_by", "granted_at", "report_page"]
    list_filter = ["period"]
    search_fields = ["unit__name", "unit__code"]
    list_select_related = ["unit", "period", "granted_by"]
    readonly_fields = ["report_page"]

    @admin.display(description=_("trang báo cáo"))
    def report_page(self, obj):
        url = reverse("targets:report", kwargs={"code": obj.unit.code, "period": obj.period.slug})
        return format_html('<a href="{}">{}</a>', url, _("Mở trang báo cáo để xem, sửa hoặc duyệt"))


@admin.register(TargetProposal)
class TargetProposalAdmin(SimpleHistoryAdmin):
    list_display = ["unit", "title", "measure", "value", "status", "proposed_at", "reviewed_at"]
    list_filter = ["status", "measure"]
    search_fields = ["unit__name", "unit__code", "title"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit", "target", "serves"]


@admin.register(Attachment)
class AttachmentAdmin(WrittenOnTheReportPage):
    list_display = ["name", "report", "kind", "size", "uploaded_by", "uploaded_at", "report_page"]
    list_filter = ["kind"]
    search_fields = ["name", "report__unit__name"]
    list_select_related = ["report__unit", "report__period", "uploaded_by"]
    readonly_fields = ["report_page"]


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    """The daily job writes these so that no reminder goes out twice."""

    list_display = ["unit", "period", "kind", "recipients", "sent_at"]
    list_filter = ["kind", "period"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """What each person was told, and whether its e-mail went (the sweep retries those owed)."""

    list_display = ["created_at", "user", "kind", "text", "read_at", "emailed_at", "email_attempts"]
    list_filter = ["kind", ("emailed_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "user__username"]


@admin.register(RollupChange)
class RollupChangeAdmin(ReadOnlyAdmin):
    """The roll-up ledger: what each change owes and when it was settled."""

    list_display = ["id", "cause", "unit", "period", "created_at", "created_by", "settled_at"]
    list_filter = ["cause", ("settled_at", admin.EmptyFieldListFilter)]
    search_fields = ["unit__code", "unit__name"]
    list_select_related = ["unit", "period", "created_by"]


register_history("targets")


@admin.register(QuotaRedistribution)
class QuotaRedistributionAdmin(ReadOnlyAdmin):
    """Written by the office's quota form after a split or merge (targets.services.quotas)."""

    list_display = ["event", "target", "before", "after", "reason", "recorded_by", "recorded_at"]
    list_select_related = ["event", "target", "recorded_by"]
