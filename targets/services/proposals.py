"""Units' own targets: a unit proposes, the bloc office approves or returns (the one write path)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from config import clock
from config.refusals import FieldError, Refused
from resolutions.terms import congress_for
from targets.models import Target, TargetProposal
from units.access import Action, can
from units.models import Unit


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


def higher_targets(unit: Unit) -> list[Target]:
    """Targets a unit target may serve: those of the bloc's resolution and of the congresses above it."""

    congress = congress_for(unit)
    if congress is None:
        return []
    chain = [c.pk for c in congress.chain()]
    return list(
        Target.objects.filter(resolution__congress__in=chain, owner_unit__isnull=True)
        .select_related("resolution__congress")
        .order_by("-resolution__congress__held_from", "position", "code")
    )


def proposal_errors(unit: Unit, data: ProposalInput, *, target: Target | None = None) -> list[FieldError]:
    """The rules a unit's own target obeys (the form and the service share them)."""

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
    return [FieldError(field, message) for field, message in errors.items()]


@transaction.atomic
def target_propose(*, unit: Unit, user, data: ProposalInput, target: Target | None = None) -> TargetProposal:
    """A unit's secretary or clerk proposes a target of its own (or a change to one)."""

    if not can(user, unit, Action.ENTER):
        raise Refused(_("Chỉ cán bộ của đơn vị được đề xuất chỉ tiêu của đơn vị."))
    errors = proposal_errors(unit, data, target=target)
    if errors:
        raise Refused(_("Đề xuất chưa hợp lệ; chưa lưu gì."), errors)
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

    proposal = TargetProposal.objects.select_for_update().get(pk=proposal.pk)
    if not can(user, proposal.unit, Action.REVIEW):
        raise Refused(_("Chỉ Văn phòng Đảng ủy khối được duyệt chỉ tiêu của đơn vị."))
    if proposal.status != TargetProposal.Status.PENDING:
        raise Refused(_("Đề xuất này đã được xử lý."))
    data = ProposalInput(**{name: getattr(proposal, name) for name in ProposalInput.__dataclass_fields__})
    errors = proposal_errors(proposal.unit, data, target=None)
    if errors:
        raise Refused(_("Đề xuất chưa hợp lệ; chưa lưu gì."), errors)
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
    proposal.reviewed_at = clock.now()
    proposal.review_comment = (comment or "").strip()
    proposal._history_user = user
    proposal.save()
    _tell_unit(proposal, user, _("Đề xuất chỉ tiêu “%(title)s” của %(unit)s đã được duyệt."))
    return target


def _tell_unit(proposal: TargetProposal, user, sentence: str) -> None:
    from django.urls import reverse

    from targets.notifications import Kind, notify, unit_people

    text = sentence % {"title": proposal.title[:120], "unit": proposal.unit.name}
    if proposal.review_comment:
        text += " " + _("Ý kiến: %(comment)s") % {"comment": proposal.review_comment}
    notify(
        [*unit_people(proposal.unit), proposal.proposed_by],
        kind=Kind.PROPOSAL,
        text=text,
        url=reverse("targets:proposal", args=[proposal.unit.code, proposal.pk]),
        unit=proposal.unit,
        actor=user,
    )


@transaction.atomic
def target_proposal_return(*, proposal: TargetProposal, user, comment: str) -> TargetProposal:

    comment = (comment or "").strip()
    proposal = TargetProposal.objects.select_for_update().get(pk=proposal.pk)
    if not can(user, proposal.unit, Action.REVIEW):
        raise Refused(_("Chỉ Văn phòng Đảng ủy khối được duyệt chỉ tiêu của đơn vị."))
    if not comment:
        raise Refused.on("review_comment", _("Cần ghi rõ lý do trả lại để đơn vị sửa."))
    if proposal.status != TargetProposal.Status.PENDING:
        raise Refused(_("Đề xuất này đã được xử lý."))
    proposal.status = TargetProposal.Status.RETURNED
    proposal.reviewed_by = user
    proposal.reviewed_at = clock.now()
    proposal.review_comment = comment
    proposal._history_user = user
    proposal.save()
    _tell_unit(proposal, user, _("Đề xuất chỉ tiêu “%(title)s” của %(unit)s bị trả lại."))
    return proposal
