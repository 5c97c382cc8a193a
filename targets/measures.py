"""How one unit's approved entries become its figures over the quarters of a term.

The rule per measure (the roll-up SQL in targets.rollup applies the same rule
set-based, for units with children):
- counts (flow, sub-count): the quarter's value, and the running sum from the
  start of the term;
- ratios: the latest numerator / denominator reported, carried forward through
  quarters the unit skips (and flagged "carried");
- milestones: the latest done / not done, as 1 or 0 over 1, carried the same way.
"""

from dataclasses import dataclass

from targets.models import ProgressReport, Target

APPROVED = ProgressReport.Status.APPROVED
SUBMITTED = ProgressReport.Status.SUBMITTED


@dataclass
class Point:
    """One target's figures for one quarter (counts: value and cumulative; ratios: latest)."""

    value: int = 0
    cumulative: int = 0
    numerator: int = 0
    denominator: int = 0
    reporting: int = 0  # units with an approved figure this quarter
    carried: int = 0  # units whose figure is carried from an earlier quarter


def stock_of(target: Target, entry: dict) -> tuple[int, int]:
    """A ratio's or milestone's figure in one entry, as (numerator, denominator)."""
    if target.is_milestone:
        return (1 if entry["done"] else 0), 1
    return entry["numerator"] or 0, entry["denominator"] or 0


def points_from_entries(target: Target, by_index: dict[int, dict], indexes: list[int]) -> list[Point]:
    """The unit's point for each quarter index, from its approved entries keyed by quarter index.

    Each entry is a dict with value, numerator, denominator and done.
    """
    points, running, latest = [], 0, None
    for index in indexes:
        entry = by_index.get(index)
        if target.is_count:
            value = (entry["value"] or 0) if entry else 0
            running += value
            points.append(Point(value=value, cumulative=running, reporting=1 if entry else 0))
            continue
        if entry is not None:
            latest = stock_of(target, entry)
        numerator, denominator = latest or (0, 0)
        points.append(
            Point(
                numerator=numerator,
                denominator=denominator,
                reporting=1 if entry else 0,
                carried=1 if entry is None and latest is not None else 0,
            )
        )
    return points


FIGURE_FIELDS = ("value", "numerator", "denominator", "done")
POINT_FIELDS = tuple(Point.__dataclass_fields__)


def figure_of(entry) -> dict:
    """The raw figures of an entry (an Entry or a dict), as the roll-up reads them."""
    if isinstance(entry, dict):
        return {name: entry.get(name) for name in FIGURE_FIELDS}
    return {name: getattr(entry, name) for name in FIGURE_FIELDS}


def point_deltas(target: Target, before: dict[int, dict], after: dict[int, dict], indexes: list[int]):
    """What one unit's change of history adds to its ancestors' roll-up rows, quarter by quarter.

    `before` and `after` map a quarter index to the unit's approved figures for
    this target (absent: no approved entry). Returns {index: Point of
    differences} for the quarters whose contribution changes; the carry-forward
    of a ratio is why a change can reach several quarters.
    """
    old = points_from_entries(target, before, indexes)
    new = points_from_entries(target, after, indexes)
    out = {}
    for index, a, b in zip(indexes, old, new, strict=True):
        delta = Point(**{name: getattr(b, name) - getattr(a, name) for name in POINT_FIELDS})
        if any(getattr(delta, name) for name in POINT_FIELDS):
            out[index] = delta
    return out


def status_counts(status: list | tuple | None) -> tuple[int, int, int]:
    """(approved on time, approved late, awaiting review) that one report adds to the counts above it,
    from its (status, late); a report not started, in draft or returned adds nothing."""
    if not status:
        return (0, 0, 0)
    name, late = status
    if name == APPROVED:
        return (0, 1, 0) if late else (1, 0, 0)
    return (0, 0, 1) if name == SUBMITTED else (0, 0, 0)
