"""What a dashboard shows, built with a fixed number of queries whatever the number of units.

A unit with children reads its roll-up rows; a unit without children reads
its own approved entries (docs/figures.md, "Roll-up engine"). The
league table reads the roll-up rows of the children that have children and
the entries of those that do not: one query each.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Sum

from targets.charts import count_chart, ratio_chart
from targets.entries import unit_scope_targets
from targets.ledger import Freshness, freshness
from targets.measures import Point, points_from_entries, status_counts
from targets.models import Allocation, Entry, Period, ProgressReport, Rollup, RollupUnit, Target
from targets.progress import (
    Assessment,
    State,
    assess_count,
    assess_ratio,
    count_state,
    expected_to_date,
    worst,
)
from units.models import Unit

Status = ProgressReport.Status


@dataclass
class UnitTarget:
    """What a unit must reach: its quota (or the bloc's value), and yearly quotas per quarter."""

    value: Decimal | None
    per_quarter: list[Decimal] | None = None


@dataclass
class TargetLine:
    target: Target
    goal: UnitTarget
    points: list[Point]
    assessment: Assessment
    chart: str = ""
    big_chart: str = ""
    as_of_period: Period | None = None  # year-end targets: the quarter the figure is from

    @property
    def current(self) -> Point:
        return self.points[-1] if self.points else Point()

    @property
    def carried(self) -> bool:
        return self.current.carried > 0


@dataclass
class LeagueRow:
    unit: Unit
    state: State
    share: Decimal | None  # percent of the principal quota achieved
    cells: dict[int, tuple[Decimal, Decimal | None, State]] = field(
        default_factory=dict
    )  # target → actual, quota, state


@dataclass
class Completeness:
    """Of the grassroots organisations expected to report a quarter: who did, late or not, who did not.

    `missing` names the grassroots organisations among the unit and its
    children; `missing_groups` gives, for each other child with children (an
    intermediate level), how many below it are missing.
    """

    period: Period
    expected: int
    on_time: int
    late: int
    pending: int
    missing: list[Unit]
    missing_total: int
    missing_groups: list[tuple[Unit, int]] = field(default_factory=list)

    @property
    def reported(self) -> int:
        return self.on_time + self.late


@dataclass
class Dashboard:
    unit: Unit
    period: Period
    periods: list[Period]  # the whole term
    lines: list[TargetLine]
    league: list[LeagueRow]
    league_targets: list[Target]
    completeness: Completeness
    freshness: Freshness

    @property
    def elapsed(self) -> list[Period]:
        return [p for p in self.periods if p.index <= self.period.index]


# --- Goals ---------------------------------------------------------------------------


def goals_for(units: list[Unit], targets: list[Target], periods: list[Period], root_id: int) -> dict:
    """(unit id, target id) → UnitTarget. The root carries the resolution's values."""
    quarters_in_year = defaultdict(int)
    for period in periods:
        quarters_in_year[period.year] += 1
    term: dict[tuple[int, int], Decimal] = {}
    yearly: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for a in Allocation.objects.filter(unit__in=[u.pk for u in units], target__in=targets):
        if a.year is None:
            term[(a.unit_id, a.target_id)] = Decimal(a.value)
        else:
            yearly[(a.unit_id, a.target_id)][a.year] = a.value
    out = {}
    for unit in units:
        for target in targets:
            key = (unit.pk, target.pk)
            if target.is_unit_target:
                out[key] = _own_goal(target, unit, periods, quarters_in_year)
                continue
            if not target.is_count or unit.pk == root_id:
                out[key] = UnitTarget(target.value)
                continue
            per_year = yearly.get(key)
            per_quarter = None
            if per_year:
                per_quarter = [Decimal(per_year.get(p.year, 0)) / quarters_in_year[p.year] for p in periods]
            value = term.get(key)
            if value is None and per_year:
                value = Decimal(sum(per_year.values()))
            out[key] = UnitTarget(value, per_quarter)
    return out


def _own_goal(target: Target, unit: Unit, periods: list[Period], quarters_in_year: dict) -> UnitTarget:
    """A unit's own target: its value for the owner, spread over the quarters of the years it covers."""
    if target.owner_unit_id != unit.pk:
        return UnitTarget(None if target.is_count else target.value)
    if not target.is_count or (target.first_year is None and target.last_year is None):
        return UnitTarget(target.value)
    covered = [p for p in periods if target.covers(p.year)]
    share = target.value / len(covered) if covered else Decimal(0)
    return UnitTarget(target.value, [share if target.covers(p.year) else Decimal(0) for p in periods])


# --- Series ---------------------------------------------------------------------------


def _leaf_points(entries: list[dict], targets: list[Target], periods: list[Period]) -> dict[int, list[Point]]:
    """A unit without children: its own approved entries, cumulated and carried like the roll-up."""
    by_target: dict[int, dict[int, dict]] = defaultdict(dict)
    for entry in entries:
        by_target[entry["target_id"]][entry["report__period__index"]] = entry
    indexes = [p.index for p in periods]
    return {t.pk: points_from_entries(t, by_target[t.pk], indexes) for t in targets}


def series_for(unit: Unit, targets: list[Target], periods: list[Period]) -> dict[int, list[Point]]:
    """Each target's points for the given quarters (one query)."""
    if unit.numchild > 0:
        rows = Rollup.objects.filter(unit=unit, period__in=periods, target__in=targets).values(
            "target_id",
            "period__index",
            "value",
            "cumulative",
            "numerator",
            "denominator",
            "reporting",
            "carried",
        )
        by_key = {(r["target_id"], r["period__index"]): r for r in rows}
        out = {}
        for target in targets:
            points = []
            for period in periods:
                row = by_key.get((target.pk, period.index))
                points.append(Point(**{k: row[k] for k in Point.__dataclass_fields__}) if row else Point())
            out[target.pk] = points
        return out
    entries = list(
        Entry.objects.filter(
            report__unit=unit, report__status=Status.APPROVED, report__period__in=periods, target__in=targets
        ).values("target_id", "report__period__index", "value", "numerator", "denominator", "done")
    )
    return _leaf_points(entries, targets, periods)


def assess(target: Target, goal: UnitTarget, points: list[Point], total: int) -> Assessment:
    current = points[-1] if points else Point()
    if target.is_count:
        return assess_count(
            cumulative_series=[p.cumulative for p in points],
            target=goal.value,
            total=total,
            has_data=any(p.reporting for p in points),
            at_most=target.comparison == Target.Comparison.AT_MOST,
            yearly=goal.per_quarter,
        )
    return assess_ratio(
        numerator=current.numerator,
        denominator=current.denominator,
        threshold=target.value,
        at_most=target.comparison == Target.Comparison.AT_MOST,
    )


def target_lines(
    unit: Unit, targets: list[Target], periods: list[Period], as_of: Period, root_id: int, charts: bool = True
) -> list[TargetLine]:
    elapsed = [p for p in periods if p.index <= as_of.index]
    series = series_for(unit, targets, elapsed)
    goals = goals_for([unit], targets, periods, root_id)
    labels = [p.label for p in periods]
    lines = []
    for target in targets:
        points = series[target.pk]
        goal = goals[(unit.pk, target.pk)]
        line = TargetLine(target, goal, points, assess(target, goal, points, len(periods)))
        if target.reporting == Target.Reporting.YEAR_END:
            line.as_of_period = next(
                (p for p, pt in zip(reversed(elapsed), reversed(points), strict=True) if pt.reporting), None
            )
        if charts:
            line.chart, line.big_chart = _charts(target, goal, points, labels, len(periods))
        lines.append(line)
    return lines


def lines_by_quarter(
    unit: Unit, targets: list[Target], periods: list[Period], upto: Period, root_id: int
) -> list[tuple[Period, list[TargetLine]]]:
    """The unit's target lines as of each quarter up to `upto`, from one load of its series (for exports)."""
    elapsed = [p for p in periods if p.index <= upto.index]
    series = series_for(unit, targets, elapsed)
    goals = goals_for([unit], targets, periods, root_id)
    out = []
    for n, period in enumerate(elapsed, start=1):
        lines = []
        for target in targets:
            points = series[target.pk][:n]
            goal = goals[(unit.pk, target.pk)]
            lines.append(TargetLine(target, goal, points, assess(target, goal, points, len(periods))))
        out.append((period, lines))
    return out


def _charts(
    target: Target, goal: UnitTarget, points: list[Point], labels: list[str], total: int
) -> tuple[str, str]:
    title = f"{target.code} · {target.short_title or target.title}"
    if target.is_count:
        values = [p.value for p in points] + [None] * (total - len(points))
        cumulative = [p.cumulative for p in points] + [None] * (total - len(points))
        goal_value = float(goal.value) if goal.value is not None else None
        small = count_chart(
            labels=labels, values=values, cumulative=cumulative, target=goal_value, total=total, title=title
        )
        big = count_chart(
            labels=labels,
            values=values,
            cumulative=cumulative,
            target=goal_value,
            total=total,
            title=title,
            width=640,
            height=220,
        )
        return small, big
    year_end = target.reporting == Target.Reporting.YEAR_END
    percents = [
        float(p.numerator) * 100 / p.denominator if p.denominator and (not year_end or p.reporting) else None
        for p in points
    ] + [None] * (total - len(points))
    small = ratio_chart(labels=labels, percents=percents, threshold=float(target.value), title=title)
    big = ratio_chart(
        labels=labels, percents=percents, threshold=float(target.value), title=title, width=640, height=220
    )
    return small, big


# --- League of child units ----------------------------------------------------------------


def league(
    unit: Unit, targets: list[Target], periods: list[Period], as_of: Period, root_id: int
) -> tuple[list[LeagueRow], list[Target]]:
    """The units directly below: where each stands on the count targets it holds a quota of."""
    children = [
        c
        for c in Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path")
        if c.is_active_between(as_of.starts_on, as_of.ends_on)
    ]
    counts = [t for t in targets if t.is_count]
    if not children or not counts:
        return [], []
    goals = goals_for(children, counts, periods, root_id)
    actual: dict[tuple[int, int], tuple[int, bool]] = {}
    with_children = [c.pk for c in children if c.numchild > 0]
    for row in Rollup.objects.filter(unit__in=with_children, period=as_of, target__in=counts).values(
        "unit_id", "target_id", "cumulative", "reporting", "carried"
    ):
        actual[(row["unit_id"], row["target_id"])] = (row["cumulative"], True)
    leaves = [c.pk for c in children if c.numchild == 0]
    for row in (
        Entry.objects.filter(
            report__unit__in=leaves,
            report__status=Status.APPROVED,
            report__period__congress=as_of.congress,
            report__period__index__lte=as_of.index,
            target__in=counts,
        )
        .values("report__unit_id", "target_id")
        .annotate(total=Sum("value"), n=Count("id"))
    ):
        actual[(row["report__unit_id"], row["target_id"])] = (row["total"] or 0, row["n"] > 0)
    holders = {t.pk: sum(goals[(c.pk, t.pk)].value is not None for c in children) for t in counts}
    shown = [t for t in counts if holders[t.pk]]
    # The principal quota is the flow that the most units hold (new members, in the demo).
    flows = [t for t in shown if t.measure == Target.Measure.FLOW] or shown
    principal = max(flows, key=lambda t: (holders[t.pk], -t.position)) if flows else None
    rows = []
    for child in children:
        cells, states = {}, []
        for target in shown:
            goal = goals[(child.pk, target.pk)]
            done, has_data = actual.get((child.pk, target.pk), (0, False))
            if goal.value is None:
                continue
            expected = expected_to_date(goal.value, as_of.index, len(periods), goal.per_quarter)
            state = count_state(
                actual=Decimal(done),
                expected=expected,
                target=goal.value,
                has_data=has_data,
                at_most=target.comparison == Target.Comparison.AT_MOST,
            )
            cells[target.pk] = (Decimal(done), goal.value, state)
            states.append(state)
        share = None
        if principal and principal.pk in cells and cells[principal.pk][1]:
            share = Decimal(cells[principal.pk][0]) * 100 / cells[principal.pk][1]
        rows.append(LeagueRow(child, worst(states), share, cells))
    return rows, shown


LEAGUE_SORTS = {"name", "share", "state"}


def sort_league(rows: list[LeagueRow], key: str, descending: bool) -> list[LeagueRow]:
    if key == "name":
        return sorted(rows, key=lambda r: r.unit.name, reverse=descending)
    if key == "state":
        order = {
            s: i
            for i, s in enumerate(
                [
                    State.OFF_TRACK,
                    State.AT_RISK,
                    State.NO_DATA,
                    State.ON_TRACK,
                    State.ACHIEVED,
                    State.NO_TARGET,
                ]
            )
        }
        return sorted(rows, key=lambda r: (order[r.state], r.share or 0), reverse=descending)
    return sorted(rows, key=lambda r: (r.share is None, r.share or 0), reverse=descending)


# --- Completeness --------------------------------------------------------------------------


def completeness(unit: Unit, period: Period) -> Completeness:
    """Counts from the settled report counts (RollupUnit), names of the units on the page.

    A fixed number of queries whatever the size of the subtree: the unit's own
    row, its children, their rows, and the reports of the children without children.
    """
    children = [
        c
        for c in Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path")
        if c.is_active_between(period.starts_on, period.ends_on)
    ]
    # Grassroots organisations are named (whether or not they have cells); other units with
    # children below (an intermediate level) say how many are missing under them.
    direct = [c for c in children if c.is_grassroots]
    if unit.is_grassroots and unit.is_active_between(period.starts_on, period.ends_on):
        direct.insert(0, unit)
    statuses = dict(
        ProgressReport.objects.filter(unit__in=direct, period=period).values_list("unit_id", "status")
    )
    missing = [u for u in direct if statuses.get(u.pk) != Status.APPROVED]
    if unit.numchild == 0:
        report = ProgressReport.objects.filter(unit=unit, period=period).values_list("status", "late").first()
        on_time, late, pending = status_counts(report)
        expected = len(direct)
        return Completeness(period, expected, on_time, late, pending, missing, expected - on_time - late)
    row = RollupUnit.objects.filter(unit=unit, period=period).first() or RollupUnit()
    groups = []
    with_children = {c.pk: c for c in children if c.numchild > 0 and not c.is_grassroots}
    for child_row in RollupUnit.objects.filter(unit_id__in=with_children, period=period):
        short = child_row.expected - child_row.on_time - child_row.late
        if short > 0:
            groups.append((with_children[child_row.unit_id], short))
    groups.sort(key=lambda item: item[0].path)
    return Completeness(
        period,
        row.expected,
        row.on_time,
        row.late,
        row.pending,
        missing,
        row.expected - row.on_time - row.late,
        groups,
    )


def missing_units(unit: Unit, period: Period) -> list[Unit]:
    """Every grassroots organisation under a unit with no approved report for the quarter, by name.

    Reads the whole subtree: for documents, which list them all, not for dashboards.
    """
    approved = ProgressReport.objects.filter(period=period, status=Status.APPROVED, unit=OuterRef("pk"))
    return list(
        Unit.objects.filter(path__startswith=unit.path, kind__in=Unit.GRASSROOTS_KINDS)
        .filter(
            Q(active_from__isnull=True) | Q(active_from__lte=period.ends_on),
            Q(active_to__isnull=True) | Q(active_to__gte=period.starts_on),
        )
        .exclude(Exists(approved))
        .order_by("path")
    )


def build(
    unit: Unit, as_of: Period, root_id: int, sort: str = "share", descending: bool = False
) -> Dashboard:
    periods = list(Period.objects.filter(congress=as_of.congress).order_by("index"))
    targets = unit_scope_targets(unit, as_of.congress)
    resolution_targets = [t for t in targets if not t.is_unit_target]
    rows, shown = league(unit, resolution_targets, periods, as_of, root_id)
    return Dashboard(
        unit=unit,
        period=as_of,
        periods=periods,
        lines=target_lines(unit, targets, periods, as_of, root_id),
        league=sort_league(rows, sort if sort in LEAGUE_SORTS else "share", descending),
        league_targets=shown,
        completeness=completeness(unit, as_of),
        freshness=freshness(unit, as_of.congress),
    )


def own_target_states(targets: list[Target], as_of: Period, periods: list[Period]) -> dict[int, Assessment]:
    """Where each unit's own target stands as of a quarter, for many units at once (three queries)."""
    owners_with_children = {t.pk for t in targets if t.owner_unit and t.owner_unit.numchild > 0}
    # A target has data once its unit reported it in some quarter so far: roll-up rows exist from
    # the first quarter with data on, a leaf's points are built from its approved entries.
    figures: dict[int, Point] = {}
    for row in Rollup.objects.filter(target_id__in=owners_with_children, period=as_of).select_related(
        "target"
    ):
        if row.unit_id == row.target.owner_unit_id:
            figures[row.target_id] = Point(
                value=row.value,
                cumulative=row.cumulative,
                numerator=row.numerator,
                denominator=row.denominator,
                reporting=row.reporting,
                carried=row.carried,
            )
    leaf_targets = [t for t in targets if t.pk not in owners_with_children and t.owner_unit_id]
    entries = Entry.objects.filter(
        target__in=leaf_targets,
        report__status=Status.APPROVED,
        report__period__congress=as_of.congress,
        report__period__index__lte=as_of.index,
        report__unit_id=F("target__owner_unit_id"),
    ).values("target_id", "report__period__index", "value", "numerator", "denominator", "done")
    by_target: dict[int, dict[int, dict]] = defaultdict(dict)
    for entry in entries:
        by_target[entry["target_id"]][entry["report__period__index"]] = entry
    indexes = [p.index for p in periods if p.index <= as_of.index]
    for target in leaf_targets:
        if by_target[target.pk]:
            figures[target.pk] = points_from_entries(target, by_target[target.pk], indexes)[-1]
    out = {}
    for target in targets:
        point = figures.get(target.pk, Point())
        has_data = target.pk in figures
        goal = _own_goal(target, target.owner_unit, periods, _quarters_in_year(periods))
        if target.is_count:
            expected = expected_to_date(goal.value, as_of.index, len(periods), goal.per_quarter)
            state = count_state(
                actual=Decimal(point.cumulative),
                expected=expected,
                target=goal.value,
                has_data=has_data,
                at_most=target.comparison == Target.Comparison.AT_MOST,
            )
            percent = Decimal(point.cumulative) * 100 / goal.value if goal.value else None
            out[target.pk] = Assessment(
                state, Decimal(point.cumulative), goal.value, percent, expected=expected
            )
        else:
            out[target.pk] = assess_ratio(
                numerator=point.numerator,
                denominator=point.denominator,
                threshold=target.value,
                at_most=target.comparison == Target.Comparison.AT_MOST,
            )
    return out


def _quarters_in_year(periods: list[Period]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for period in periods:
        counts[period.year] += 1
    return counts
