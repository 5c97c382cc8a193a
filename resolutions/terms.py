"""Which term applies to a unit on a given day, and the calendar of a term.

A term (nhiệm kỳ) opens with a congress and runs for `term_years` years of
quarters, from the quarter after the congress closes. A unit follows the
congress held at the nearest level at or above it (the bloc's congress, for
its grassroots organisations). When that level has held several congresses,
the one whose term contains the day applies; after a term has ended and
before the next congress, the latest one that began before the day still
applies (its reports are being closed); before any has begun, the earliest.

Every page, document and rule that needs "the term" or "the resolution" of a
unit asks here; `resolutions/` never imports `targets/`.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from config.clock import today
from resolutions.models import Congress, Resolution


@dataclass(frozen=True)
class QuarterSpan:
    index: int  # 1 for the term's first quarter
    year: int
    quarter: int
    starts_on: date
    ends_on: date


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first_month = 3 * (quarter - 1) + 1
    last_month = first_month + 2
    return date(year, first_month, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


def term_quarters(congress: Congress) -> list[QuarterSpan]:
    """The quarters of a term: from the quarter in which it starts (the day after
    the congress closes), for as many quarters as the term has years × 4."""
    year, quarter = quarter_of(congress.held_to + timedelta(days=1))
    spans = []
    for index in range(1, congress.term_years * 4 + 1):
        starts_on, ends_on = quarter_bounds(year, quarter)
        spans.append(QuarterSpan(index, year, quarter, starts_on, ends_on))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return spans


def term_ends_on(congress: Congress) -> date:
    """The last day of the term's last quarter."""
    return term_quarters(congress)[-1].ends_on


def congress_for(unit, on: date | None = None) -> Congress | None:
    """The congress whose term applies to this unit on this day (today by default); one query, and one
    more for a unit under a committee that continues another: a bloc formed by a split follows its
    predecessor's congress for the rest of the term (the congress of a unit's predecessors counts as
    held at its own level)."""
    on = on or today()
    candidates = list(
        Congress.objects.filter(unit__path__in=unit.ancestor_paths()).select_related("unit", "parent__parent")
    )
    own = bool(candidates)
    if not candidates:
        candidates = _inherited(unit)
    if not candidates:
        return None
    nearest = max(c.unit.depth for c in candidates)
    held_here = [c for c in candidates if c.unit.depth == nearest]
    began = [c for c in held_here if c.held_from <= on]
    if not began and own:
        # A committee whose first congress is still to come follows, until then, the term of the
        # committees it continues (a bloc formed by a merge reads its predecessors' quarters).
        began = [c for c in _inherited(unit) if c.held_from <= on]
    if not began:
        return min(held_here, key=lambda c: c.held_from)
    containing = [c for c in began if on <= term_ends_on(c)]
    return max(containing or began, key=lambda c: c.held_from)


def _inherited(unit) -> list[Congress]:
    """The congresses of the nearest predecessors of the unit or of the units above it."""
    from units.models import Succession, Unit

    frontier = set(Unit.objects.filter(path__in=unit.ancestor_paths()).values_list("pk", flat=True))
    seen = set(frontier)
    while frontier:
        predecessors = (
            set(Succession.objects.filter(successor__in=frontier).values_list("predecessor_id", flat=True))
            - seen
        )
        found = list(Congress.objects.filter(unit__in=predecessors).select_related("unit", "parent__parent"))
        if found:
            return found
        seen |= predecessors
        frontier = predecessors
    return []


def resolution_for(unit, on: date | None = None) -> Resolution | None:
    """The resolution of the congress that applies to this unit on this day."""
    congress = congress_for(unit, on)
    if congress is None:
        return None
    return Resolution.objects.filter(congress=congress).select_related("congress__unit").first()


def superseded(unit, congress: Congress, on: date | None = None) -> bool:
    """Has a later term begun for this unit (its committee held the next congress)? Then the quarters
    of `congress` are read-only for it: readable, never written."""
    current = congress_for(unit, on)
    return current is not None and current.pk != congress.pk and current.held_from > congress.held_from


def terms_of(unit) -> list[Congress]:
    """Every term a unit's figures were or are read on: the congresses held at its level or above,
    and those of the committees they continue (transitively), earliest first. Two queries when no
    committee above it continues another."""
    from django.db.models import Q

    from units.models import Succession

    paths = unit.ancestor_paths()
    ids: set[int] = set()
    frontier = set(
        Succession.objects.filter(successor__path__in=paths).values_list("predecessor_id", flat=True)
    )
    while frontier - ids:
        ids |= frontier
        frontier = set(
            Succession.objects.filter(successor__in=frontier).values_list("predecessor_id", flat=True)
        )
    return list(
        Congress.objects.filter(Q(unit__path__in=paths) | Q(unit__in=ids))
        .select_related("unit")
        .order_by("held_from")
    )
