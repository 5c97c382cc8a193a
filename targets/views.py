import re
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch, Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.uploads import UploadRefused, check_upload
from resolutions.models import Resolution
from resolutions.tracking import study_by_child, study_coverage
from targets.documents import PERIOD_SPEC
from targets.entries import (
    EntryInput,
    FieldError,
    people_of,
    study_proposals,
    targets_for,
    unit_scope_targets,
    validate_report,
)
from targets.forms import (
    AttachmentForm,
    ProposalReviewForm,
    ReopenForm,
    ReportForm,
    ReviewForm,
    TargetProposalForm,
    UploadForm,
)
from targets.history import report_timeline
from targets.models import Allocation, Attachment, Entry, Period, ProgressReport, Target, TargetProposal
from targets.periods import period_for
from targets.queues import (
    grid_counts,
    my_reports,
    review_queue,
    review_queue_count,
    status_grid,
    term_periods,
)
from targets.services import (
    ProposalInput,
    ProposalRefused,
    ReportConflict,
    ReportRefused,
    attachment_add,
    attachment_remove,
    changes_between,
    higher_targets,
    report_approve,
    report_reopen,
    report_return,
    report_save,
    report_submit,
    target_proposal_approve,
    target_proposal_return,
    target_propose,
)
from targets.workflow import Step, steps_for, window_for
from targets.xlsx import SheetRefused, build_template, read_template
from units.access import Action, can, home_units, is_bloc_office, roles, unit_or_404, units_for
from units.models import Unit

Status = ProgressReport.Status
STUDY_ROWS = 15  # the dashboard lists the units least advanced in study; the study page lists all
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- Home and resolution ---------------------------------------------------------------


def _current_resolution(user) -> Resolution | None:
    """The resolution of the nearest congress at or above the user's top unit."""
    units = home_units(user, Action.VIEW)
    if not units:
        return None
    top = units[0]
    own_and_ancestor_paths = [top.path[: n * Unit.steplen] for n in range(1, top.depth + 1)]
    return (
        Resolution.objects.filter(congress__unit__path__in=own_and_ancestor_paths)
        .select_related("congress__parent__parent", "congress__unit")
        .prefetch_related(
            "programmes",
            Prefetch(
                "targets",
                queryset=Target.objects.filter(owner_unit__isnull=True).select_related(
                    "programme", "parent", "serves"
                ),
            ),
        )
        .order_by("-congress__unit__depth", "-congress__held_from")
        .first()
    )


def _resolution_context(resolution: Resolution) -> dict:
    targets = list(resolution.targets.all())
    by_programme = []
    for programme in resolution.programmes.all():
        rows = [t for t in targets if t.programme_id == programme.pk]
        by_programme.append((programme, rows))
    loose = [t for t in targets if t.programme_id is None]
    if loose:
        by_programme.append((None, loose))
    return {"resolution": resolution, "congress": resolution.congress, "by_programme": by_programme}


def home(request):
    """Each role's landing page: what needs them first, then the resolution's targets.

    The standing committee lands on the bloc dashboard (UI.md, navigation by role).
    """
    from units.models import Membership

    held = roles(request.user)
    if Membership.Role.STANDING_COMMITTEE in held and not is_bloc_office(request.user):
        return redirect("targets:dashboard")
    today = timezone.localdate()
    resolution = _current_resolution(request.user)
    context = _resolution_context(resolution) if resolution else {}
    if is_bloc_office(request.user):
        periods = term_periods(request.user, today)
        latest = periods[-1:] if periods else []
        context["queue"] = review_queue(request.user, limit=10)
        context["queue_total"] = review_queue_count(request.user)
        context["latest_period"] = latest[0] if latest else None
        context["counts"] = grid_counts(status_grid(request.user, latest, today))
    elif home_units(request.user, Action.ENTER):
        context["my_rows"] = my_reports(request.user, today)
    return render(request, "targets/home.html", context)


def resolution(request):
    """The resolution, and the chain of its targets: province → bloc → units (for any target)."""
    resolution = _current_resolution(request.user)
    if resolution is None:
        raise Http404("no resolution")
    context = _resolution_context(resolution)
    higher_congresses = [c.pk for c in resolution.congress.chain()[1:]]
    higher = list(
        Target.objects.filter(resolution__congress__in=higher_congresses, owner_unit__isnull=True)
        .select_related("resolution__congress")
        .order_by("code")
    )
    bloc_targets = [t for _p, rows in context["by_programme"] for t in rows]
    unit_targets = list(
        Target.objects.filter(owner_unit__in=units_for(request.user, Action.VIEW), resolution=resolution)
        .select_related("owner_unit")
        .order_by("owner_unit__path", "position")
    )
    chain = []
    for top in higher:
        serving = [t for t in bloc_targets if t.serves_id == top.pk]
        chain.append(
            {
                "target": top,
                "bloc": [(t, [u for u in unit_targets if u.serves_id == t.pk]) for t in serving],
                "units": [u for u in unit_targets if u.serves_id == top.pk],
            }
        )
    loose = [
        (t, [u for u in unit_targets if u.serves_id == t.pk])
        for t in bloc_targets
        if t.serves_id is None and any(u.serves_id == t.pk for u in unit_targets)
    ]
    context.update({"chain": chain, "loose_chain": loose})
    return render(request, "targets/resolution.html", context)


# --- Report lists ----------------------------------------------------------------------


def report_list(request):
    """The office's review queue and unit × quarter grid; a clerk's own reports."""
    today = timezone.localdate()
    periods = term_periods(request.user, today)
    show_all = request.GET.get("all") == "1"
    shown = periods if show_all else periods[-4:]
    context = {
        "periods": shown,
        "show_all": show_all,
        "queue": review_queue(request.user) if is_bloc_office(request.user) else [],
        "is_office": is_bloc_office(request.user),
    }
    if home_units(request.user, Action.ENTER) and not is_bloc_office(request.user):
        context["my_rows"] = my_reports(request.user, today)
    else:
        rows = status_grid(request.user, shown, today)
        context["rows"] = rows
        context["counts"] = grid_counts(rows)
    return render(request, "targets/report_list.html", context)


# --- One report --------------------------------------------------------------------------


def _unit_and_period(
    request, code: str, period_slug: str, action: Action = Action.VIEW
) -> tuple[Unit, Period]:
    unit = unit_or_404(request.user, code, action)
    period = period_for(unit, period_slug)
    if period is None:
        raise Http404("no such quarter")
    return unit, period


def _report(unit: Unit, period: Period) -> ProgressReport | None:
    return (
        ProgressReport.objects.filter(unit=unit, period=period)
        .select_related("submitted_by", "reviewed_by")
        .prefetch_related("entries")
        .first()
    )


def _stored(report: ProgressReport | None) -> dict[int, EntryInput]:
    return {e.target_id: EntryInput.from_entry(e) for e in report.entries.all()} if report else {}


def _with_proposals(
    stored: dict[int, EntryInput], proposals: dict, targets: list[Target]
) -> dict[int, EntryInput]:
    """The study target is proposed from the study sessions until the clerk has entered it."""
    by_id = {t.pk: t for t in targets}
    for target_id, (studied, members) in proposals.items():
        if not stored.get(target_id, EntryInput()).is_filled(by_id[target_id]):
            stored[target_id] = EntryInput(numerator=studied, denominator=members)
    return stored


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
    unit, period = _unit_and_period(request, code, period)
    report = _report(unit, period)
    targets = targets_for(unit, period)
    window = window_for(unit, period)
    steps = steps_for(request.user, unit, report, window)
    proposals = study_proposals(unit, period, targets)
    conflict = None
    refusal = None

    if request.method == "POST":
        unit_or_404(request.user, code, Action.ENTER)
        form = ReportForm(request.POST, targets=targets)
        if form.is_valid():
            try:
                report = report_save(
                    unit=unit,
                    period=period,
                    user=request.user,
                    inputs=form.inputs(),
                    expected_version=form.cleaned_data["version"],
                )
            except ReportConflict as exc:
                conflict = exc
                form.data = form.data.copy()
                form.data["version"] = exc.current_version
            except ReportRefused as exc:
                refusal = exc.message
                form.add_rule_errors(exc.errors)
            else:
                if "submit" not in request.POST:
                    messages.success(request, _("Đã lưu nháp báo cáo %(period)s.") % {"period": period.label})
                    return redirect(_report_url(unit, period))
                try:
                    report_submit(unit=unit, period=period, user=request.user)
                except ReportRefused as exc:
                    refusal = _("Đã lưu nháp, nhưng chưa gửi được: %(why)s") % {"why": exc.message}
                    form = ReportForm(request.POST, targets=targets)
                    form.data = form.data.copy()
                    form.data["version"] = report.version
                    form.is_valid()
                    form.add_rule_errors(exc.errors)
                else:
                    messages.success(
                        request,
                        _("Đã gửi báo cáo %(period)s tới Văn phòng Đảng ủy khối.") % {"period": period.label},
                    )
                    return redirect(_report_url(unit, period))
        else:
            refusal = _("Số liệu chưa hợp lệ; chưa lưu gì. Xem các lỗi bên dưới.")
        report = _report(unit, period)
        steps = steps_for(request.user, unit, report, window)
    else:
        stored = _with_proposals(_stored(report), proposals, targets)
        form = ReportForm(
            initial=ReportForm.initial_for(stored, targets, report.version if report else 0),
            targets=targets,
            read_only=Step.EDIT not in steps,
        )

    today = timezone.localdate()
    context = {
        "unit": unit,
        "period": period,
        "report": report,
        "targets": targets,
        "form": form,
        "window": window,
        "steps": steps,
        "can_edit": Step.EDIT in steps,
        "conflict": conflict,
        "refusal": refusal,
        "timeline": report_timeline(report, targets) if report else [],
        "attachments": list(report.attachments.select_related("target", "uploaded_by")) if report else [],
        "attachment_form": AttachmentForm(targets=targets),
        "review_form": ReviewForm(),
        "reopen_form": ReopenForm(today=today, initial={"until": today + timedelta(days=14)}),
        "upload_form": UploadForm(),
        "ancestors": [a for a in Unit.objects.get_ancestors(unit) if can(request.user, a)]
        if unit.depth > 1
        else [],
        "evidence_max_mb": settings.EVIDENCE_MAX_MB,
        "study_proposals": proposals,
        **_report_context(unit, period, targets),
    }
    return render(request, "targets/report_detail.html", context, status=409 if conflict else 200)


def _report_url(unit: Unit, period: Period) -> str:
    return reverse("targets:report", kwargs={"code": unit.code, "period": period.slug})


@require_POST
def report_review(request, code, period):
    unit, period = _unit_and_period(request, code, period, Action.REVIEW)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_report_url(unit, period))
    try:
        if form.cleaned_data["decision"] == "approve":
            report_approve(unit=unit, period=period, user=request.user, comment=form.cleaned_data["comment"])
            messages.success(request, _("Đã duyệt báo cáo của %(unit)s.") % {"unit": unit.display_name})
        else:
            report_return(unit=unit, period=period, user=request.user, comment=form.cleaned_data["comment"])
            messages.success(request, _("Đã trả lại báo cáo cho %(unit)s.") % {"unit": unit.display_name})
    except ReportRefused as exc:
        messages.error(request, exc.message)
    next_url = request.POST.get("next")
    if next_url == "queue":
        return redirect("targets:reports")
    return redirect(_report_url(unit, period))


@require_POST
def report_reopen_view(request, code, period):
    unit, period = _unit_and_period(request, code, period, Action.REVIEW)
    form = ReopenForm(request.POST, today=timezone.localdate())
    if form.is_valid():
        try:
            report_reopen(
                unit=unit,
                period=period,
                user=request.user,
                reason=form.cleaned_data["reason"],
                until=form.cleaned_data["until"],
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
        except ReportRefused as exc:
            messages.error(request, exc.message)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(_report_url(unit, period))


# --- Excel round-trip ----------------------------------------------------------------------


@require_GET
def report_template(request, code, period):
    unit, period = _unit_and_period(request, code, period)
    report = _report(unit, period)
    targets = targets_for(unit, period)
    content = build_template(
        unit=unit,
        period=period,
        targets=targets,
        inputs=_with_proposals(_stored(report), study_proposals(unit, period, targets), targets),
        version=report.version if report else 0,
    )
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="bao-cao-{unit.code}-{period.slug}.xlsx"'
    return response


def _session_key(unit: Unit, period: Period, token: str) -> str:
    return f"xlsx-upload:{unit.code}:{period.slug}:{token}"


def _to_json(inputs: dict[int, EntryInput]) -> dict:
    return {
        str(pk): {k: (v.isoformat() if isinstance(v, date) else v) for k, v in inp.as_dict().items()}
        for pk, inp in inputs.items()
    }


def _from_json(data: dict) -> dict[int, EntryInput]:
    out = {}
    for pk, values in data.items():
        if values.get("done_on"):
            values["done_on"] = date.fromisoformat(values["done_on"])
        out[int(pk)] = EntryInput(**values)
    return out


@require_POST
def report_upload(request, code, period):
    """Read an uploaded sheet and show what would change; nothing is saved yet."""
    unit, period = _unit_and_period(request, code, period, Action.ENTER)
    report = _report(unit, period)
    window = window_for(unit, period)
    if Step.EDIT not in steps_for(request.user, unit, report, window):
        messages.error(request, _("Báo cáo hiện không thể sửa, nên không nhận tệp Excel."))
        return redirect(_report_url(unit, period))
    targets = targets_for(unit, period)
    errors: list[str] = []
    parsed = None
    try:
        check_upload(
            request.FILES.get("file"), allowed={"xlsx"}, max_bytes=settings.EVIDENCE_MAX_MB * 1_048_576
        )
        parsed = read_template(request.FILES["file"], unit=unit, period=period, targets=targets)
    except (UploadRefused, SheetRefused) as exc:
        errors = [str(exc)]
    if parsed is not None:
        errors = list(parsed.errors)
        if not errors:
            rule_errors: list[FieldError] = validate_report(
                targets=targets,
                inputs=parsed.inputs,
                people=people_of(unit),
                period=period,
                proposals=study_proposals(unit, period, targets),
            )
            errors = [f"{parsed.cell_of(e, targets)}: {e.message}" for e in rule_errors]
    if errors:
        return render(
            request,
            "targets/upload_result.html",
            {"unit": unit, "period": period, "errors": errors},
            status=400,
        )
    stored = _stored(report)
    changes = changes_between(targets, stored, parsed.inputs)
    token = secrets.token_urlsafe(16)
    request.session[_session_key(unit, period, token)] = {
        "version": report.version if report else 0,
        "inputs": _to_json(parsed.inputs),
    }
    return render(
        request,
        "targets/upload_result.html",
        {
            "unit": unit,
            "period": period,
            "changes": changes,
            "token": token,
            "stale": parsed.version is not None and parsed.version != (report.version if report else 0),
        },
    )


@require_POST
def report_upload_confirm(request, code, period):
    unit, period = _unit_and_period(request, code, period, Action.ENTER)
    token = request.POST.get("token", "")
    pending = request.session.pop(_session_key(unit, period, token), None)
    if pending is None:
        messages.error(request, _("Phiên tải tệp đã hết hạn; hãy tải tệp lên lại."))
        return redirect(_report_url(unit, period))
    try:
        report_save(
            unit=unit,
            period=period,
            user=request.user,
            inputs=_from_json(pending["inputs"]),
            expected_version=pending["version"],
            reason=_("Nhập từ tệp Excel"),
        )
    except ReportConflict as exc:
        messages.error(request, exc.message)
    except ReportRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã lưu số liệu từ tệp Excel (bản nháp). Hãy kiểm tra rồi gửi báo cáo."))
    return redirect(_report_url(unit, period))


# --- Evidence files ------------------------------------------------------------------------


@require_POST
def attachment_upload(request, code, period):
    unit, period = _unit_and_period(request, code, period, Action.ENTER)
    targets = targets_for(unit, period)
    form = AttachmentForm(request.POST, request.FILES, targets=targets)
    if form.is_valid():
        target = next((t for t in targets if t.pk == form.cleaned_data["target"]), None)
        try:
            attachment = attachment_add(
                unit=unit,
                period=period,
                user=request.user,
                upload=form.cleaned_data["file"],
                target=target,
                max_bytes=settings.EVIDENCE_MAX_MB * 1_048_576,
            )
            messages.success(request, _("Đã đính kèm “%(name)s”.") % {"name": attachment.name})
        except (UploadRefused, ReportRefused) as exc:
            messages.error(request, _("Không nhận tệp: %(why)s") % {"why": getattr(exc, "message", str(exc))})
    else:
        messages.error(
            request,
            _("Không nhận tệp: %(why)s")
            % {"why": " ".join(e for errs in form.errors.values() for e in errs)},
        )
    return redirect(_report_url(unit, period) + "#attachments")


def _attachment(request, code, period, pk, action) -> Attachment:
    unit, period = _unit_and_period(request, code, period, action)
    return get_object_or_404(
        Attachment.objects.select_related("report__unit", "report__period"),
        pk=pk,
        report__unit=unit,
        report__period=period,
    )


@require_GET
def attachment_download(request, code, period, pk):
    attachment = _attachment(request, code, period, pk, Action.VIEW)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@require_POST
def attachment_delete(request, code, period, pk):
    attachment = _attachment(request, code, period, pk, Action.ENTER)
    try:
        attachment_remove(attachment=attachment, user=request.user)
        messages.success(request, _("Đã xóa tệp “%(name)s”.") % {"name": attachment.name})
    except ReportRefused as exc:
        messages.error(request, exc.message)
    return redirect(_report_url(attachment.report.unit, attachment.report.period) + "#attachments")


# --- Dashboards ------------------------------------------------------------------------------


def _as_of(request, unit: Unit) -> Period:
    """The quarter asked for (?as_of=2023-q2), or the latest one that has started."""
    from targets.periods import congress_for

    slug = request.GET.get("as_of")
    if slug:
        period = period_for(unit, slug)
        if period is None:
            raise Http404("no such quarter")
        return period
    congress = congress_for(unit)
    if congress is None:
        raise Http404("no term for this unit")
    period = (
        Period.objects.filter(congress=congress, starts_on__lte=timezone.localdate())
        .order_by("-index")
        .first()
        or Period.objects.filter(congress=congress).order_by("index").first()
    )
    if period is None:
        raise Http404("no quarters")
    return period


def _dashboard_unit(request, code: str | None) -> Unit:
    if code is None:
        tops = home_units(request.user, Action.VIEW)
        if not tops:
            raise Http404("no unit")
        return tops[0]
    return unit_or_404(request.user, code, Action.VIEW)


def dashboard(request, code=None):
    from targets.dashboard import build
    from targets.periods import congress_for

    unit = _dashboard_unit(request, code)
    as_of = _as_of(request, unit)
    congress = congress_for(unit)
    sort = request.GET.get("sort", "share")
    descending = request.GET.get("dir") == "desc"
    board = build(unit, as_of, congress.unit_id, sort=sort, descending=descending)
    study = study_by_child(unit, congress) if unit.numchild else []
    study.sort(key=lambda item: (item[1].percent is None, item[1].percent or 0))
    ancestors = (
        [a for a in Unit.objects.get_ancestors(unit) if can(request.user, a)] if unit.depth > 1 else []
    )
    return render(
        request,
        "targets/dashboard.html",
        {
            "board": board,
            "unit": unit,
            "ancestors": ancestors,
            "sort": sort,
            "descending": descending,
            "study": study[:STUDY_ROWS],
            "study_total": study_coverage(unit, congress),
            "study_more": max(0, len(study) - STUDY_ROWS),
            "export_url": (
                reverse("targets:dashboard_unit_export", args=[unit.code])
                if code
                else reverse("targets:dashboard_export")
            )
            + f"?as_of={as_of.slug}",
        },
    )


def dashboard_export(request, code=None):
    from targets.dashboard import lines_by_quarter
    from targets.periods import congress_for
    from targets.xlsx import build_dashboard_export

    unit = _dashboard_unit(request, code)
    as_of = _as_of(request, unit)
    congress = congress_for(unit)
    periods = list(Period.objects.filter(congress=congress).order_by("index"))
    sheets = lines_by_quarter(unit, unit_scope_targets(unit, congress), periods, as_of, congress.unit_id)
    content = build_dashboard_export(unit=unit, sheets=sheets)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="tong-hop-{unit.code}-{as_of.slug}.xlsx"'
    return response


# --- Units' own targets ----------------------------------------------------------------------------


def _latest_period(congress) -> Period | None:
    return (
        Period.objects.filter(congress=congress, starts_on__lte=timezone.localdate())
        .order_by("-index")
        .first()
        or Period.objects.filter(congress=congress).order_by("index").first()
    )


def _proposal_input(form) -> ProposalInput:
    data = form.cleaned_data
    return ProposalInput(**{name: data.get(name) for name in ProposalInput.__dataclass_fields__})


def unit_targets(request, code):
    """A unit's own targets: what it set, how they stand, what it proposed; the form to propose one."""
    from targets.dashboard import own_target_states
    from targets.periods import congress_for

    unit = unit_or_404(request.user, code, Action.VIEW)
    congress = congress_for(unit)
    if congress is None:
        raise Http404("no term")
    own = list(
        Target.objects.filter(owner_unit=unit).select_related("serves", "owner_unit").order_by("position")
    )
    change = None
    change_id = request.POST.get("change") or request.GET.get("change")
    if change_id:
        change = next((t for t in own if str(t.pk) == str(change_id)), None)
        if change is None:
            raise Http404("not a target of this unit")
    higher = higher_targets(unit)
    may_propose = can(request.user, unit, Action.ENTER)
    if request.method == "POST":
        unit_or_404(request.user, code, Action.ENTER)
        form = TargetProposalForm(request.POST, unit=unit, higher=higher, target=change)
        if form.is_valid():
            try:
                target_propose(unit=unit, user=request.user, data=_proposal_input(form), target=change)
            except ProposalRefused as exc:
                for field, message in exc.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("Đã gửi đề xuất chỉ tiêu tới Văn phòng Đảng ủy khối."))
                return redirect("targets:unit_targets", code=unit.code)
    else:
        initial = {}
        if change is not None:
            initial = {
                name: getattr(change, name)
                for name in ProposalInput.__dataclass_fields__
                if hasattr(change, name)
            }
            initial["serves"] = change.serves_id
        form = TargetProposalForm(initial=initial, unit=unit, higher=higher, target=change)
    as_of = _latest_period(congress)
    periods = list(Period.objects.filter(congress=congress).order_by("index"))
    states = own_target_states(own, as_of, periods) if as_of and own else {}
    proposals = list(unit.target_proposals.select_related("target", "serves", "proposed_by", "reviewed_by"))
    return render(
        request,
        "targets/unit_targets.html",
        {
            "unit": unit,
            "own": [(t, states.get(t.pk)) for t in own],
            "as_of": as_of,
            "proposals": proposals,
            "form": form,
            "change": change,
            "may_propose": may_propose,
            "may_review": can(request.user, unit, Action.REVIEW),
            "ancestors": [a for a in Unit.objects.get_ancestors(unit) if can(request.user, a)]
            if unit.depth > 1
            else [],
        },
    )


def proposal_detail(request, code, pk):
    unit = unit_or_404(request.user, code, Action.VIEW)
    proposal = get_object_or_404(
        TargetProposal.objects.select_related("target", "serves", "proposed_by", "reviewed_by"),
        pk=pk,
        unit=unit,
    )
    form = ProposalReviewForm()
    if request.method == "POST":
        unit_or_404(request.user, code, Action.REVIEW)
        form = ProposalReviewForm(request.POST)
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == "approve":
                    target = target_proposal_approve(
                        proposal=proposal, user=request.user, comment=form.cleaned_data["review_comment"]
                    )
                    messages.success(
                        request,
                        _("Đã duyệt chỉ tiêu %(code)s của %(unit)s.")
                        % {"code": target.code, "unit": unit.display_name},
                    )
                else:
                    target_proposal_return(
                        proposal=proposal, user=request.user, comment=form.cleaned_data["review_comment"]
                    )
                    messages.success(
                        request, _("Đã trả lại đề xuất cho %(unit)s.") % {"unit": unit.display_name}
                    )
                return redirect("targets:proposal", code=unit.code, pk=proposal.pk)
            except ProposalRefused as exc:
                for field, message in exc.errors.items():
                    form.add_error(field if field in form.fields else None, message)
    history = (
        list(proposal.target.history.select_related("history_user").order_by("-history_date"))
        if proposal.target
        else []
    )
    return render(
        request,
        "targets/proposal_detail.html",
        {
            "unit": unit,
            "proposal": proposal,
            "form": form,
            "may_review": can(request.user, unit, Action.REVIEW)
            and proposal.status == TargetProposal.Status.PENDING,
            "target_history": history,
        },
    )


def unit_targets_overview(request):
    """The bloc's view of units' own targets: who set how many, how they stand, what serves what."""
    from targets.dashboard import own_target_states
    from targets.periods import congress_for

    tops = home_units(request.user, Action.VIEW)
    if not tops:
        raise Http404("no unit")
    congress = congress_for(tops[0])
    visible = units_for(request.user, Action.VIEW)
    targets = list(
        Target.objects.filter(owner_unit__in=visible)
        .select_related("owner_unit", "serves")
        .order_by("owner_unit__path", "position")
    )
    serves = None
    serves_id = request.GET.get("serves")
    if serves_id:
        is_id = re.fullmatch(r"[0-9]{1,12}", serves_id) is not None
        serves = Target.objects.filter(pk=serves_id if is_id else -1, owner_unit__isnull=True).first()
        if serves is None:
            raise Http404("no such target")
        targets = [t for t in targets if t.serves_id == serves.pk]
    as_of = _latest_period(congress) if congress else None
    periods = list(Period.objects.filter(congress=congress).order_by("index")) if congress else []
    states = own_target_states(targets, as_of, periods) if as_of and targets else {}
    by_unit: dict[int, dict] = {}
    for target in targets:
        row = by_unit.setdefault(
            target.owner_unit_id, {"unit": target.owner_unit, "targets": [], "counts": {}}
        )
        state = states.get(target.pk)
        row["targets"].append((target, state))
        if state:
            row["counts"][state.state] = row["counts"].get(state.state, 0) + 1
    pending = list(
        TargetProposal.objects.filter(
            unit__in=units_for(request.user, Action.REVIEW), status=TargetProposal.Status.PENDING
        )
        .select_related("unit", "proposed_by", "serves")
        .order_by("proposed_at")
    )
    higher = list(Target.objects.filter(served_by__owner_unit__in=visible).distinct().order_by("code"))
    return render(
        request,
        "targets/unit_targets_overview.html",
        {
            "rows": list(by_unit.values()),
            "pending": pending,
            "serves": serves,
            "higher": higher,
            "as_of": as_of,
        },
    )


# --- Documents ------------------------------------------------------------------------------------


def plan_template_docx(request, code):
    """The implementation-plan template, in the Party's document format, with the unit's quotas."""
    from targets.documents import DOCX_TYPE, plan_template

    unit = unit_or_404(request.user, code, Action.VIEW)
    content = plan_template(unit, timezone.localdate())
    response = HttpResponse(content, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="ke-hoach-{unit.code}.docx"'
    return response


def summary_docx(request, code, period):
    """A draft periodic report (sơ kết / tổng kết) with every figure filled from the roll-ups."""
    from targets.documents import DOCX_TYPE, report_period, summary_report
    from targets.periods import congress_for

    unit = unit_or_404(request.user, code, Action.VIEW)
    congress = congress_for(unit)
    spec = report_period(congress, period) if congress else None
    if spec is None:
        raise Http404("no such period")
    content = summary_report(unit, spec, timezone.localdate())
    response = HttpResponse(content, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="bao-cao-{unit.code}-{spec.slug}.docx"'
    return response


def summary_index(request):
    """Choose a unit and a period; the office then edits the generated report in Word."""
    from targets.periods import congress_for

    top = home_units(request.user, Action.VIEW)
    if not top:
        raise Http404("no unit")
    unit = top[0]
    congress = congress_for(unit)
    periods = list(Period.objects.filter(congress=congress).order_by("index")) if congress else []
    years = sorted({p.year for p in periods})
    choices = []
    for period in periods:
        choices.append((period.slug, period.label))
        if period.quarter == 2:
            choices.append((f"{period.year}-h1", _("6 tháng đầu năm %(y)s") % {"y": period.year}))
        if period.quarter == 3:
            choices.append((f"{period.year}-9m", _("9 tháng năm %(y)s") % {"y": period.year}))
        if period.quarter == 4:
            choices.append((str(period.year), _("Năm %(y)s") % {"y": period.year}))
    choices += [("midterm", _("Sơ kết giữa nhiệm kỳ")), ("term", _("Tổng kết nhiệm kỳ"))]
    units = [unit] + list(
        Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path")
    )
    chosen_unit = request.GET.get("unit")
    chosen_period = request.GET.get("period")
    if chosen_unit and chosen_period:
        if re.fullmatch(r"[-a-zA-Z0-9_]{1,60}", chosen_unit) and PERIOD_SPEC.fullmatch(chosen_period):
            return redirect("targets:summary_docx", code=chosen_unit, period=chosen_period)
        raise Http404("no such unit or period")
    return render(request, "targets/summary_index.html", {"units": units, "choices": choices, "years": years})
