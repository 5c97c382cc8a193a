"""The one write path for changes to the tree: transfer, merge, absorb, split, end, create.

Each records a `ReorgEvent` tied to its decision and changes where units sit
from the event's effective day on, without rewriting where they sat before:
the unit's open placement is closed the day before and a new one opens (a
unit no event has touched first gets its implicit placement written down).
Today's tree (treebeard's paths) follows, so access follows the records: the
new parent's people see a transferred unit; ended units stay where they were,
read-only history under their last parent.

The figures side (the roll-up owes a rebuild, quotas are redistributed, split
shares recorded) is targets.services.reorganisation, which calls these inside
its own transaction. Every rule refused here raises config.refusals.Refused.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from config.refusals import Refused
from units.models import Placement, ReorgEvent, Succession, Unit

DECISION_NUMBER = re.compile(r"\d{1,5}-[A-ZĐ]{1,6}/[A-ZĐ0-9]{1,10}")  # 1337-QĐ/TU, 05-NQ/ĐUK


@dataclass(frozen=True)
class Decision:
    """The decision that orders an event, and the day it takes effect."""

    number: str
    signed_on: date
    issuing_body: str
    effective_on: date
    note: str = ""


@dataclass(frozen=True)
class NewUnit:
    """A unit an event creates (the new unit of a merge, the parts of a split, a new unit)."""

    code: str
    name: str
    kind: str
    sector: str = ""
    members: int = 0
    short_name: str = ""


def decision_errors(decision: Decision) -> dict[str, str]:
    errors = {}
    number = (decision.number or "").strip().upper()
    if not DECISION_NUMBER.fullmatch(number):
        errors["decision_number"] = _(
            "Số quyết định phải có dạng “1337-QĐ/TU” (số, ký hiệu loại văn bản / cơ quan)."
        )
    if not (decision.issuing_body or "").strip():
        errors["issuing_body"] = _("Cần ghi cơ quan ban hành quyết định.")
    if decision.effective_on and decision.signed_on and decision.effective_on < decision.signed_on:
        errors["effective_on"] = _("Ngày có hiệu lực không được trước ngày ký quyết định.")
    return errors


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        from config.refusals import FieldError

        raise Refused(
            _("Chưa ghi nhận: xem các lỗi bên dưới."), [FieldError(f, m) for f, m in errors.items()]
        )


def _event(kind: str, decision: Decision, user) -> ReorgEvent:
    return ReorgEvent.objects.create(
        kind=kind,
        decision_number=decision.number.strip().upper(),
        decision_date=decision.signed_on,
        issuing_body=decision.issuing_body.strip(),
        effective_on=decision.effective_on,
        note=(decision.note or "").strip(),
        recorded_by=user if getattr(user, "pk", None) else None,
    )


def _active_on(unit: Unit, day: date) -> bool:
    return (unit.active_from is None or unit.active_from < day) and (
        unit.active_to is None or unit.active_to >= day
    )


def _parent_of(unit: Unit) -> Unit | None:
    return Unit.objects.filter(path=unit.parent_path).first() if unit.depth > 1 else None


def _write_down(unit: Unit) -> None:
    """A unit no event has touched sits under its parent in today's tree: write that down first."""
    if unit.placements.exists():
        return
    parent = _parent_of(unit)
    Placement.objects.create(
        unit=unit,
        parent=parent,
        valid_from=unit.active_from,
        valid_to=unit.active_to + timedelta(days=1) if unit.active_to else None,
    )


def _close(unit: Unit, day: date) -> None:
    """The unit's open place ends the day before `day`. Events are recorded in the order they took
    effect: one dated before the unit's latest change is refused (its history would be rewritten)."""
    _write_down(unit)
    current = Placement.objects.filter(unit=unit, valid_to__isnull=True).first()
    if current is None:
        raise Refused(_("Đơn vị %(unit)s đã kết thúc hoạt động.") % {"unit": unit.display_name})
    if current.valid_from is not None and day <= current.valid_from:
        raise Refused(
            _("Đơn vị %(unit)s đã có thay đổi từ ngày %(day)s; sự kiện phải có hiệu lực sau ngày đó.")
            % {"unit": unit.display_name, "day": current.valid_from.strftime("%d/%m/%Y")}
        )
    current.valid_to = day
    current.save(update_fields=["valid_to"])


def _end(unit: Unit, day: date) -> None:
    """The unit ends: active until the day before; it stays in today's tree as history."""
    _close(unit, day)
    unit.active_to = day - timedelta(days=1)
    unit.save(update_fields=["active_to"])


def _left(parent: Unit | None) -> None:
    """A parent whose last child just left keeps adding up its past from roll-up rows."""
    if parent is not None:
        parent.refresh_from_db()
        if parent.numchild == 0 and not parent.had_children:
            parent.had_children = True
            parent.save(update_fields=["had_children"])


def _create(spec: NewUnit, parent: Unit | None, event: ReorgEvent) -> Unit:
    errors = {}
    if not re.fullmatch(r"[-a-z0-9_]{1,60}", spec.code or ""):
        errors["code"] = _("Mã đơn vị chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang.")
    elif Unit.objects.filter(code=spec.code).exists():
        errors["code"] = _("Mã đơn vị “%(code)s” đã có.") % {"code": spec.code}
    if not (spec.name or "").strip():
        errors["name"] = _("Cần ghi tên đơn vị.")
    if spec.kind not in Unit.Kind.values:
        errors["kind"] = _("Loại hình đơn vị không hợp lệ.")
    _refuse(errors)
    unit = Unit(
        code=spec.code,
        name=spec.name.strip(),
        short_name=spec.short_name.strip(),
        kind=spec.kind,
        sector=spec.sector,
        members=spec.members,
        active_from=event.effective_on,
    )
    unit = Unit.objects.add_child(parent, instance=unit) if parent else Unit.objects.add_root(instance=unit)
    unit.refresh_from_db()
    Placement.objects.create(unit=unit, parent=parent, valid_from=event.effective_on, event=event)
    return unit


def _check_order(units: list[Unit], day: date) -> None:
    """Events are recorded in the order they took effect: one dated on or before an event already
    recorded for any of these units would rewrite what that event decided."""
    from django.db.models import Max, Q

    latest = ReorgEvent.objects.filter(
        Q(placements__unit__in=units)
        | Q(successions__predecessor__in=units)
        | Q(successions__successor__in=units)
    ).aggregate(day=Max("effective_on"))["day"]
    if latest is not None and day <= latest:
        raise Refused(
            _(
                "Đã có sự kiện có hiệu lực ngày %(day)s liên quan đến các đơn vị này; sự kiện mới phải có hiệu lực sau ngày đó."
            )
            % {"day": latest.strftime("%d/%m/%Y")}
        )


def _check_active(units: list[Unit], day: date) -> None:
    ended = [u.display_name for u in units if not _active_on(u, day)]
    if ended:
        raise Refused(
            _("Đơn vị không còn hoạt động vào ngày có hiệu lực: %(units)s.") % {"units": ", ".join(ended)}
        )


@transaction.atomic
def reorg_transfer(*, unit: Unit, new_parent: Unit, decision: Decision, user) -> ReorgEvent:
    """The unit moves to another parent from the effective day, with its records (its history too)."""
    _refuse(decision_errors(decision))
    old_parent = _parent_of(unit)
    if new_parent.pk == unit.pk or new_parent.path.startswith(unit.path):
        raise Refused(_("Không thể chuyển một đơn vị vào chính nó hoặc vào đơn vị trực thuộc nó."))
    if old_parent is not None and new_parent.pk == old_parent.pk:
        raise Refused(_("Đơn vị đã trực thuộc %(parent)s.") % {"parent": new_parent.display_name})
    if new_parent.depth != unit.depth - 1:
        # The roll-up adds up level by level: a unit keeps its level (a cell stays a cell).
        raise Refused(_("Chỉ chuyển đơn vị sang một đơn vị cấp trên cùng cấp với đơn vị cấp trên hiện nay."))
    _check_active([unit, new_parent], decision.effective_on)
    _check_order([unit, new_parent], decision.effective_on)
    event = _event(ReorgEvent.Kind.TRANSFER, decision, user)
    _close(unit, decision.effective_on)
    Placement.objects.create(unit=unit, parent=new_parent, valid_from=decision.effective_on, event=event)
    new_parent.refresh_from_db()
    Unit.objects.move(Unit.objects.get(pk=unit.pk), new_parent, "sorted-child")
    _left(old_parent)
    return event


@transaction.atomic
def reorg_end(*, unit: Unit, decision: Decision, user) -> ReorgEvent:
    """Giải thể / kết thúc hoạt động: the unit ends, nobody continues it; its history stays."""
    _refuse(decision_errors(decision))
    _check_active([unit], decision.effective_on)
    _check_order([unit], decision.effective_on)
    if Unit.objects.filter(path__startswith=unit.path, depth__gt=unit.depth, active_to__isnull=True).exists():
        raise Refused(
            _("Đơn vị còn đơn vị trực thuộc đang hoạt động: hãy chuyển hoặc kết thúc các đơn vị đó trước.")
        )
    event = _event(ReorgEvent.Kind.END, decision, user)
    event.subject = unit
    event.save(update_fields=["subject"])
    _end(unit, decision.effective_on)
    return event


def _move_children(units: list[Unit], into: Unit, day: date, event: ReorgEvent) -> None:
    """The active units below ended units move under the unit that continues them.

    Paths shift whenever a unit is added or moved (siblings stay sorted by
    code): every unit is read afresh before its path is used.
    """
    for unit in units:
        unit.refresh_from_db()
        moved = False
        for child in Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1):
            if child.active_to is None or child.active_to >= day:
                _close(child, day)
                Placement.objects.create(unit=child, parent=into, valid_from=day, event=event)
                into.refresh_from_db()
                Unit.objects.move(Unit.objects.get(pk=child.pk), into, "sorted-child")
                moved = True
        if moved:
            _left(unit)


@transaction.atomic
def reorg_merge(*, units: list[Unit], into: NewUnit | Unit, decision: Decision, user) -> ReorgEvent:
    """Hợp nhất (into a new unit) or sáp nhập (into an existing one): the units end, `into` continues
    them; their cells move under it. They must share a parent (the unit continuing them sits there)."""
    _refuse(decision_errors(decision))
    absorb = isinstance(into, Unit)
    if len(units) < (1 if absorb else 2):
        raise Refused(
            _("Cần chọn ít nhất hai đơn vị để hợp nhất.") if not absorb else _("Cần chọn đơn vị sáp nhập.")
        )
    parents = {u.parent_path for u in units}
    if absorb:
        parents.add(into.parent_path)
        if any(u.pk == into.pk for u in units):
            raise Refused(_("Đơn vị tiếp nhận không thể đồng thời là đơn vị sáp nhập."))
    if len(parents) != 1:
        raise Refused(_("Các đơn vị hợp nhất, sáp nhập phải cùng trực thuộc một đơn vị cấp trên."))
    _check_active(units + ([into] if absorb else []), decision.effective_on)
    _check_order(units + ([into] if absorb else []), decision.effective_on)
    event = _event(ReorgEvent.Kind.ABSORB if absorb else ReorgEvent.Kind.MERGE, decision, user)
    successor = into if absorb else _create(into, _parent_of(units[0]), event)
    _move_children(units, successor, decision.effective_on, event)
    for unit in units:
        unit.refresh_from_db()
        _end(unit, decision.effective_on)
        Succession.objects.create(predecessor=unit, successor=successor, event=event)
    Unit.objects.filter(pk=successor.pk).update(continues_others=True)
    return event


@transaction.atomic
def reorg_split(
    *, unit: Unit, parts: list[NewUnit], children: dict[int, str], decision: Decision, user
) -> ReorgEvent:
    """Chia tách: the unit ends, new units continue it; `children` says which part (by code) each of
    its active cells goes to. The parts sit where the unit sat."""
    _refuse(decision_errors(decision))
    if len(parts) < 2:
        raise Refused(_("Chia tách cần ít nhất hai đơn vị mới."))
    _check_active([unit], decision.effective_on)
    _check_order([unit], decision.effective_on)
    active_children = [
        c
        for c in Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1)
        if c.active_to is None or c.active_to >= decision.effective_on
    ]
    codes = {p.code for p in parts}
    unassigned = [c.display_name for c in active_children if children.get(c.pk) not in codes]
    if unassigned:
        raise Refused(_("Chưa chọn đơn vị mới tiếp nhận cho: %(units)s.") % {"units": ", ".join(unassigned)})
    event = _event(ReorgEvent.Kind.SPLIT, decision, user)
    parent = _parent_of(unit)
    made = {spec.code: _create(spec, parent, event) for spec in parts}
    for child in active_children:
        target = made[children[child.pk]]
        _close(child, decision.effective_on)
        Placement.objects.create(unit=child, parent=target, valid_from=decision.effective_on, event=event)
        target.refresh_from_db()
        Unit.objects.move(Unit.objects.get(pk=child.pk), target, "sorted-child")
    if active_children:
        _left(unit)
    unit.refresh_from_db()
    _end(unit, decision.effective_on)
    for successor in made.values():
        Succession.objects.create(predecessor=unit, successor=successor, event=event)
    Unit.objects.filter(pk__in=[s.pk for s in made.values()]).update(continues_others=True)
    return event


@transaction.atomic
def reorg_create(*, spec: NewUnit, parent: Unit | None, decision: Decision, user) -> ReorgEvent:
    """Thành lập mới: a new unit from the effective day."""
    _refuse(decision_errors(decision))
    if parent is not None:
        _check_active([parent], decision.effective_on)
        _check_order([parent], decision.effective_on)
    event = _event(ReorgEvent.Kind.CREATE, decision, user)
    _create(spec, parent, event)
    return event
