"""Report lists and one quarterly report: enter, submit, review, reopen."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.db.models import Sum
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config import clock
from config.refusals import Refused
from resolutions.terms import congress_for
from targets.confidence import computed_readings
from targets.entries import (
    figure_text,
    study_proposals,
    targets_for,
)
from targets.forms import (
    AttachmentForm,
    ReopenForm,
    ReportForm,
    ReviewForm,
    UploadForm,
)
from targets.history import report_timeline
from targets.models import Allocation, Confidence, Entry, Period, ProgressReport, Target
from targets.queues import (
    ReportFilters,
    grid_counts,
    grid_rows,
    my_reports,
    review_queue,
    status_grid,
    term_periods,
)
from targets.services.reports import (
    AlreadyDone,
    ReportConflict,
    narrative_of,
    report_approve,
    report_reopen,
    report_return,
    report_save,
    report_submit,
)
from targets.views._common import (
    report_of,
    report_url,
    stored_inputs,
    unit_and_period,
    with_proposals,
)
from targets.workflow import GRID_STATUS_LABELS, Step, steps_for, window_for
from units.access import Action, home_units, is_bloc_office, unit_or_404, visible_ancestors
from units.models import Unit

Status = ProgressReport.Status


def report_list(request):
    """The office's review queue and unit × quarter grid (filtered by status, lateness, sector); a
    clerk's own reports."""
    today = clock.today()
    periods = term_periods(request.user, today)
    show_all = request.GET.get("all") == "1"
    shown = periods if show_all else periods[-4:]
    filters = ReportFilters.from_query(request.GET)
    queue = review_queue(request.user) if is_bloc_office(request.user) else []
    context = {
        "periods": shown,
        "show_all": show_all,
        "queue": filters.queue(queue),
        "queue_total": len(queue),
        "is_office": is_bloc_office(request.user),
        "filters": filters,
        "status_choices": list(GRID_STATUS_LABELS.items()),
        "sector_choices": Unit.Sector.choices,
    }
    if home_units(request.user, Action.ENTER) and not is_bloc_office(request.user):
        context["my_rows"] = my_reports(request.user, today)
    else:
        rows = status_grid(request.user, shown, today)
        context["counts"] = grid_counts(rows)
        context["rows"] = filters.grid(rows)
        context["rows_total"] = len(rows)
    return render(request, "targets/report_list.html", context)


def report_archive(request, code):
    """Every quarter of a unit's term so far, with its report's status: open to read, printable."""
    unit = unit_or_404(request.user, code, Action.VIEW)
    congress = congress_for(unit)
    today = clock.today()
    periods = (
        list(Period.objects.filter(congress=congress, starts_on__lte=today).order_by("index"))
        if congress
        else []
    )
    rows = grid_rows([unit], periods, today)
    cells = list(reversed(rows[0].cells)) if rows else []
    return render(
        request,
        "targets/report_archive.html",
        {
            "unit": unit,
            "cells": cells,
            "ancestors": visible_ancestors(request.user, unit),
            "congress": congress,
        },
    )


def _report_context(unit: Unit, period: Period, targets: list[Target]) -> dict:
    """The figures a clerk needs beside the inputs: quota, total so far, last quarter."""
    quotas = dict(
        Allocation.objects.filter(unit=unit, target__in=targets, year__isnull=True).values_list(
            "target_id", "value"
        )
    )
    before = Entry.objects.filter(
        report__unit=unit,
        report__status=Status.APPROVED,
        report__period__congress=period.congress,
        report__period__index__lt=period.index,
        target__in=targets,
    )
    so_far = dict(before.values("target_id").annotate(s=Sum("value")).values_list("target_id", "s"))
    previous_report = (
        ProgressReport.objects.filter(
            unit=unit, period__congress=period.congress, period__index__lt=period.index
        )
        .select_related("period")
        .order_by("-period__index")
        .first()
    )
    previous = {}
    if previous_report is not None:
        previous = {e.target_id: e for e in previous_report.entries.all()}
    return {"quotas": quotas, "so_far": so_far, "previous": previous, "previous_report": previous_report}


def report_detail(request, code, period):
    unit, period = unit_and_period(request, code, period)
    if request.method != "POST":
        return _report_page(request, unit, period)
    unit_or_404(request.user, code, Action.ENTER)
    targets = targets_for(unit, period)
    form = ReportForm(request.POST, targets=targets)
    if not form.is_valid():
        return _report_page(
            request,
            unit,
            period,
            form=form,
            refusal=_("Số liệu chưa hợp lệ; chưa lưu gì. Xem các lỗi bên dưới."),
        )
    submit = "submit" in request.POST
    try:
        report = report_save(
            unit=unit,
            period=period,
            user=request.user,
            inputs=form.inputs(),
            expected_version=form.cleaned_data["version"],
            narrative=form.narrative(),
        )
    except AlreadyDone as exc:
        # The figures are stored already (a double click): say so, or send them if that was asked.
        report = report_of(unit, period)
        if not (submit and report.status in (Status.DRAFT, Status.RETURNED)):
            messages.info(request, exc.message)
            return redirect(report_url(unit, period))
    except ReportConflict as exc:
        form.data = form.data.copy()
        form.data["version"] = exc.current_version
        return _report_page(request, unit, period, form=form, conflict=exc, status=409)
    except Refused as exc:
        form.add_refusal(exc, summary=False)
        return _report_page(request, unit, period, form=form, refusal=exc.message)
    if not submit:
        messages.success(request, _("Đã lưu nháp báo cáo %(period)s.") % {"period": period.label})
        return redirect(report_url(unit, period))
    try:
        report_submit(unit=unit, period=period, user=request.user)
    except AlreadyDone as exc:
        messages.info(request, exc.message)
        return redirect(report_url(unit, period))
    except Refused as exc:
        form = ReportForm(request.POST, targets=targets)
        form.data = form.data.copy()
        form.data["version"] = report.version
        form.is_valid()
        form.add_refusal(exc, summary=False)
        refusal = _("Đã lưu nháp, nhưng chưa gửi được: %(why)s") % {"why": exc.message}
        return _report_page(request, unit, period, form=form, refusal=refusal)
    messages.success(
        request,
        _("Đã gửi báo cáo %(period)s tới Văn phòng Đảng ủy khối.") % {"period": period.label},
    )
    return redirect(report_url(unit, period))


def _report_page(
    request,
    unit: Unit,
    period: Period,
    *,
    form: ReportForm | None = None,
    conflict: ReportConflict | None = None,
    refusal: str | None = None,
    status: int = 200,
):
    """The report page as it stands now, with the user's refused input or a conflict if any."""
    report = report_of(unit, period)
    targets = targets_for(unit, period)
    window = window_for(unit, period)
    steps = steps_for(request.user, unit, report, window)
    proposals = study_proposals(unit, period, targets)
    readings = computed_readings(unit, period, targets)
    if form is None:
        stored = with_proposals(stored_inputs(report), proposals, targets)
        form = ReportForm(
            initial=ReportForm.initial_for(
                stored,
                targets,
                report.version if report else 0,
                narrative=narrative_of(report),
                readings=readings if Step.EDIT in steps else None,
            ),
            targets=targets,
            read_only=Step.EDIT not in steps,
        )
    version = report.version if report else 0
    today = clock.today()
    context = {
        "unit": unit,
        "period": period,
        "report": report,
        "targets": targets,
        "form": form,
        "window": window,
        "sent_within_extension": bool(report)
        and window.sent_within_extension(
            timezone.localdate(report.submitted_at) if report.submitted_at else None, report.late
        ),
        "steps": steps,
        "can_edit": Step.EDIT in steps,
        "own_submission": bool(
            report
            and report.status == Status.SUBMITTED
            and Step.RETURN in steps
            and Step.APPROVE not in steps
        ),
        "conflict": conflict,
        "refusal": refusal,
        "timeline": report_timeline(report, targets) if report else [],
        "attachments": list(report.attachments.select_related("target", "uploaded_by")) if report else [],
        "attachment_form": AttachmentForm(targets=targets),
        "review_form": ReviewForm(initial={"version": version}, targets=targets),
        "reviewer_view": Step.APPROVE in steps or Step.RETURN in steps,
        "next_in_queue": _next_in_queue(request.user, report) if is_bloc_office(request.user) else None,
        "target_comments": {
            int(pk): text for pk, text in (report.target_comments if report else {}).items() if text
        },
        "reopen_form": ReopenForm(
            today=today, initial={"until": today + timedelta(days=14), "version": version}
        ),
        "upload_form": UploadForm(),
        "ancestors": visible_ancestors(request.user, unit),
        "evidence_max_mb": settings.EVIDENCE_MAX_MB,
        "study_proposals": proposals,
        "readings": {pk: Confidence(value).label for pk, value in readings.items()},
        **_report_context(unit, period, targets),
    }
    if context["reviewer_view"]:
        context["review_rows"] = review_rows(targets, report, context)
        context["review_pairs"] = list(
            zip(context["review_rows"], context["review_form"].comment_fields(), strict=True)
        )
    return render(request, "targets/report_detail.html", context, status=status)


def _next_in_queue(user, report: ProgressReport | None) -> ProgressReport | None:
    """The oldest other report awaiting this reviewer, for "next report in the queue"."""
    queue = review_queue(user, limit=2)
    return next((r for r in queue if report is None or r.pk != report.pk), None)


def review_rows(targets: list[Target], report: ProgressReport | None, context: dict) -> list[dict]:
    """What a reviewer reads per target: this quarter beside the previous one and the quota, the
    unit's confidence and note, and the office's comment field."""
    entries = {e.target_id: e for e in report.entries.all()} if report else {}
    rows = []
    for target in targets:
        entry = entries.get(target.pk)
        rows.append(
            {
                "target": target,
                "now": figure_text(target, entry),
                "before": figure_text(target, context["previous"].get(target.pk)),
                "quota": context["quotas"].get(target.pk),
                "so_far": context["so_far"].get(target.pk),
                "entry": entry,
            }
        )
    return rows


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@require_POST
def report_review(request, code, period):
    unit, period = unit_and_period(request, code, period, Action.REVIEW)
    form = ReviewForm(request.POST, targets=targets_for(unit, period))
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(report_url(unit, period))
    data = form.cleaned_data
    try:
        if data["decision"] == "approve":
            report_approve(
                unit=unit,
                period=period,
                user=request.user,
                expected_version=data["version"],
                comment=data["comment"],
            )
            messages.success(request, _("Đã duyệt báo cáo của %(unit)s.") % {"unit": unit.display_name})
        else:
            report_return(
                unit=unit,
                period=period,
                user=request.user,
                expected_version=data["version"],
                comment=data["comment"],
                target_comments=form.target_comments(),
            )
            messages.success(request, _("Đã trả lại báo cáo cho %(unit)s.") % {"unit": unit.display_name})
    except AlreadyDone as exc:
        messages.info(request, exc.message)
    except ReportConflict as exc:
        # The page now shows the version there is, with what changed since the one reviewed.
        return _report_page(request, unit, period, conflict=exc, status=409)
    except Refused as exc:
        messages.error(request, exc.message)
    if request.POST.get("next") == "queue":
        return redirect("targets:reports")
    return redirect(report_url(unit, period))


@require_POST
def report_reopen_view(request, code, period):
    unit, period = unit_and_period(request, code, period, Action.REVIEW)
    form = ReopenForm(request.POST, today=clock.today())
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(report_url(unit, period))
    try:
        report_reopen(
            unit=unit,
            period=period,
            user=request.user,
            reason=form.cleaned_data["reason"],
            until=form.cleaned_data["until"],
            expected_version=form.cleaned_data["version"],
        )
        messages.success(
            request,
            _("Đã mở lại %(period)s cho %(unit)s đến hết ngày %(until)s.")
            % {
                "period": period.label,
                "unit": unit.display_name,
                "until": form.cleaned_data["until"].strftime("%d/%m/%Y"),
            },
        )
    except AlreadyDone as exc:
        messages.info(request, exc.message)
    except ReportConflict as exc:
        return _report_page(request, unit, period, conflict=exc, status=409)
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect(report_url(unit, period))
