"""The one write path for quarterly reports: save, submit, approve, return, reopen.

Views, the Excel upload and commands parse their input and call these; each is
atomic and re-checks the workflow rules, so a tampered request meets the same
refusal as the buttons the page hides.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from config import clock
from config.refusals import FieldError, Refused
from config.uploads import check_upload
from targets import ledger
from targets.confidence import computed_readings
from targets.entries import (
    WORD_FIELDS,
    EntryInput,
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
)
from targets.notifications import Kind, notify, reviewers_of, unit_people
from targets.workflow import Step, steps_for, window_for
from units.access import Action, can
from units.models import Unit

Status = ProgressReport.Status
ENTRY_FIELDS = list(EntryInput.__dataclass_fields__)
NARRATIVE_FIELDS = ProgressReport.NARRATIVE_FIELDS
# A report's words are generous (a quarter's results, causes, tasks) but bounded: a pasted book is a slip.
NARRATIVE_MAX = 20_000
EVIDENCE_KINDS = {"pdf", "docx", "xlsx", "jpg", "png"}


@dataclass
class Change:
    target: Target | None  # None: a section of the report's narrative
    field: str
    old: object
    new: object


class ReportConflict(Refused):
    """Someone else saved the report since this user loaded it; `changes` says what they changed."""

    def __init__(self, message: str, *, changes: list[Change], current_version: int):
        super().__init__(message)
        self.changes = changes
        self.current_version = current_version


class AlreadyDone(Refused):
    """The very step was already taken (a double click, two people at once) and nothing more was
    written: `message` says plainly by whom and when. Views show it as information, not as an error."""


def _who(user) -> str:
    if user is None:
        return _("người khác")
    return user.first_name or user.username


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def _locked_report(unit: Unit, period: Period) -> ProgressReport | None:
    """The unit's report for the quarter, locked until the transaction ends.

    When there is none yet the unit's row is locked first and the report read
    again: two first saves (a double click) then queue on the unit instead of
    both inserting, and the second finds the report the first created. (On
    SQLite every transaction already holds the write lock: IMMEDIATE.)
    """
    report = _select_report(unit, period)
    if report is None:
        # FOR NO KEY UPDATE: two of these queue, while rows that merely point at the unit (the
        # roll-up ledger's, a report's) may still be inserted by a transaction holding the report.
        list(Unit.objects.select_for_update(no_key=True).filter(pk=unit.pk).values_list("pk", flat=True))
        report = _select_report(unit, period)
    return report


def _select_report(unit: Unit, period: Period) -> ProgressReport | None:
    # Only the report's own row: the model's ordering joins the quarter and the unit, and a
    # plain FOR UPDATE would lock those rows too (every save of a quarter queuing on its row,
    # and a deadlock with the unit lock above).
    return (
        ProgressReport.objects.select_for_update(of=("self",))
        .filter(unit=unit, period=period)
        .order_by("pk")
        .first()
    )


def _record(report: ProgressReport, user, reason: str, at=None) -> None:
    """Save the report with a history line: who did it and why.

    The line holds at most 100 characters (simple-history's column); a long
    comment is cut there, whole in the report's own review_comment.
    """
    limit = ProgressReport.history.model._meta.get_field("history_change_reason").max_length
    report._change_reason = reason if len(reason) <= limit else reason[: limit - 1] + "…"
    report._history_user = user
    if at is not None:
        report._history_date = at
    report.save()


def _require(step: Step, user, unit: Unit, report: ProgressReport | None, period: Period, today: date | None):
    window = window_for(unit, period, today=today)
    if step not in steps_for(user, unit, report, window):
        raise Refused(_refusal(step, report, window))
    return window


def _refusal(step: Step, report: ProgressReport | None, window) -> str:
    status = report.status if report else None
    if window.term_closed:
        return _("Nhiệm kỳ của kỳ báo cáo này đã kết thúc (đơn vị đã sang nhiệm kỳ mới): số liệu chỉ để xem.")
    if status == Status.APPROVED and step in (Step.EDIT, Step.SUBMIT):
        return _("Báo cáo đã được duyệt nên không thể sửa.")
    if status == Status.SUBMITTED and step in (Step.EDIT, Step.SUBMIT):
        return _("Báo cáo đã gửi, đang chờ Văn phòng duyệt; không thể sửa lúc này.")
    if step in (Step.EDIT, Step.SUBMIT) and not window.is_open:
        return _(
            "Đã quá hạn báo cáo (%(deadline)s). Đề nghị Văn phòng Đảng ủy khối mở lại kỳ báo cáo cho đơn vị."
        ) % {"deadline": window.effective.strftime("%d/%m/%Y")}
    if step == Step.APPROVE and status == Status.SUBMITTED:
        return _(
            "Anh/chị đã gửi hoặc đã nhập số liệu của báo cáo này nên không tự duyệt được. "
            "Đề nghị một cán bộ khác của Văn phòng duyệt."
        )
    if step in (Step.APPROVE, Step.RETURN):
        return _("Chỉ duyệt hoặc trả lại được báo cáo đang chờ duyệt.")
    if step == Step.REOPEN:
        if status == Status.SUBMITTED:
            return _("Báo cáo đang chờ duyệt; không cần mở lại kỳ báo cáo.")
        if status == Status.RETURNED:
            return _("Báo cáo đã được trả lại cho đơn vị sửa; không cần mở lại kỳ báo cáo.")
        if window.is_open:
            return _("Kỳ báo cáo của đơn vị còn mở đến hết ngày %(until)s; không cần mở lại.") % {
                "until": window.effective.strftime("%d/%m/%Y")
            }
    return _("Anh/chị không có quyền thực hiện thao tác này.")


def _report_link(unit: Unit, period: Period) -> str:
    return reverse("targets:report", kwargs={"code": unit.code, "period": period.slug})


def _tell_unit(report: ProgressReport, user, kind: str, text: str) -> None:
    """The unit's people (and whoever sent the report) learn what the office did."""
    notify(
        [*unit_people(report.unit), report.submitted_by],
        kind=kind,
        text=text,
        url=_report_link(report.unit, report.period),
        unit=report.unit,
        actor=user,
    )


# A comment per target when returning: a few lines, not a second report.
TARGET_COMMENT_MAX = 1000


def changes_between(
    targets: list[Target], before: dict[int, EntryInput], after: dict[int, EntryInput]
) -> list[Change]:
    out = []
    for target in targets:
        old, new = before.get(target.pk, EntryInput()), after.get(target.pk, EntryInput())
        for name in (*input_fields(target), *WORD_FIELDS):
            before_value, after_value = getattr(old, name), getattr(new, name)
            if name in WORD_FIELDS:
                before_value, after_value = before_value or "", after_value or ""
            if before_value != after_value:
                out.append(Change(target, name, before_value, after_value))
    return out


def narrative_of(report) -> dict[str, str]:
    """The report's narrative sections (a report or one of its history records)."""
    return {name: getattr(report, name, "") or "" for name in NARRATIVE_FIELDS} if report else {}


def narrative_changes(before: dict[str, str], after: dict[str, str]) -> list[Change]:
    return [
        Change(None, name, before.get(name, ""), after.get(name, ""))
        for name in NARRATIVE_FIELDS
        if before.get(name, "") != after.get(name, "")
    ]


def _narrative_at_version(report: ProgressReport, version: int) -> dict[str, str]:
    return narrative_of(report.history.filter(version=version).order_by("-history_date").first())


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


def _already_saved(
    report: ProgressReport,
    targets: list[Target],
    inputs: dict[int, EntryInput],
    narrative: dict[str, str] | None = None,
) -> AlreadyDone | None:
    """The stored figures are already exactly these (the first of a double click, or someone else
    typing the same): say so instead of a conflict or the refusal of a step already taken."""
    if narrative is not None and narrative_changes(narrative_of(report), narrative):
        return None
    stored = _stored_inputs(report)
    by_id = {t.pk: t for t in targets}
    for pk, new in inputs.items():
        old = stored.get(pk)
        if old is None:
            if not new.is_empty(by_id[pk]):
                return None
        elif old != new:
            return None
    if report.status == Status.SUBMITTED:
        message = _("Báo cáo đã được gửi lúc %(at)s bởi %(who)s.") % {
            "at": _when(report.submitted_at),
            "who": _who(report.submitted_by),
        }
    elif report.status == Status.APPROVED:
        message = _("Báo cáo đã được duyệt lúc %(at)s bởi %(who)s.") % {
            "at": _when(report.reviewed_at),
            "who": _who(report.reviewed_by),
        }
    else:
        latest = report.history.select_related("history_user").order_by("-history_date").first()
        message = _("Số liệu này đã được lưu lúc %(at)s bởi %(who)s.") % {
            "at": _when(report.updated_at),
            "who": _who(latest.history_user if latest else None),
        }
    return AlreadyDone(message)


def _what_happened(report: ProgressReport) -> str:
    """The report's last step, as a sentence: who did what when, after the user opened the page."""
    if report.status == Status.APPROVED:
        return _("Báo cáo đã được %(who)s duyệt lúc %(at)s, sau khi anh/chị mở trang.") % {
            "who": _who(report.reviewed_by),
            "at": _when(report.reviewed_at),
        }
    if report.status == Status.RETURNED:
        return _("Báo cáo đã được %(who)s trả lại đơn vị lúc %(at)s, sau khi anh/chị mở trang.") % {
            "who": _who(report.reviewed_by),
            "at": _when(report.reviewed_at),
        }
    if report.status == Status.SUBMITTED:
        return _("Báo cáo đã được %(who)s gửi lại lúc %(at)s, sau khi anh/chị mở trang.") % {
            "who": _who(report.submitted_by),
            "at": _when(report.submitted_at),
        }
    return _("Đơn vị đã sửa báo cáo lúc %(at)s, sau khi anh/chị mở trang.") % {"at": _when(report.updated_at)}


def _not_what_was_shown(
    step: Step, report: ProgressReport, expected_version: int, targets: list[Target]
) -> Refused:
    """A review step posted from a page showing another version of the report.

    The step is never applied to figures the reviewer did not see. If the
    report already stands where the step would have put it, with the figures
    shown, the step was already taken; otherwise the answer lists what changed.
    """
    changes = changes_between(
        targets, _inputs_at_version(report, expected_version), _stored_inputs(report)
    ) + narrative_changes(_narrative_at_version(report, expected_version), narrative_of(report))
    if not changes and step == Step.APPROVE and report.status == Status.APPROVED:
        return AlreadyDone(
            _("Báo cáo đã được duyệt lúc %(at)s bởi %(who)s.")
            % {"at": _when(report.reviewed_at), "who": _who(report.reviewed_by)}
        )
    if not changes and step == Step.RETURN and report.status == Status.RETURNED:
        return AlreadyDone(
            _("Báo cáo đã được trả lại đơn vị lúc %(at)s bởi %(who)s.")
            % {"at": _when(report.reviewed_at), "who": _who(report.reviewed_by)}
        )
    if changes:
        what = _("Chưa thực hiện thao tác của anh/chị; số liệu đã thay đổi như dưới đây, hãy xem lại.")
    else:
        what = _("Chưa thực hiện thao tác của anh/chị; số liệu không thay đổi, hãy xem lại trạng thái.")
    return ReportConflict(
        message=f"{_what_happened(report)} {what}", changes=changes, current_version=report.version
    )


def _already_reopened(unit: Unit, period: Period) -> AlreadyDone | None:
    extension = (
        DeadlineExtension.objects.filter(unit=unit, period=period).select_related("granted_by").first()
    )
    if extension is None:
        return None
    return AlreadyDone(
        _("Kỳ báo cáo đã được mở lại lúc %(at)s bởi %(who)s, đến hết ngày %(until)s.")
        % {
            "at": _when(extension.granted_at),
            "who": _who(extension.granted_by),
            "until": extension.until.strftime("%d/%m/%Y"),
        }
    )


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
        changes=changes_between(targets, _inputs_at_version(report, expected_version), _stored_inputs(report))
        + narrative_changes(_narrative_at_version(report, expected_version), narrative_of(report)),
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
    narrative: dict[str, str] | None = None,
) -> ProgressReport:
    """Save a unit's figures and words for a quarter as a draft (or keep it returned).

    `narrative` gives the report's sections (ProgressReport.NARRATIVE_FIELDS); None keeps
    them as stored (the Excel upload carries figures only). A target's confidence that
    differs from the computed status's reading needs a reason (targets.confidence).

    `expected_version` is the version the user loaded (0 for a report not yet
    started): if someone saved since, nothing is written and ReportConflict
    says what changed, or AlreadyDone when the stored figures are already these
    (a double click). Every rule of `validate_report` holds or nothing is
    written. Only changed entries are written, so the history shows real edits.
    """
    if not can(user, unit, Action.ENTER):
        raise Refused(_("Anh/chị không có quyền thực hiện thao tác này."))
    report = _locked_report(unit, period)
    targets = targets_for(unit, period)
    known = {t.pk for t in targets}
    stray = set(inputs) - known
    if stray:
        raise Refused(_("Có chỉ tiêu không thuộc báo cáo của đơn vị; không lưu gì."))
    by_id = {t.pk: t for t in targets}
    stored = _stored_inputs(report)
    inputs = {pk: inp.keeping(stored.get(pk)).derived(by_id[pk]) for pk, inp in inputs.items()}
    if narrative is not None:
        unknown = set(narrative) - set(NARRATIVE_FIELDS)
        if unknown:
            raise Refused(_("Có mục báo cáo không hợp lệ; không lưu gì."))
        narrative = {**narrative_of(report), **{k: (v or "").strip() for k, v in narrative.items()}}
    stale = report is not None and report.version != expected_version
    if stale:
        already = _already_saved(report, targets, inputs, narrative)
        if already is not None:
            raise already
    _require(Step.EDIT, user, unit, report, period, today)
    if stale:
        raise _conflict(report, expected_version, targets)
    if report is None and expected_version != 0:
        raise Refused(_("Báo cáo đã thay đổi; hãy tải lại trang."))
    errors = validate_report(
        targets=targets,
        inputs=inputs,
        people=people_of(unit),
        period=period,
        proposals=study_proposals(unit, period, targets),
        # The computed status is read only when a confidence is given: it is what a confidence is checked
        # against (a save without one skips the dashboard's computation).
        readings=computed_readings(unit, period, targets)
        if any(i.confidence for i in inputs.values())
        else {},
    )
    errors += [
        FieldError(name, _("quá dài: tối đa %(n)s ký tự") % {"n": f"{NARRATIVE_MAX:,}".replace(",", ".")})
        for name, text in (narrative or {}).items()
        if len(text) > NARRATIVE_MAX
    ]
    if errors:
        raise Refused(_("Số liệu chưa hợp lệ; chưa lưu gì. Xem các lỗi bên dưới."), errors)

    now = clock.now()
    if report is None:
        report = ProgressReport(unit=unit, period=period, status=Status.DRAFT, version=1)
        reason = reason or _("Tạo báo cáo")
    else:
        report.version += 1
        reason = reason or _("Lưu số liệu")
    for name, text in (narrative or {}).items():
        setattr(report, name, text)
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
    """Send the report to the bloc office; every target must have its figures.

    A report already sent (the second of a double click) answers AlreadyDone.
    """
    report = _locked_report(unit, period)
    if report is not None and report.status == Status.SUBMITTED and can(user, unit, Action.ENTER):
        raise AlreadyDone(
            _("Báo cáo đã được gửi lúc %(at)s bởi %(who)s.")
            % {"at": _when(report.submitted_at), "who": _who(report.submitted_by)}
        )
    window = _require(Step.SUBMIT, user, unit, report, period, today)
    if report is None:
        raise Refused(_("Chưa có số liệu để gửi."))
    targets = targets_for(unit, period)
    stored = _stored_inputs(report)
    missing = missing_for_submission(targets, stored)
    if missing:
        raise Refused(_("Báo cáo còn thiếu số liệu; chưa gửi."), missing)
    old_status = (report.status, report.late)
    resent = report.status == Status.RETURNED
    # Late is decided once, at the first sending, against the deadline in force for this unit then
    # (its extension included): resending a returned report does not make it late, and a later
    # extension does not clear it.
    if report.status == Status.DRAFT:
        report.late = window.is_late
    report.status = Status.SUBMITTED
    report.submitted_at = clock.now()
    report.submitted_by = user
    report.version += 1
    _record(report, user, _("Gửi báo cáo"))
    ledger.record(report, ledger.Cause.SUBMIT, user=user, old_status=old_status)
    text = (
        _("%(unit)s đã gửi lại báo cáo %(period)s sau khi sửa.")
        if resent
        else _("%(unit)s đã gửi báo cáo %(period)s.")
    )
    notify(
        reviewers_of(unit),
        kind=Kind.SUBMITTED,
        text=text % {"unit": unit.name, "period": period.label},
        url=_report_link(unit, period),
        unit=unit,
        actor=user,
    )
    return report


def _locked_for_review(step: Step, unit: Unit, period: Period, user, expected_version: int) -> ProgressReport:
    """The report, locked, if it is still the version the reviewer was shown and the step is allowed."""
    if not can(user, unit, Action.REVIEW):
        raise Refused(_("Anh/chị không có quyền thực hiện thao tác này."))
    report = _locked_report(unit, period)
    if report is not None and report.version != expected_version:
        raise _not_what_was_shown(step, report, expected_version, targets_for(unit, period))
    _require(step, user, unit, report, period, None)
    return report


@transaction.atomic
def report_approve(
    *, unit: Unit, period: Period, user, expected_version: int, comment: str = ""
) -> ProgressReport:
    """Approve the version of the report the reviewer was shown (`expected_version`), and no other.

    Whoever sent it or entered any of its current figures may not approve it
    (unless ALLOW_SELF_APPROVAL): see targets.workflow.authored_by.
    """
    report = _locked_for_review(Step.APPROVE, unit, period, user, expected_version)
    old_status = (report.status, report.late)
    report.status = Status.APPROVED
    report.reviewed_at = clock.now()
    report.reviewed_by = user
    report.review_comment = comment.strip()
    report.version += 1
    _record(report, user, _("Duyệt báo cáo") + (f": {comment.strip()}" if comment.strip() else ""))
    # The official figures change with this commit: the roll-up owes them, in the same transaction.
    ledger.record(
        report,
        ledger.Cause.APPROVE,
        user=user,
        old_status=old_status,
        new_figures=ledger.official_figures(report),
    )
    text = _("Báo cáo %(period)s của %(unit)s đã được duyệt.") % {"period": period.label, "unit": unit.name}
    if report.review_comment:
        text += " " + _("Ý kiến: %(comment)s") % {"comment": report.review_comment}
    _tell_unit(report, user, Kind.APPROVED, text)
    return report


@transaction.atomic
def report_return(
    *,
    unit: Unit,
    period: Period,
    user,
    expected_version: int,
    comment: str,
    target_comments: dict[int, str] | None = None,
) -> ProgressReport:
    """Return the version the reviewer was shown to the unit, with what to correct: a comment on the
    whole report, and optionally one per target (`target_comments`, target id → text)."""
    comment = (comment or "").strip()
    if not comment:
        raise Refused(_("Cần ghi rõ lý do trả lại để đơn vị sửa."))
    per_target = {pk: (text or "").strip() for pk, text in (target_comments or {}).items()}
    per_target = {pk: text for pk, text in per_target.items() if text}
    if set(per_target) - {t.pk for t in targets_for(unit, period)}:
        raise Refused(_("Có chỉ tiêu không thuộc báo cáo của đơn vị; không lưu gì."))
    too_long = [pk for pk, text in per_target.items() if len(text) > TARGET_COMMENT_MAX]
    if too_long:
        raise Refused(
            _("Ý kiến theo chỉ tiêu tối đa %(n)s ký tự; chưa trả lại.") % {"n": TARGET_COMMENT_MAX},
            [FieldError("comment", _("quá dài"), target_id=pk) for pk in too_long],
        )
    report = _locked_for_review(Step.RETURN, unit, period, user, expected_version)
    old_status = (report.status, report.late)
    report.status = Status.RETURNED
    report.reviewed_at = clock.now()
    report.reviewed_by = user
    report.review_comment = comment
    report.target_comments = {str(pk): text for pk, text in per_target.items()}
    report.version += 1
    _record(report, user, _("Trả lại: %(comment)s") % {"comment": comment})
    ledger.record(report, ledger.Cause.RETURN, user=user, old_status=old_status)
    _tell_unit(
        report,
        user,
        Kind.RETURNED,
        _("Báo cáo %(period)s của %(unit)s bị trả lại: %(comment)s")
        % {"period": period.label, "unit": unit.name, "comment": comment},
    )
    return report


@transaction.atomic
def report_reopen(
    *,
    unit: Unit,
    period: Period,
    user,
    reason: str,
    until: date,
    expected_version: int,
    today: date | None = None,
) -> DeadlineExtension:
    """Reopen a quarter for one unit: a later deadline, and an approved report back to the unit.

    `expected_version` is the report's version on the page (0: no report yet).
    A quarter reopened meanwhile (a double click, two people) answers AlreadyDone.
    """
    today = today or clock.today()
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_("Cần ghi lý do mở lại kỳ báo cáo."))
    if until < today:
        raise Refused(_("Ngày gia hạn phải từ hôm nay trở đi."))
    if (until - today).days > 366:
        raise Refused(_("Chỉ gia hạn tối đa một năm kể từ hôm nay."))
    if not can(user, unit, Action.REVIEW):
        raise Refused(_("Anh/chị không có quyền thực hiện thao tác này."))
    report = _locked_report(unit, period)
    window = window_for(unit, period, today=today)
    if report is not None and report.version != expected_version:
        if report.status == Status.RETURNED:
            raise _already_reopened(unit, period) or _not_what_was_shown(
                Step.REOPEN, report, expected_version, targets_for(unit, period)
            )
        raise _not_what_was_shown(Step.REOPEN, report, expected_version, targets_for(unit, period))
    if (report is None or report.status == Status.DRAFT) and window.is_open:
        already = _already_reopened(unit, period)
        if already is not None:
            raise already
    _require(Step.REOPEN, user, unit, report, period, today)
    extension, _created = DeadlineExtension.objects.update_or_create(
        unit=unit,
        period=period,
        defaults={"until": until, "reason": reason, "granted_by": user, "granted_at": clock.now()},
    )
    if report is not None and report.status == Status.APPROVED:
        old_status = (report.status, report.late)
        report.status = Status.RETURNED
        report.review_comment = reason
        report.reviewed_by = user
        report.reviewed_at = clock.now()
        report.version += 1
        _record(report, user, _("Mở lại kỳ báo cáo: %(reason)s") % {"reason": reason})
        # The approved figures stop counting with this commit.
        ledger.record(
            report,
            ledger.Cause.REOPEN,
            user=user,
            old_status=old_status,
            old_figures=ledger.official_figures(report),
        )
    text = _("Văn phòng mở lại %(period)s cho %(unit)s đến hết ngày %(until)s: %(reason)s") % {
        "period": period.label,
        "unit": unit.name,
        "until": until.strftime("%d/%m/%Y"),
        "reason": reason,
    }
    notify(
        [*unit_people(unit), report.submitted_by if report else None],
        kind=Kind.REOPENED,
        text=text,
        url=_report_link(unit, period),
        unit=unit,
        actor=user,
    )
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
    """Attach an evidence file; refused files leave nothing behind.

    The same file (name and size) attached again to the same target is the
    second of a double click: AlreadyDone, nothing stored twice.
    """
    # The file is checked before the report's row is locked: looking inside a PDF may take seconds.
    checked = check_upload(upload, allowed=EVIDENCE_KINDS, max_bytes=max_bytes)
    report = _locked_report(unit, period)
    _require(Step.EDIT, user, unit, report, period, today)
    if report is None:
        raise Refused(_("Hãy lưu số liệu trước khi đính kèm tệp."))
    twin = (
        report.attachments.filter(name=checked.name[:255], size=checked.size, target=target)
        .select_related("uploaded_by")
        .first()
    )
    if twin is not None:
        raise AlreadyDone(
            _("Tệp “%(name)s” đã được đính kèm lúc %(at)s bởi %(who)s.")
            % {"name": twin.name, "at": _when(twin.uploaded_at), "who": _who(twin.uploaded_by)}
        )
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
    report = _locked_report(attachment.report.unit, attachment.report.period)
    _require(Step.EDIT, user, report.unit, report, report.period, today)
    if not Attachment.objects.filter(pk=attachment.pk).exists():
        raise AlreadyDone(_("Tệp “%(name)s” đã được xóa.") % {"name": attachment.name})
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))
