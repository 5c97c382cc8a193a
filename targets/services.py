"""The one write path for quarterly reports: save, submit, approve, return, reopen.

Views, the Excel upload and commands parse their input and call these; each is
atomic and re-checks the workflow rules, so a tampered request meets the same
refusal as the buttons the page hides.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from config.uploads import check_upload
from targets.entries import (
    EntryInput,
    FieldError,
    input_fields,
    missing_for_submission,
    people_of,
    study_proposals,
    targets_for,
    validate_report,
)
from targets.models import (
    Attachment,
    DeadlineExtension,
    Entry,
    Period,
    ProgressReport,
    Target,
    TargetProposal,
)
from targets.tasks import enqueue_rollup
from targets.workflow import Step, steps_for, window_for
from units.models import Unit

Status = ProgressReport.Status
ENTRY_FIELDS = list(EntryInput.__dataclass_fields__)
EVIDENCE_KINDS = {"pdf", "docx", "xlsx", "jpg", "png"}


class ReportRefused(Exception):
    """The operation is refused; `message` says why in the user's language."""

    def __init__(self, message: str, errors: list[FieldError] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


@dataclass
class Change:
    target: Target
    field: str
    old: object
    new: object


class ReportConflict(ReportRefused):
    """Someone else saved the report since this user loaded it; `changes` says what they changed."""

    def __init__(self, message: str, *, changes: list[Change], current_version: int):
        super().__init__(message)
        self.changes = changes
        self.current_version = current_version


def _record(report: ProgressReport, user, reason: str, at=None) -> None:
    """Save the report with a history line: who did it and why."""
    report._change_reason = reason
    report._history_user = user
    if at is not None:
        report._history_date = at
    report.save()


def _require(step: Step, user, unit: Unit, report: ProgressReport | None, period: Period, today: date | None):
    window = window_for(unit, period, today=today)
    if step not in steps_for(user, unit, report, window):
        raise ReportRefused(_refusal(step, report, window))
    return window


def _refusal(step: Step, report: ProgressReport | None, window) -> str:
    status = report.status if report else None
    if status == Status.APPROVED and step in (Step.EDIT, Step.SUBMIT):
        return _("Báo cáo đã được duyệt nên không thể sửa.")
    if status == Status.SUBMITTED and step in (Step.EDIT, Step.SUBMIT):
        return _("Báo cáo đã gửi, đang chờ Văn phòng duyệt; không thể sửa lúc này.")
    if step in (Step.EDIT, Step.SUBMIT) and not window.is_open:
        return _(
            "Đã quá hạn báo cáo (%(deadline)s). Đề nghị Văn phòng Đảng ủy khối mở lại kỳ báo cáo cho đơn vị."
        ) % {"deadline": window.effective.strftime("%d/%m/%Y")}
    if step in (Step.APPROVE, Step.RETURN):
        return _("Chỉ duyệt hoặc trả lại được báo cáo đang chờ duyệt.")
    return _("Anh/chị không có quyền thực hiện thao tác này.")


def changes_between(
    targets: list[Target], before: dict[int, EntryInput], after: dict[int, EntryInput]
) -> list[Change]:
    out = []
    for target in targets:
        old, new = before.get(target.pk, EntryInput()), after.get(target.pk, EntryInput())
        for name in (*input_fields(target), "note"):
            if getattr(old, name) != getattr(new, name):
                out.append(Change(target, name, getattr(old, name), getattr(new, name)))
    return out


def _stored_inputs(report: ProgressReport | None) -> dict[int, EntryInput]:
    if report is None:
        return {}
    return {e.target_id: EntryInput.from_entry(e) for e in report.entries.all()}


def _inputs_at_version(report: ProgressReport, version: int) -> dict[int, EntryInput]:
    """The figures as they stood when the report had this version (from the history)."""
    record = report.history.filter(version=version).order_by("-history_date").first()
    if record is None:
        return {}
    rows = Entry.history.filter(report_id=report.pk, history_date__lte=record.history_date).order_by(
        "target_id", "-history_date"
    )
    out: dict[int, EntryInput] = {}
    for row in rows:
        if row.target_id not in out and row.history_type != "-":
            out[row.target_id] = EntryInput(**{name: getattr(row, name) for name in ENTRY_FIELDS})
    return out


def _conflict(report: ProgressReport, expected_version: int, targets: list[Target]) -> ReportConflict:
    latest = report.history.order_by("-history_date").first()
    who = ""
    if latest is not None and latest.history_user is not None:
        who = latest.history_user.first_name or latest.history_user.username
    return ReportConflict(
        message=_(
            "Báo cáo vừa được %(who)s lưu lúc %(at)s, sau khi anh/chị mở trang. Chưa lưu gì từ lần "
            "gửi này: hãy xem các thay đổi bên dưới, rồi lưu lại nếu vẫn muốn ghi đè."
        )
        % {
            "who": who or _("người khác"),
            "at": timezone.localtime(report.updated_at).strftime("%H:%M %d/%m/%Y"),
        },
        changes=changes_between(
            targets, _inputs_at_version(report, expected_version), _stored_inputs(report)
        ),
        current_version=report.version,
    )


@transaction.atomic
def report_save(
    *,
    unit: Unit,
    period: Period,
    user,
    inputs: dict[int, EntryInput],
    expected_version: int,
    today: date | None = None,
    reason: str = "",
) -> ProgressReport:
    """Save a unit's figures for a quarter as a draft (or keep it returned).

    `expected_version` is the version the user loaded (0 for a report not yet
    started): if someone saved since, nothing is written and ReportConflict
    says what changed. Every rule of `validate_report` holds or nothing is
    written. Only changed entries are written, so the history shows real edits.
    """
    report = ProgressReport.objects.select_for_update().filter(unit=unit, period=period).first()
    _require(Step.EDIT, user, unit, report, period, today)
    targets = targets_for(unit, period)
    known = {t.pk for t in targets}
    stray = set(inputs) - known
    if stray:
        raise ReportRefused(_("Có chỉ tiêu không thuộc báo cáo của đơn vị; không lưu gì."))
    if report is not None and report.version != expected_version:
        raise _conflict(report, expected_version, targets)
    if report is None and expected_version != 0:
        raise ReportRefused(_("Báo cáo đã thay đổi; hãy tải lại trang."))
    by_id = {t.pk: t for t in targets}
    inputs = {pk: inp.derived(by_id[pk]) for pk, inp in inputs.items()}
    errors = validate_report(
        targets=targets,
        inputs=inputs,
        people=people_of(unit),
        period=period,
        proposals=study_proposals(unit, period, targets),
    )
    if errors:
        raise ReportRefused(_("Số liệu chưa hợp lệ; chưa lưu gì. Xem các lỗi bên dưới."), errors)

    now = timezone.now()
    if report is None:
        report = ProgressReport(unit=unit, period=period, status=Status.DRAFT, version=1)
        reason = reason or _("Tạo báo cáo")
    else:
        report.version += 1
        reason = reason or _("Lưu số liệu")
    # The entries below share this moment: one event in the history.
    _record(report, user, reason, at=now)

    existing = {e.target_id: e for e in report.entries.all()}
    to_create, to_update = [], []
    for target in targets:
        new = inputs.get(target.pk)
        if new is None:
            continue
        entry = existing.get(target.pk)
        if entry is None:
            if new.is_empty(target):
                continue
            to_create.append(Entry(report=report, target=target, **new.as_dict()))
        elif EntryInput.from_entry(entry) != new:
            for name, value in new.as_dict().items():
                setattr(entry, name, value)
            to_update.append(entry)
    if to_create:
        bulk_create_with_history(to_create, Entry, default_user=user, default_date=now)
    if to_update:
        bulk_update_with_history(to_update, Entry, ENTRY_FIELDS, default_user=user, default_date=now)
    return report


@transaction.atomic
def report_submit(*, unit: Unit, period: Period, user, today: date | None = None) -> ProgressReport:
    """Send the report to the bloc office; every target must have its figures."""
    report = ProgressReport.objects.select_for_update().filter(unit=unit, period=period).first()
    window = _require(Step.SUBMIT, user, unit, report, period, today)
    if report is None:
        raise ReportRefused(_("Chưa có số liệu để gửi."))
    targets = targets_for(unit, period)
    stored = _stored_inputs(report)
    missing = missing_for_submission(targets, stored)
    if missing:
        raise ReportRefused(_("Báo cáo còn thiếu số liệu; chưa gửi."), missing)
    if report.status == Status.DRAFT:
        report.late = window.is_past_deadline
    report.status = Status.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = user
    report.version += 1
    _record(report, user, _("Gửi báo cáo"))
    return report


def _figures_changed(report: ProgressReport) -> None:
    """Official figures of this unit and quarter changed: roll them up once committed."""
    enqueue_rollup(report.unit_id, report.period_id)


@transaction.atomic
def report_approve(*, unit: Unit, period: Period, user, comment: str = "") -> ProgressReport:
    report = ProgressReport.objects.select_for_update().filter(unit=unit, period=period).first()
    _require(Step.APPROVE, user, unit, report, period, None)
    report.status = Status.APPROVED
    report.reviewed_at = timezone.now()
    report.reviewed_by = user
    report.review_comment = comment.strip()
    report.version += 1
    _record(report, user, _("Duyệt báo cáo") + (f": {comment.strip()}" if comment.strip() else ""))
    _figures_changed(report)
    return report


@transaction.atomic
def report_return(*, unit: Unit, period: Period, user, comment: str) -> ProgressReport:
    comment = (comment or "").strip()
    if not comment:
        raise ReportRefused(_("Cần ghi rõ lý do trả lại để đơn vị sửa."))
    report = ProgressReport.objects.select_for_update().filter(unit=unit, period=period).first()
    _require(Step.RETURN, user, unit, report, period, None)
    report.status = Status.RETURNED
    report.reviewed_at = timezone.now()
    report.reviewed_by = user
    report.review_comment = comment
    report.version += 1
    _record(report, user, _("Trả lại: %(comment)s") % {"comment": comment})
    return report


@transaction.atomic
def report_reopen(
    *, unit: Unit, period: Period, user, reason: str, until: date, today: date | None = None
) -> DeadlineExtension:
    """Reopen a quarter for one unit: a later deadline, and an approved report back to the unit."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        raise ReportRefused(_("Cần ghi lý do mở lại kỳ báo cáo."))
    if until < today:
        raise ReportRefused(_("Ngày gia hạn phải từ hôm nay trở đi."))
    if (until - today).days > 366:
        raise ReportRefused(_("Chỉ gia hạn tối đa một năm kể từ hôm nay."))
    report = ProgressReport.objects.select_for_update().filter(unit=unit, period=period).first()
    _require(Step.REOPEN, user, unit, report, period, today)
    extension, _created = DeadlineExtension.objects.update_or_create(
        unit=unit, period=period, defaults={"until": until, "reason": reason, "granted_by": user}
    )
    if report is not None and report.status == Status.APPROVED:
        report.status = Status.RETURNED
        report.review_comment = reason
        report.reviewed_by = user
        report.reviewed_at = timezone.now()
        report.version += 1
        _record(report, user, _("Mở lại kỳ báo cáo: %(reason)s") % {"reason": reason})
        _figures_changed(report)
    return extension


@transaction.atomic
def attachment_add(
    *,
    unit: Unit,
    period: Period,
    user,
    upload,
    target: Target | None = None,
    max_bytes: int,
    today: date | None = None,
) -> Attachment:
    """Attach an evidence file; refused files leave nothing behind."""
    report = ProgressReport.objects.select_for_update().filter(unit=unit, period=period).first()
    _require(Step.EDIT, user, unit, report, period, today)
    if report is None:
        raise ReportRefused(_("Hãy lưu số liệu trước khi đính kèm tệp."))
    checked = check_upload(upload, allowed=EVIDENCE_KINDS, max_bytes=max_bytes)
    attachment = Attachment(
        report=report,
        target=target,
        name=checked.name[:255],
        kind=checked.kind,
        size=checked.size,
        uploaded_by=user,
    )
    attachment.file.save(checked.name, upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)  # no orphan file when the row is not written
        raise
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, user, today: date | None = None) -> None:
    report = attachment.report
    _require(Step.EDIT, user, report.unit, report, report.period, today)
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


# --- Units' own targets -----------------------------------------------------------------


@dataclass
class ProposalInput:
    title: str
    measure: str
    value: Decimal
    comparison: str = Target.Comparison.AT_LEAST
    scope: str = Target.Scope.TERM
    unit_label: str = ""
    numerator_label: str = ""
    denominator_label: str = ""
    first_year: int | None = None
    last_year: int | None = None
    serves: Target | None = None
    reason: str = ""


class ProposalRefused(Exception):
    """The proposal is refused; `errors` maps a field (or "") to a message in the user's language."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def higher_targets(unit: Unit) -> list[Target]:
    """Targets a unit target may serve: those of the bloc's resolution and of the congresses above it."""
    from targets.periods import congress_for

    congress = congress_for(unit)
    if congress is None:
        return []
    chain = [c.pk for c in congress.chain()]
    return list(
        Target.objects.filter(resolution__congress__in=chain, owner_unit__isnull=True)
        .select_related("resolution__congress")
        .order_by("-resolution__congress__held_from", "position", "code")
    )


def proposal_errors(unit: Unit, data: ProposalInput, *, target: Target | None = None) -> dict[str, str]:
    """The rules a unit's own target obeys (the form and the service share them)."""
    from targets.periods import congress_for

    errors: dict[str, str] = {}
    if not (data.title or "").strip():
        errors["title"] = _("Cần ghi nội dung chỉ tiêu.")
    if data.measure not in dict(TargetProposal.MEASURES):
        errors["measure"] = _("Loại chỉ tiêu không hợp lệ.")
    value = data.value
    if value is None:
        errors["value"] = _("Cần nhập giá trị chỉ tiêu.")
    elif data.measure in (Target.Measure.RATIO, Target.Measure.MILESTONE):
        if value < 0 or value > 100:
            errors["value"] = _("Chỉ tiêu tỷ lệ phải từ 0 đến 100%.")
    elif value < 0 or value != value.to_integral_value():
        errors["value"] = _("Chỉ tiêu số lượng phải là số nguyên không âm.")
    congress = congress_for(unit)
    if congress is not None:
        term = _("Năm phải nằm trong nhiệm kỳ %(start)s–%(end)s.") % {
            "start": congress.term_start_year,
            "end": congress.term_end_year,
        }
        for name in ("first_year", "last_year"):
            year = getattr(data, name)
            if year is not None and not congress.term_start_year <= year <= congress.term_end_year:
                errors[name] = term
        if data.first_year and data.last_year and data.last_year < data.first_year:
            errors["last_year"] = _("Năm kết thúc không được trước năm bắt đầu.")
    if data.serves is not None and data.serves.pk not in {t.pk for t in higher_targets(unit)}:
        errors["serves"] = _("Chỉ tiêu cấp trên không thuộc Nghị quyết của khối hoặc của tỉnh.")
    if target is not None:
        if target.owner_unit_id != unit.pk:
            errors[""] = _("Chỉ điều chỉnh được chỉ tiêu riêng của chính đơn vị.")
        elif target.proposals.filter(status=TargetProposal.Status.PENDING).exists():
            errors[""] = _("Chỉ tiêu này đang có một đề xuất điều chỉnh chờ duyệt.")
        elif data.measure != target.measure:
            errors["measure"] = _("Không đổi loại của chỉ tiêu đã có số liệu; hãy đề xuất chỉ tiêu mới.")
    return errors


@transaction.atomic
def target_propose(*, unit: Unit, user, data: ProposalInput, target: Target | None = None) -> TargetProposal:
    """A unit's secretary or clerk proposes a target of its own (or a change to one)."""
    from units.access import Action, can

    if not can(user, unit, Action.ENTER):
        raise ProposalRefused({"": _("Chỉ cán bộ của đơn vị được đề xuất chỉ tiêu của đơn vị.")})
    errors = proposal_errors(unit, data, target=target)
    if errors:
        raise ProposalRefused(errors)
    proposal = TargetProposal(
        unit=unit,
        target=target,
        is_change=target is not None,
        proposed_by=user,
        **{name: getattr(data, name) for name in ProposalInput.__dataclass_fields__},
    )
    proposal.title = proposal.title.strip()
    proposal._history_user = user
    proposal.save()
    return proposal


def _code_for(unit: Unit, resolution) -> str:
    """SXD-01 for so-xay-dung: the initials of the unit code and a number."""
    parts = [p for p in unit.code.split("-") if p]
    prefix = "".join(p if p.isdigit() else p[0] for p in parts).upper()[:8] or "DV"
    taken = set(
        Target.objects.filter(resolution=resolution, code__startswith=prefix + "-").values_list(
            "code", flat=True
        )
    )
    number = 1
    while f"{prefix}-{number:02d}" in taken:
        number += 1
    return f"{prefix}-{number:02d}"


@transaction.atomic
def target_proposal_approve(*, proposal: TargetProposal, user, comment: str = "") -> Target:
    """The bloc office approves: the unit's target is created, or changed (its history keeps the old values)."""
    from targets.periods import congress_for
    from units.access import Action, can

    proposal = TargetProposal.objects.select_for_update().get(pk=proposal.pk)
    if not can(user, proposal.unit, Action.REVIEW):
        raise ProposalRefused({"": _("Chỉ Văn phòng Đảng ủy khối được duyệt chỉ tiêu của đơn vị.")})
    if proposal.status != TargetProposal.Status.PENDING:
        raise ProposalRefused({"": _("Đề xuất này đã được xử lý.")})
    data = ProposalInput(**{name: getattr(proposal, name) for name in ProposalInput.__dataclass_fields__})
    errors = proposal_errors(proposal.unit, data, target=None)
    if errors:
        raise ProposalRefused(errors)
    fields = {
        "title": proposal.title,
        "short_title": proposal.title[:120],
        "measure": proposal.measure,
        "comparison": proposal.comparison,
        "scope": proposal.scope,
        "value": proposal.value,
        "unit_label": proposal.unit_label or ("%" if proposal.measure != Target.Measure.FLOW else ""),
        "numerator_label": proposal.numerator_label,
        "denominator_label": proposal.denominator_label,
        "first_year": proposal.first_year,
        "last_year": proposal.last_year,
        "serves": proposal.serves,
    }
    target = proposal.target
    if target is None:
        resolution = congress_for(proposal.unit).resolution
        target = Target(
            resolution=resolution,
            owner_unit=proposal.unit,
            code=_code_for(proposal.unit, resolution),
            position=1000 + Target.objects.filter(owner_unit=proposal.unit).count(),
            **fields,
        )
        reason = _("Duyệt chỉ tiêu mới của đơn vị")
    else:
        for name, value in fields.items():
            setattr(target, name, value)
        reason = _("Duyệt điều chỉnh chỉ tiêu")
    target._history_user = user
    target._change_reason = reason
    target.save()
    proposal.target = target
    proposal.status = TargetProposal.Status.APPROVED
    proposal.reviewed_by = user
    proposal.reviewed_at = timezone.now()
    proposal.review_comment = (comment or "").strip()
    proposal._history_user = user
    proposal.save()
    return target


@transaction.atomic
def target_proposal_return(*, proposal: TargetProposal, user, comment: str) -> TargetProposal:
    from units.access import Action, can

    comment = (comment or "").strip()
    proposal = TargetProposal.objects.select_for_update().get(pk=proposal.pk)
    if not can(user, proposal.unit, Action.REVIEW):
        raise ProposalRefused({"": _("Chỉ Văn phòng Đảng ủy khối được duyệt chỉ tiêu của đơn vị.")})
    if not comment:
        raise ProposalRefused({"review_comment": _("Cần ghi rõ lý do trả lại để đơn vị sửa.")})
    if proposal.status != TargetProposal.Status.PENDING:
        raise ProposalRefused({"": _("Đề xuất này đã được xử lý.")})
    proposal.status = TargetProposal.Status.RETURNED
    proposal.reviewed_by = user
    proposal.reviewed_at = timezone.now()
    proposal.review_comment = comment
    proposal._history_user = user
    proposal.save()
    return proposal
