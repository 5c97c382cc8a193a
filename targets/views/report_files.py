"""A report's files: the Excel round trip and evidence files."""

import secrets
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.refusals import FieldError, Refused
from config.uploads import check_upload
from targets.entries import EntryInput, people_of, study_proposals, targets_for, validate_report
from targets.forms import (
    AttachmentForm,
)
from targets.models import Attachment, Period
from targets.services.reports import (
    AlreadyDone,
    attachment_add,
    attachment_remove,
    changes_between,
    report_save,
)
from targets.views._common import (
    XLSX_TYPE,
    report_of,
    report_url,
    stored_inputs,
    unit_and_period,
    with_proposals,
)
from targets.workflow import Step, steps_for, window_for
from targets.xlsx import build_template, read_template
from units.access import Action
from units.models import Unit


@require_GET
def report_template(request, code, period):
    unit, period = unit_and_period(request, code, period)
    report = report_of(unit, period)
    targets = targets_for(unit, period)
    content = build_template(
        unit=unit,
        period=period,
        targets=targets,
        inputs=with_proposals(stored_inputs(report), study_proposals(unit, period, targets), targets),
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
    unit, period = unit_and_period(request, code, period, Action.ENTER)
    report = report_of(unit, period)
    window = window_for(unit, period)
    if Step.EDIT not in steps_for(request.user, unit, report, window):
        messages.error(request, _("Báo cáo hiện không thể sửa, nên không nhận tệp Excel."))
        return redirect(report_url(unit, period))
    targets = targets_for(unit, period)
    errors: list[str] = []
    parsed = None
    try:
        check_upload(
            request.FILES.get("file"), allowed={"xlsx"}, max_bytes=settings.EVIDENCE_MAX_MB * 1_048_576
        )
        parsed = read_template(request.FILES["file"], unit=unit, period=period, targets=targets)
    except Refused as exc:
        errors = [exc.message]
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
    stored = stored_inputs(report)
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
    unit, period = unit_and_period(request, code, period, Action.ENTER)
    token = request.POST.get("token", "")
    key = _session_key(unit, period, token)
    pending = request.session.get(key)
    if pending is None:
        messages.error(request, _("Phiên tải tệp đã hết hạn; hãy tải tệp lên lại."))
        return redirect(report_url(unit, period))
    if pending.get("saved"):
        # The second click of "Xác nhận lưu": the first one stored these figures.
        messages.info(request, _("Số liệu từ tệp Excel này đã được lưu."))
        return redirect(report_url(unit, period))
    try:
        report_save(
            unit=unit,
            period=period,
            user=request.user,
            inputs=_from_json(pending["inputs"]),
            expected_version=pending["version"],
            reason=_("Nhập từ tệp Excel"),
        )
    except AlreadyDone as exc:
        request.session[key] = {"saved": True}
        messages.info(request, exc.message)
    except Refused as exc:
        request.session.pop(key, None)
        messages.error(request, exc.message)
    else:
        request.session[key] = {"saved": True}
        messages.success(request, _("Đã lưu số liệu từ tệp Excel (bản nháp). Hãy kiểm tra rồi gửi báo cáo."))
    return redirect(report_url(unit, period))


@require_POST
def attachment_upload(request, code, period):
    unit, period = unit_and_period(request, code, period, Action.ENTER)
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
        except AlreadyDone as exc:
            messages.info(request, exc.message)
        except Refused as exc:
            messages.error(request, _("Không nhận tệp: %(why)s") % {"why": exc.message})
    else:
        messages.error(
            request,
            _("Không nhận tệp: %(why)s")
            % {"why": " ".join(e for errs in form.errors.values() for e in errs)},
        )
    return redirect(report_url(unit, period) + "#attachments")


def _attachment(request, code, period, pk, action) -> Attachment:
    unit, period = unit_and_period(request, code, period, action)
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
    unit, period = unit_and_period(request, code, period, Action.ENTER)
    attachment = (
        Attachment.objects.select_related("report__unit", "report__period")
        .filter(pk=pk, report__unit=unit, report__period=period)
        .first()
    )
    if attachment is None:
        if Attachment.objects.filter(pk=pk).exists():
            raise Http404("no such file in this report")  # another unit's file stays unseen
        # The second click of "Xóa" (or another tab): the file is gone already.
        messages.info(request, _("Tệp này đã được xóa khỏi báo cáo."))
        return redirect(report_url(unit, period) + "#attachments")
    try:
        attachment_remove(attachment=attachment, user=request.user)
        messages.success(request, _("Đã xóa tệp “%(name)s”.") % {"name": attachment.name})
    except AlreadyDone as exc:
        messages.info(request, exc.message)
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect(report_url(unit, period) + "#attachments")
