"""Quotas after a split, merge or absorption: the office redistributes the affected units' quotas.

The units an event ends hand their term quotas (Allocation, year empty) to
the units that continue them. `quota_lines` says, per count target, what the
ended units held (a bloc that held the congress holds the resolution's value
itself) and proposes the successors' share; `quotas_redistribute` writes the
office's figures. A redistribution whose new total differs from the old one
is refused unless the office records why; a sub-count's quota may never
exceed its parent's for the same unit (docs/figures.md).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from config.formatting import format_number
from config.refusals import FieldError, Refused
from resolutions.terms import congress_for
from targets.models import Allocation, QuotaRedistribution, Target
from units.models import ReorgEvent, Succession, Unit

REDISTRIBUTED = (ReorgEvent.Kind.SPLIT, ReorgEvent.Kind.MERGE, ReorgEvent.Kind.ABSORB)


@dataclass
class QuotaLine:
    """One count target: the old quotas of the units the event concerns and the new ones."""

    target: Target
    before: dict[str, int]  # unit code → quota as it stood
    after: dict[str, int]  # unit code → quota proposed, or as recorded
    reason: str = ""
    recorded: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def before_total(self) -> int:
        return sum(self.before.values())

    @property
    def after_total(self) -> int:
        return sum(self.after.values())

    @property
    def adds_up(self) -> bool:
        return self.before_total == self.after_total


def sides(event: ReorgEvent) -> tuple[list[Unit], list[Unit]]:
    """The units that ended by the event and the units that continue them (an absorbing unit is both
    an old holder of quotas and their new holder: it is listed on the right)."""
    rows = list(Succession.objects.filter(event=event).select_related("predecessor", "successor"))
    before = list({s.predecessor_id: s.predecessor for s in rows}.values())
    after = list({s.successor_id: s.successor for s in rows}.values())
    return sorted(before, key=lambda u: u.path), sorted(after, key=lambda u: u.code)


def _term_quotas(units: list[Unit], targets: list[Target]) -> dict[tuple[int, int], int]:
    return {
        (a.target_id, a.unit_id): a.value
        for a in Allocation.objects.filter(unit__in=units, target__in=targets, year__isnull=True)
    }


def _subtree_members(unit: Unit) -> int:
    return sum(unit.subtree().values_list("members", flat=True))


def _share(total: int, weights: list[int]) -> list[int]:
    """`total` in integers proportional to `weights` (largest remainder); equal shares without weights."""
    weights = weights if sum(weights) else [1] * len(weights)
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


def quota_lines(event: ReorgEvent) -> list[QuotaLine]:
    """Per count target of the predecessors' term: old quotas and the new ones (recorded, or proposed:
    the quotas of the units each successor received when they add up to the old total, else shares
    by members; a merge's whole total to the unit that continues it)."""
    if event.kind not in REDISTRIBUTED:
        return []
    before, after = sides(event)
    if not before:
        return []
    congress = congress_for(before[0], on=event.effective_on - timedelta(days=1))
    if congress is None:
        return []
    targets = [
        t
        for t in Target.objects.filter(resolution__congress=congress, owner_unit__isnull=True).order_by(
            "position", "code"
        )
        if t.is_count
    ]
    received = {s.pk: list(Unit.objects.filter(path__startswith=s.path, depth=s.depth + 1)) for s in after}
    held = _term_quotas([*before, *after, *[c for cs in received.values() for c in cs]], targets)
    recorded = {r.target_id: r for r in QuotaRedistribution.objects.filter(event=event)}
    absorbing = {u.pk for u in after} if event.kind == ReorgEvent.Kind.ABSORB else set()
    lines = []
    for target in targets:
        old = {}
        for unit in before:
            if unit.pk == congress.unit_id:
                old[unit.code] = int(target.value)  # the bloc that held the congress: the resolution's value
            elif (target.pk, unit.pk) in held:
                old[unit.code] = held[(target.pk, unit.pk)]
        for unit in after:
            if unit.pk in absorbing and (target.pk, unit.pk) in held:
                old[unit.code] = held[(target.pk, unit.pk)]
        if not old:
            continue  # nobody held a quota of this target: nothing to redistribute
        if target.pk in recorded:
            line = recorded[target.pk]
            lines.append(QuotaLine(target, old, dict(line.after), line.reason, recorded=True))
            continue
        total = sum(old.values())
        from_children = [sum(held.get((target.pk, c.pk), 0) for c in received[u.pk]) for u in after]
        if len(after) == 1:
            proposed = [total]
        elif sum(from_children) == total:
            proposed = from_children
        else:
            proposed = _share(total, [_subtree_members(u) for u in after])
        lines.append(QuotaLine(target, old, {u.code: v for u, v in zip(after, proposed, strict=True)}))
    return lines


@transaction.atomic
def quotas_redistribute(*, event: ReorgEvent, values: dict[tuple[int, str], int], reason: str, user):
    """Write the successors' term quotas for every target of `quota_lines` (values keyed by
    (target id, unit code)) and record the redistribution. Refused, with nothing written, when a
    target's new total differs from its old one and no reason is given, or a sub-count's quota
    exceeds its parent's for a unit."""
    lines = quota_lines(event)
    if not lines:
        raise Refused(_("Sự kiện này không có chỉ tiêu giao cần phân bổ lại."))
    _before, after = sides(event)
    reason = (reason or "").strip()
    errors = []
    for line in lines:
        for unit in after:
            value = values.get((line.target.pk, unit.code))
            if value is None or value < 0:
                errors.append(
                    FieldError(
                        f"q-{line.target.pk}-{unit.code}",
                        _("Cần nhập chỉ tiêu giao (số nguyên không âm)."),
                    )
                )
                continue
            line.after[unit.code] = value
    if errors:
        raise Refused(_("Chưa ghi nhận: xem các lỗi bên dưới."), errors)
    for line in lines:
        if not line.adds_up and not reason:
            errors.append(
                FieldError(
                    "reason",
                    _(
                        "Tổng chỉ tiêu mới của “%(target)s” là %(new)s, khác tổng cũ %(old)s: "
                        "hãy sửa lại cho khớp hoặc ghi lý do chênh lệch."
                    )
                    % {
                        "target": line.target.code,
                        "new": format_number(line.after_total),
                        "old": format_number(line.before_total),
                    },
                )
            )
    by_target = {line.target.pk: line for line in lines}
    for line in lines:
        parent = by_target.get(line.target.parent_id)
        if parent is None:
            continue
        for unit in after:
            if line.after[unit.code] > parent.after[unit.code]:
                errors.append(
                    FieldError(
                        f"q-{line.target.pk}-{unit.code}",
                        _("Chỉ tiêu %(sub)s của %(unit)s không được lớn hơn chỉ tiêu %(parent)s.")
                        % {"sub": line.target.code, "unit": unit.display_name, "parent": parent.target.code},
                    )
                )
    if errors:
        raise Refused(_("Chưa ghi nhận: xem các lỗi bên dưới."), errors)
    for line in lines:
        for unit in after:
            Allocation.objects.update_or_create(
                target=line.target, unit=unit, year=None, defaults={"value": line.after[unit.code]}
            )
        QuotaRedistribution.objects.update_or_create(
            event=event,
            target=line.target,
            defaults={
                "before": line.before,
                "after": line.after,
                "reason": reason if not line.adds_up else "",
                "recorded_by": user if getattr(user, "pk", None) else None,
            },
        )
    return lines
