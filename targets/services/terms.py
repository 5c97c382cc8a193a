"""The next term: a party committee holds its congress, and its resolution starts from the previous one.

The office records the new congress for a committee (possibly one that
continues several: a merged or split bloc) and may copy the resolution of a
previous term as a starting point: its general direction, action programmes
and targets (sub-targets under their parents, each in its programme). Quotas
are not copied: the new term's units are given theirs afresh. The previous
term keeps its quarters, reports and roll-ups; once the new term has begun
for a unit its old quarters are read-only (resolutions.terms.superseded).
"""

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from config.refusals import FieldError, Refused
from resolutions.models import ActionProgramme, Congress, Resolution
from resolutions.terms import congress_for
from targets.models import Target
from targets.periods import periods_ensure
from units.models import Succession, Unit

COPIED_TARGET_FIELDS = [
    f.name
    for f in Target._meta.concrete_fields
    if f.name not in {"id", "resolution", "programme", "parent", "owner_unit", "first_year", "last_year"}
]


@dataclass(frozen=True)
class NewTerm:
    """A congress that opens a term for a committee of our tree."""

    unit: Unit
    ordinal: int
    term_start_year: int
    term_end_year: int
    held_from: date
    held_to: date
    resolution_title: str
    organisation_name: str = ""
    delegates: int | None = None
    members_represented: int | None = None
    grassroots_organisations: int | None = None


def previous_terms(unit: Unit) -> list[Congress]:
    """The terms a new congress of this unit may start from: the unit's own earlier congresses, those
    of every unit it continues (transitively), and the one that applied to it until now."""
    ids, frontier = {unit.pk}, {unit.pk}
    while frontier:
        frontier = (
            set(Succession.objects.filter(successor__in=frontier).values_list("predecessor_id", flat=True))
            - ids
        )
        ids |= frontier
    found = {c.pk: c for c in Congress.objects.filter(unit__in=ids).select_related("unit")}
    current = congress_for(unit)
    if current is not None:
        found.setdefault(current.pk, current)
    return sorted(found.values(), key=lambda c: c.held_from)


def _errors(spec: NewTerm, copy_from: Congress | None) -> list[FieldError]:
    errors = []
    if spec.held_to < spec.held_from:
        errors.append(FieldError("held_to", _("Ngày bế mạc không được trước ngày khai mạc.")))
    if spec.term_end_year <= spec.term_start_year:
        errors.append(FieldError("term_end_year", _("Năm kết thúc nhiệm kỳ phải sau năm bắt đầu.")))
    if spec.unit.active_to is not None and spec.unit.active_to < spec.held_to:
        errors.append(
            FieldError(
                "unit",
                _("%(unit)s đã kết thúc hoạt động ngày %(day)s: không thể mở nhiệm kỳ mới.")
                % {"unit": spec.unit.display_name, "day": spec.unit.active_to.strftime("%d/%m/%Y")},
            )
        )
    if not (spec.resolution_title or "").strip():
        errors.append(FieldError("resolution_title", _("Cần ghi tên nghị quyết đại hội.")))
    earlier = [c for c in previous_terms(spec.unit) if c.held_to >= spec.held_from]
    if earlier:
        errors.append(
            FieldError(
                "held_from",
                _("Đại hội mới phải họp sau đại hội %(congress)s (bế mạc ngày %(day)s).")
                % {
                    "congress": earlier[-1].organisation_name,
                    "day": earlier[-1].held_to.strftime("%d/%m/%Y"),
                },
            )
        )
    if copy_from is not None and copy_from.pk not in {c.pk for c in previous_terms(spec.unit)}:
        errors.append(
            FieldError(
                "copy_from",
                _(
                    "Chỉ sao chép từ nhiệm kỳ trước của đảng bộ này hoặc của các đảng bộ mà đảng bộ này kế thừa."
                ),
            )
        )
    return errors


@transaction.atomic
def term_start(*, spec: NewTerm, copy_from: Congress | None, user) -> Congress:
    """Record the congress, its resolution (copied from `copy_from` when given) and its quarters."""
    errors = _errors(spec, copy_from)
    if errors:
        raise Refused(_("Chưa ghi nhận: xem các lỗi bên dưới."), errors)
    name = (spec.organisation_name or spec.unit.name).strip()
    try:
        with transaction.atomic():
            congress = Congress.objects.create(
                unit=spec.unit,
                organisation_name=name,
                ordinal=spec.ordinal,
                term_start_year=spec.term_start_year,
                term_end_year=spec.term_end_year,
                held_from=spec.held_from,
                held_to=spec.held_to,
                delegates=spec.delegates,
                members_represented=spec.members_represented,
                grassroots_organisations=spec.grassroots_organisations,
                parent=copy_from.parent if copy_from else None,
            )
    except IntegrityError:
        raise Refused.on(
            "ordinal",
            _("Đại hội lần thứ %(n)s của %(name)s đã được ghi nhận.") % {"n": spec.ordinal, "name": name},
        ) from None
    resolution = Resolution.objects.create(
        congress=congress,
        title=spec.resolution_title.strip(),
        adopted_on=spec.held_to,
        general_direction=_old_resolution(copy_from).general_direction if _old_resolution(copy_from) else "",
    )
    if _old_resolution(copy_from):
        _copy(_old_resolution(copy_from), resolution, spec.term_start_year - copy_from.term_start_year)
    periods_ensure(congress)
    return congress


def _old_resolution(congress: Congress | None) -> Resolution | None:
    return Resolution.objects.filter(congress=congress).first() if congress else None


def _copy(old: Resolution, new: Resolution, shift_years: int) -> None:
    """Programmes, then the resolution's targets (parents before their sub-targets); a target bound
    to years moves with the term."""
    programmes = {}
    for programme in old.programmes.all():
        programmes[programme.pk] = ActionProgramme.objects.create(
            resolution=new, number=programme.number, title=programme.title, description=programme.description
        )
    copied: dict[int, Target] = {}
    pending = list(
        Target.objects.filter(resolution=old, owner_unit__isnull=True).order_by("position", "code")
    )
    while pending:
        rest = []
        for target in pending:
            if target.parent_id and target.parent_id not in copied:
                rest.append(target)
                continue
            fields = {name: getattr(target, name) for name in COPIED_TARGET_FIELDS}
            copied[target.pk] = Target.objects.create(
                resolution=new,
                programme=programmes.get(target.programme_id),
                parent=copied.get(target.parent_id),
                first_year=target.first_year + shift_years if target.first_year else None,
                last_year=target.last_year + shift_years if target.last_year else None,
                **fields,
            )
        if len(rest) == len(pending):
            break  # a parent outside the resolution's own targets: left behind rather than looping
        pending = rest
