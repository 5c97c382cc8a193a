"""The tree as it was: where each unit sat on a given day, and in a given quarter.

A unit that no reorganisation event has touched sits under its parent in
today's tree for as long as it is active; a unit with `Placement` rows sits
where they say. Both read the same way here (`spans_of`).

A quarter adds up on the tree as it stood on its last day, or on the unit's
last day if it ended during the quarter (`quarter_day`): a unit transferred
on 26/04/2024 reports its second quarter of 2024 to its new parent; a unit
ended that day still counts its last report under the parent it had. A unit
takes part in a quarter when it is active on any day of it.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q

from units.models import Placement, Unit


@dataclass(frozen=True)
class Span:
    """One stretch of a unit's place in the tree: under `parent_id` from `valid_from` (included) to
    `valid_to` (excluded); None at either end means open."""

    unit_id: int
    parent_id: int | None
    valid_from: date | None
    valid_to: date | None

    def covers(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


def is_active(unit: Unit, starts_on: date, ends_on: date) -> bool:
    return unit.is_active_between(starts_on, ends_on)


def quarter_day(unit: Unit, ends_on: date) -> date:
    """The day whose tree a unit's figures for a quarter add up on."""
    return unit.active_to if unit.active_to and unit.active_to < ends_on else ends_on


def spans_of(units: list[Unit]) -> dict[int, list[Span]]:
    """Every span of these units (one query, plus one for the parents of units never moved)."""
    out: dict[int, list[Span]] = {u.pk: [] for u in units}
    for placement in Placement.objects.filter(unit__in=units).order_by("unit_id", "valid_from"):
        out[placement.unit_id].append(
            Span(placement.unit_id, placement.parent_id, placement.valid_from, placement.valid_to)
        )
    unplaced = [u for u in units if not out[u.pk]]
    parents = dict(
        Unit.objects.filter(path__in={u.parent_path for u in unplaced if u.depth > 1}).values_list(
            "path", "id"
        )
    )
    for unit in unplaced:
        until = unit.active_to + timedelta(days=1) if unit.active_to else None
        out[unit.pk] = [
            Span(unit.pk, parents.get(unit.parent_path) if unit.depth > 1 else None, unit.active_from, until)
        ]
    return out


def parent_in(unit: Unit, spans: list[Span], starts_on: date, ends_on: date) -> int | None | bool:
    """The parent a unit's figures for a quarter go to; False when it takes no part in that quarter."""
    if not unit.is_active_between(starts_on, ends_on):
        return False
    day = quarter_day(unit, ends_on)
    for span in spans:
        if span.covers(day):
            return span.parent_id
    return False


def children_in(unit: Unit, starts_on: date, ends_on: date) -> list[Unit]:
    """The units under `unit` in a quarter (as the roll-up adds them up), by path. Two queries."""
    below = {u.pk: u for u in Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1)}
    placed: dict[int, list[Span]] = {}
    for p in Placement.objects.filter(Q(parent=unit) | Q(unit__in=list(below))).select_related("unit"):
        below.setdefault(p.unit_id, p.unit)
        placed.setdefault(p.unit_id, []).append(Span(p.unit_id, p.parent_id, p.valid_from, p.valid_to))
    out = []
    for child in below.values():
        # Only the placements under this unit are read for units moved in: when none of them covers
        # the quarter's day, the unit sat elsewhere then.
        spans = placed.get(child.pk) or [
            Span(
                child.pk,
                unit.pk,
                child.active_from,
                child.active_to + timedelta(days=1) if child.active_to else None,
            )
        ]
        if parent_in(child, spans, starts_on, ends_on) == unit.pk:
            out.append(child)
    return sorted(out, key=lambda u: u.path)


def chains(unit: Unit, quarters: list[tuple[int, date, date]]) -> dict[int, list[Unit]]:
    """For each quarter (index, starts_on, ends_on): the units a unit's figures add up into, nearest
    first — itself when it rolls up, then each unit above it in that quarter's tree; nothing in a
    quarter the unit takes no part in.

    One query for a tree no event has touched; a few per level otherwise.
    """
    active = {index for index, start, end in quarters if unit.is_active_between(start, end)}
    ancestors = list(
        Unit.objects.filter(path__in=unit.ancestor_paths())
        .annotate(placed=Exists(Placement.objects.filter(unit=OuterRef("pk"))))
        .order_by("-depth")
    )
    if not any(a.placed for a in ancestors) and all(
        a.active_from is None and a.active_to is None for a in ancestors if a.pk != unit.pk
    ):
        above = [a for a in ancestors if a.pk != unit.pk]
        chain = ([unit] if unit.rolls_up else []) + above
        return {index: (chain if index in active else []) for index, _start, _end in quarters}
    out = {index: ([unit] if unit.rolls_up and index in active else []) for index, _start, _end in quarters}
    current: dict[int, Unit] = dict.fromkeys(active, unit)
    bounds = {index: (start, end) for index, start, end in quarters}
    while current:
        spans = spans_of(list({u.pk: u for u in current.values()}.values()))
        parent_ids = {}
        for index, below in current.items():
            parent = parent_in(below, spans[below.pk], *bounds[index])
            if parent:
                parent_ids[index] = parent
        parents = Unit.objects.in_bulk(set(parent_ids.values()))
        current = {}
        for index, parent_id in parent_ids.items():
            out[index].append(parents[parent_id])
            current[index] = parents[parent_id]
    return out


def tree_on(day: date) -> tuple[list[Unit], dict[int, int | None]]:
    """The units active on `day` and each one's parent that day (None for a root). Two queries."""
    units = list(
        Unit.objects.filter(Q(active_from__isnull=True) | Q(active_from__lte=day))
        .filter(Q(active_to__isnull=True) | Q(active_to__gte=day))
        .order_by("path")
    )
    spans = spans_of(units)
    parents = {}
    for unit in units:
        covering = [s for s in spans[unit.pk] if s.covers(day)]
        if covering:
            parents[unit.pk] = covering[0].parent_id
    return [u for u in units if u.pk in parents], parents
