"""What a dashboard shows, built with a fixed number of queries whatever the number of units.

A unit with children reads its roll-up rows; a unit without children reads
its own approved entries (docs/figures.md, "Roll-up engine"). The
league table reads the roll-up rows of the children that have children and
the entries of those that do not: one query each.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils.translation import gettext as _

from config import clock
from config.formatting import format_number, format_percent, ratio_percent
from resolutions.tracking import StudyCoverage
from targets.charts import count_chart, ratio_chart
from targets.entries import unit_scope_targets
from targets.ledger import Freshness, freshness
from targets.measures import Point, points_from_entries, status_counts
from targets.models import (
    Allocation,
    DeadlineExtension,
    Entry,
    Period,
    ProgressReport,
    QuotaRedistribution,
    Rollup,
    RollupUnit,
    Target,
)
from targets.progress import (
    RUN_RATE_QUARTERS,
    SEVERITY,
    WORRYING,
    Assessment,
    State,
    assess_count,
    assess_ratio,
    count_state,
    expected_to_date,
    projection,
    shortfall_words,
    worst,
)
from units.models import ReorgEvent, Succession, Unit
from units.placements import children_in

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
    closing: Period | None = None  # the last quarter of the target's period, once it is over

    @property
    def current(self) -> Point:
        return self.points[-1] if self.points else Point()

    @property
    def carried(self) -> bool:
        return self.current.carried > 0

    @property
    def shortfall(self) -> str:
        """What is still missing, in the target's own terms ("còn thiếu 218 đảng viên")."""
        return shortfall_words(
            self.assessment,
            is_count=self.target.is_count,
            at_most=self.target.comparison == Target.Comparison.AT_MOST,
            unit_label=self.target.unit_label,
            counted=self.target.counted_noun,
            milestone=self.target.is_milestone,
        )


@dataclass(frozen=True)
class LeagueCell:
    """One child's figure for one count target it holds a quota of."""

    actual: Decimal
    quota: Decimal
    state: State
    expected: Decimal
    forecast: Decimal | None


@dataclass
class LeagueRow:
    unit: Unit
    state: State
    share: Decimal | None  # percent of the principal quota achieved
    cells: dict[int, LeagueCell] = field(default_factory=dict)  # target id → cell
    reasons: list[Target] = field(default_factory=list)  # the targets that make the state what it is


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
    league_principal: Target | None = None  # the target the league's "% chỉ tiêu chính" is computed on
    children: list[Unit] = field(default_factory=list)  # every unit directly below, active or not
    provisional: int = 0  # reports of the as-of quarter that may still change a verdict shown

    @property
    def finished(self) -> bool:
        """The term's last quarter: every target gets its verdict."""
        return self.period.index >= len(self.periods)

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


def continuers(unit: Unit) -> list[Unit]:
    """The units that continue a unit that ended (merge, absorption, split); empty for one still active.

    A predecessor's dashboard shows its own figures until it ended and, for the
    whole term, itself plus the units that continue it (from the quarter they start).
    """
    if unit.active_to is None:
        return []
    out = []
    for succession in (
        Succession.objects.filter(predecessor=unit)
        .select_related("successor", "event")
        .order_by("successor__path")
    ):
        # From the event's day: an absorbing unit existed long before it continued this one.
        succession.successor.continues_from = succession.event.effective_on
        out.append(succession.successor)
    return out


def series_for(
    unit: Unit, targets: list[Target], periods: list[Period], *, carry_in: bool = True, follow: bool = True
) -> dict[int, list[Point]]:
    """Each target's points for the given quarters (one query), plus, once the unit has ended, those of
    the units continuing it (one more query each) from the quarter each starts; and, for a unit that
    continues others (merge, absorption, split), what their counts had reached (one query).

    `carry_in=False` leaves the predecessors out (a predecessor continued by this unit already shows
    its own figures); `follow=False` leaves the successors out (reading a predecessor's final figure).
    """
    out = _own_series(unit, targets, periods)
    if carry_in:
        _carry_in(unit, targets, periods, out)
    for successor in continuers(unit) if follow else []:
        theirs = series_for(successor, targets, periods, carry_in=False)
        for target in targets:
            for i, period in enumerate(periods):
                if period.ends_on >= successor.continues_from:
                    mine, more = out[target.pk][i], theirs[target.pk][i]
                    out[target.pk][i] = Point(
                        **{k: getattr(mine, k) + getattr(more, k) for k in Point.__dataclass_fields__}
                    )
    return out


def _carry_in(unit: Unit, targets: list[Target], periods: list[Period], out: dict[int, list[Point]]) -> None:
    """A unit continuing others starts its cumulative counts from what theirs had reached: a merged or
    absorbing unit from all of each predecessor's count, each successor of a split from the share of the
    quotas the office redistributed to it (QuotaRedistribution; none recorded: nothing carried).
    Added from the quarter the event takes effect; the quarter's own value, ratios and milestones stay
    the unit's own reports. Read-time only: a superior's rows add up its own tree, never this."""
    counts = [t for t in targets if t.is_count]
    if not unit.continues_others or not counts or not periods:
        return
    for succession in Succession.objects.filter(successor=unit).select_related("predecessor", "event"):
        event, predecessor = succession.event, succession.predecessor
        start = next((i for i, p in enumerate(periods) if p.ends_on >= event.effective_on), None)
        if start is None:
            continue  # the event takes effect after these quarters
        # What the predecessor had reached by its last day: its reports up to the quarter of the event
        # (it was active in part of that quarter).
        before = series_for(predecessor, counts, periods[: start + 1], follow=False)
        shares = _split_shares(event, unit, counts) if event.kind == ReorgEvent.Kind.SPLIT else {}
        for target in counts:
            reached = before[target.pk][-1].cumulative
            share = shares.get(target.pk, Decimal(1)) if event.kind == ReorgEvent.Kind.SPLIT else Decimal(1)
            carried = int((Decimal(reached) * share).to_integral_value(ROUND_HALF_UP))
            for i in range(start, len(periods)):
                point = out[target.pk][i]
                out[target.pk][i] = replace(point, cumulative=point.cumulative + carried)


def _split_shares(event: ReorgEvent, unit: Unit, targets: list[Target]) -> dict[int, Decimal]:
    """Per target, this successor's part of the quotas the office redistributed at a split."""
    shares = {}
    for row in QuotaRedistribution.objects.filter(event=event, target__in=targets):
        total = sum(Decimal(str(v)) for v in row.after.values())
        mine = Decimal(str(row.after.get(unit.code, 0)))
        shares[row.target_id] = mine / total if total else Decimal(0)
    for target in targets:
        shares.setdefault(target.pk, Decimal(0))  # nothing recorded: the successor starts at zero
    return shares


def _own_series(unit: Unit, targets: list[Target], periods: list[Period]) -> dict[int, list[Point]]:
    if unit.rolls_up:
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


def assess(
    target: Target,
    goal: UnitTarget,
    points: list[Point],
    total: int,
    *,
    finished: bool = False,
    provisional: int = 0,
) -> Assessment:
    current = points[-1] if points else Point()
    at_most = target.comparison == Target.Comparison.AT_MOST
    if target.is_count:
        return assess_count(
            cumulative_series=[p.cumulative for p in points],
            target=goal.value,
            total=total,
            has_data=any(p.reporting for p in points),
            at_most=at_most,
            yearly=goal.per_quarter,
            finished=finished,
            provisional=provisional,
        )
    return assess_ratio(
        numerator=current.numerator,
        denominator=current.denominator,
        threshold=target.value,
        at_most=at_most,
        finished=finished,
        provisional=provisional,
    )


# --- When a target's period is over ------------------------------------------------------------


def span_end(target: Target, periods: list[Period]) -> Period:
    """The last quarter of the term the target covers (a unit's own target may stop earlier)."""
    covered = [p for p in periods if target.covers(p.year)]
    return covered[-1] if covered else periods[-1]


def closing_period(
    target: Target, as_of: Period, periods: list[Period], figure_period: Period | None
) -> Period | None:
    """The last quarter of the period the target is judged on, when that period is over as of `as_of`.

    Term targets: the term (or the years a unit's own target covers). Yearly
    targets are judged on a year: a year-end rating on the year its latest
    figure comes from (always a finished year), a yearly target reported every
    quarter on the as-of year once its last quarter in the term is reached.
    None while the period is still running.
    """
    if target.scope == Target.Scope.YEARLY and not target.is_count:
        if target.reporting == Target.Reporting.YEAR_END:
            return figure_period
        last_of_year = [p for p in periods if p.year == as_of.year][-1]
        return as_of if as_of.index >= last_of_year.index else None
    end = span_end(target, periods)
    return end if as_of.index >= end.index else None


def open_reports(unit: Unit, periods: list[Period], today: date | None = None) -> dict[int, int]:
    """Per quarter (by id): the reports under the unit that may still change its figures.

    Those awaiting review, those returned for correction, and those not yet
    approved while the quarter is still open for their unit: before its
    deadline, or by an extension in force. A fixed number of queries: the
    settled report counts (RollupUnit) and two small reads of the returned
    reports and the extensions in force.
    """
    if not periods:
        return {}
    today = today or clock.today()
    ids = [p.pk for p in periods]
    if not unit.rolls_up:
        if not unit.is_grassroots:
            return dict.fromkeys(ids, 0)
        statuses = dict(
            ProgressReport.objects.filter(unit=unit, period__in=ids).values_list("period_id", "status")
        )
        extended = set(
            DeadlineExtension.objects.filter(unit=unit, period__in=ids, until__gte=today).values_list(
                "period_id", flat=True
            )
        )
        out = {}
        for period in periods:
            status = statuses.get(period.pk)
            still_open = status in (Status.SUBMITTED, Status.RETURNED) or (
                status != Status.APPROVED and (today <= period.deadline or period.pk in extended)
            )
            out[period.pk] = int(still_open and unit.is_active_between(period.starts_on, period.ends_on))
        return out
    rows = {r.period_id: r for r in RollupUnit.objects.filter(unit=unit, period__in=ids)}
    in_subtree = dict(unit__path__startswith=unit.path, unit__kind__in=Unit.GRASSROOTS_KINDS)
    # Returned reports, and units with an extension in force that have sent nothing yet (one query).
    sent = ProgressReport.objects.filter(unit=OuterRef("unit"), period=OuterRef("period")).exclude(
        status=Status.DRAFT
    )
    returned = ProgressReport.objects.filter(period__in=ids, status=Status.RETURNED, **in_subtree)
    extended = DeadlineExtension.objects.filter(period__in=ids, until__gte=today, **in_subtree).exclude(
        Exists(sent)
    )
    reopened = defaultdict(int)
    for period_id, _unit_id in (
        returned.order_by()
        .values_list("period_id", "unit_id")
        .union(extended.order_by().values_list("period_id", "unit_id"), all=True)
    ):
        reopened[period_id] += 1
    out = {}
    for period in periods:
        row = rows.get(period.pk) or RollupUnit()
        if today <= period.deadline:
            out[period.pk] = max(0, row.expected - row.on_time - row.late)
        else:
            out[period.pk] = row.pending + reopened[period.pk]
    return out


def _figure_period(target: Target, elapsed: list[Period], points: list[Point]) -> Period | None:
    """Year-end targets: the latest quarter with an approved figure (the year the rating is from)."""
    if target.reporting != Target.Reporting.YEAR_END:
        return None
    return next((p for p, pt in zip(reversed(elapsed), reversed(points), strict=True) if pt.reporting), None)


def target_lines(
    unit: Unit, targets: list[Target], periods: list[Period], as_of: Period, root_id: int, charts: bool = True
) -> list[TargetLine]:
    elapsed = [p for p in periods if p.index <= as_of.index]
    series = series_for(unit, targets, elapsed)
    goals = goals_for([unit], targets, periods, root_id)
    labels = [p.label for p in periods]
    staged = []
    for target in targets:
        points = series[target.pk]
        figure_period = _figure_period(target, elapsed, points)
        staged.append((target, points, figure_period, closing_period(target, as_of, periods, figure_period)))
    still_open = open_reports(unit, sorted({c for *_, c in staged if c}, key=lambda p: p.index))
    lines = []
    for target, points, figure_period, closing in staged:
        goal = goals[(unit.pk, target.pk)]
        assessment = assess(
            target,
            goal,
            points,
            len(periods),
            finished=closing is not None,
            provisional=still_open.get(closing.pk, 0) if closing else 0,
        )
        line = TargetLine(target, goal, points, assessment, as_of_period=figure_period, closing=closing)
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
    staged = []
    for n, period in enumerate(elapsed, start=1):
        for target in targets:
            points = series[target.pk][:n]
            figure_period = _figure_period(target, elapsed[:n], points)
            staged.append(
                (
                    period,
                    target,
                    points,
                    figure_period,
                    closing_period(target, period, periods, figure_period),
                )
            )
    still_open = open_reports(unit, sorted({s[-1] for s in staged if s[-1]}, key=lambda p: p.index))
    by_period: dict[int, list[TargetLine]] = defaultdict(list)
    for period, target, points, figure_period, closing in staged:
        goal = goals[(unit.pk, target.pk)]
        assessment = assess(
            target,
            goal,
            points,
            len(periods),
            finished=closing is not None,
            provisional=still_open.get(closing.pk, 0) if closing else 0,
        )
        by_period[period.pk].append(
            TargetLine(target, goal, points, assessment, as_of_period=figure_period, closing=closing)
        )
    return [(period, by_period[period.pk]) for period in elapsed]


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
    unit: Unit,
    targets: list[Target],
    periods: list[Period],
    as_of: Period,
    root_id: int,
    children: list[Unit] | None = None,
) -> tuple[list[LeagueRow], list[Target], Target | None]:
    """The units directly below: where each stands on the count targets it holds a quota of.

    Each cell is judged like the unit's own dashboard line (forecast and
    verdict included), from two queries: the cumulative figure as of the
    quarter and four quarters earlier (the run-rate of the forecast).
    Returns the rows, the targets shown and the principal target.
    """
    children = [
        c
        for c in (children_of(unit, as_of) if children is None else children)
        if c.is_active_between(as_of.starts_on, as_of.ends_on)
    ]
    counts = [t for t in targets if t.is_count]
    if not children or not counts:
        return [], [], None
    goals = goals_for(children, counts, periods, root_id)
    window = min(RUN_RATE_QUARTERS, as_of.index)
    earlier_index = as_of.index - window
    actual: dict[
        tuple[int, int], tuple[int, int, bool]
    ] = {}  # cumulative now, `window` quarters before, data
    with_children = [c.pk for c in children if c.rolls_up]
    for row in Rollup.objects.filter(
        unit__in=with_children,
        period__congress=as_of.congress,
        period__index__in=[as_of.index, earlier_index],
        target__in=counts,
    ).values("unit_id", "target_id", "cumulative", "period__index"):
        key = (row["unit_id"], row["target_id"])
        now, before, seen = actual.get(key, (0, 0, False))
        if row["period__index"] == as_of.index:
            actual[key] = (row["cumulative"], before, True)
        else:
            actual[key] = (now, row["cumulative"], seen)
    leaves = [c.pk for c in children if not c.rolls_up]
    for row in (
        Entry.objects.filter(
            report__unit__in=leaves,
            report__status=Status.APPROVED,
            report__period__congress=as_of.congress,
            report__period__index__lte=as_of.index,
            target__in=counts,
        )
        .values("report__unit_id", "target_id")
        .annotate(
            total=Sum("value"),
            before=Sum("value", filter=Q(report__period__index__lte=earlier_index)),
            n=Count("id"),
        )
    ):
        actual[(row["report__unit_id"], row["target_id"])] = (
            row["total"] or 0,
            row["before"] or 0,
            row["n"] > 0,
        )
    holders = {t.pk: sum(goals[(c.pk, t.pk)].value is not None for c in children) for t in counts}
    shown = [t for t in counts if holders[t.pk]]
    # The principal quota is the flow that the most units hold (new members, in the demo).
    flows = [t for t in shown if t.measure == Target.Measure.FLOW] or shown
    principal = max(flows, key=lambda t: (holders[t.pk], -t.position)) if flows else None
    remaining = len(periods) - as_of.index
    finished = remaining <= 0
    rows = []
    for child in children:
        cells: dict[int, LeagueCell] = {}
        for target in shown:
            goal = goals[(child.pk, target.pk)]
            if goal.value is None:
                continue
            done, before, has_data = actual.get((child.pk, target.pk), (0, 0, False))
            expected = expected_to_date(goal.value, as_of.index, len(periods), goal.per_quarter)
            projected = None if finished else projection(done, before, window, remaining)
            state = count_state(
                actual=Decimal(done),
                expected=expected,
                target=goal.value,
                has_data=has_data,
                at_most=target.comparison == Target.Comparison.AT_MOST,
                projected=projected,
                finished=finished,
            )
            cells[target.pk] = LeagueCell(Decimal(done), goal.value, state, expected, projected)
        state = worst([c.state for c in cells.values()])
        reasons = (
            [t for t in shown if t.pk in cells and cells[t.pk].state == state] if state in WORRYING else []
        )
        share = None
        if principal and principal.pk in cells and cells[principal.pk].quota:
            share = cells[principal.pk].actual * 100 / cells[principal.pk].quota
        rows.append(LeagueRow(child, state, share, cells, reasons))
    return rows, shown, principal


LEAGUE_SORTS = {"name", "share", "state"}


def sort_league(rows: list[LeagueRow], key: str, descending: bool) -> list[LeagueRow]:
    if key == "name":
        return sorted(rows, key=lambda r: r.unit.name, reverse=descending)
    if key == "state":
        order = {s: i for i, s in enumerate(SEVERITY)}
        return sorted(rows, key=lambda r: (order[r.state], r.share or 0), reverse=descending)
    return sorted(rows, key=lambda r: (r.share is None, r.share or 0), reverse=descending)


# --- Completeness --------------------------------------------------------------------------


def children_of(unit: Unit, period: Period) -> list[Unit]:
    """The units below a unit in that quarter's tree, by path (a few queries; a dashboard reads them
    once for all its sections). Once a unit has ended, the units continuing it stand in its place."""
    children = children_in(unit, period.starts_on, period.ends_on)
    if not unit.is_active_between(period.starts_on, period.ends_on):
        children += [c for c in continuers(unit) if c.is_active_between(period.starts_on, period.ends_on)]
    return children


def completeness(unit: Unit, period: Period, children: list[Unit] | None = None) -> Completeness:
    """Counts from the settled report counts (RollupUnit), names of the units on the page.

    A fixed number of queries whatever the size of the subtree: the unit's own
    row, its children, their rows, and the reports of the children without children.
    """
    children = [
        c
        for c in (children_of(unit, period) if children is None else children)
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
    if not unit.rolls_up:
        report = ProgressReport.objects.filter(unit=unit, period=period).values_list("status", "late").first()
        on_time, late, pending = status_counts(report)
        expected = len(direct)
        return Completeness(period, expected, on_time, late, pending, missing, expected - on_time - late)
    row = RollupUnit.objects.filter(unit=unit, period=period).first() or RollupUnit()
    groups = []
    with_children = {c.pk: c for c in children if c.rolls_up and not c.is_grassroots}
    child_rows = list(
        RollupUnit.objects.filter(unit_id__in=[c.pk for c in children if c.rolls_up], period=period)
    )
    for child_row in child_rows:
        short = child_row.expected - child_row.on_time - child_row.late
        if short > 0 and child_row.unit_id in with_children:
            groups.append((with_children[child_row.unit_id], short))
    groups.sort(key=lambda item: item[0].path)
    if not unit.is_active_between(period.starts_on, period.ends_on):
        # Ended: the units continuing it are its children here, and its counts are theirs.
        row = RollupUnit(expected=0, on_time=0, late=0, pending=0)
        for child_row in child_rows:
            for name in ("expected", "on_time", "late", "pending"):
                setattr(row, name, getattr(row, name) + getattr(child_row, name))
        reports = {
            unit_id: (status, late)
            for unit_id, status, late in ProgressReport.objects.filter(
                unit__in=[c for c in children if not c.rolls_up], period=period
            ).values_list("unit_id", "status", "late")
        }
        for child in children:
            if not child.rolls_up and child.is_grassroots:
                on_time, late, pending = status_counts(reports.get(child.pk))
                row.expected += 1
                row.on_time, row.late, row.pending = (
                    row.on_time + on_time,
                    row.late + late,
                    row.pending + pending,
                )
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
    children = children_of(unit, as_of)
    rows, shown, principal = league(unit, resolution_targets, periods, as_of, root_id, children)
    lines = target_lines(unit, targets, periods, as_of, root_id)
    return Dashboard(
        unit=unit,
        period=as_of,
        periods=periods,
        lines=lines,
        league=sort_league(rows, sort if sort in LEAGUE_SORTS else "share", descending),
        league_targets=shown,
        completeness=completeness(unit, as_of, children),
        freshness=freshness(unit, as_of.congress),
        league_principal=principal,
        children=children,
        provisional=max((line.assessment.provisional for line in lines if line.closing == as_of), default=0),
    )


def own_target_states(targets: list[Target], as_of: Period, periods: list[Period]) -> dict[int, Assessment]:
    """Where each unit's own target stands as of a quarter, for many units at once (four queries)."""
    owners_with_children = {t.pk for t in targets if t.owner_unit and t.owner_unit.rolls_up}
    # A target has data once its unit (or a unit under it) reported it in some quarter so far. Roll-up
    # rows are dense (every quarter of the term, zeros included), so for a unit with children that is
    # a row of the owner with a reporting unit in a quarter up to this one; a leaf's points are built
    # from its approved entries.
    reported = set(
        Rollup.objects.filter(
            target_id__in=owners_with_children,
            unit_id=F("target__owner_unit_id"),
            period__congress=as_of.congress,
            period__index__lte=as_of.index,
            reporting__gt=0,
        )
        .values_list("target_id", flat=True)
        .distinct()
    )
    figures: dict[int, Point] = {}
    for row in Rollup.objects.filter(target_id__in=owners_with_children, period=as_of).select_related(
        "target"
    ):
        if row.unit_id == row.target.owner_unit_id and row.target_id in reported:
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
        # Judged like a dashboard line; the forecast needs the series, which this page does not load.
        finished = closing_period(target, as_of, periods, as_of if point.reporting else None) is not None
        if target.is_count:
            expected = expected_to_date(goal.value, as_of.index, len(periods), goal.per_quarter)
            state = count_state(
                actual=Decimal(point.cumulative),
                expected=expected,
                target=goal.value,
                has_data=has_data,
                at_most=target.comparison == Target.Comparison.AT_MOST,
                finished=finished,
            )
            percent = Decimal(point.cumulative) * 100 / goal.value if goal.value else None
            out[target.pk] = Assessment(
                state, Decimal(point.cumulative), goal.value, percent, expected=expected, finished=finished
            )
        else:
            out[target.pk] = assess_ratio(
                numerator=point.numerator,
                denominator=point.denominator,
                threshold=target.value,
                at_most=target.comparison == Target.Comparison.AT_MOST,
                finished=finished,
            )
    return out


def _quarters_in_year(periods: list[Period]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for period in periods:
        counts[period.year] += 1
    return counts


# --- Study of the resolution ----------------------------------------------------------------------


@dataclass(frozen=True)
class StudyFigures:
    """The study target's official figure beside the study sessions it is proposed from.

    The official "members who have studied the resolution" is the study
    target's figure in approved reports (CT01 in the demo): a unit may report
    another figure than its sessions propose, with a note. The sessions
    recorded up to the end of the quarter are shown as its source, and the
    difference is explained where the two differ.
    """

    line: TargetLine | None  # the study target's dashboard line (None: no study target)
    sessions: StudyCoverage  # sessions held up to the end of the as-of quarter
    period: Period

    @property
    def studied(self) -> int | None:
        return self.line.current.numerator if self.line and self.line.current.denominator else None

    @property
    def members(self) -> int | None:
        return self.line.current.denominator if self.studied is not None else None

    @property
    def difference(self) -> int:
        return 0 if self.studied is None else self.studied - self.sessions.studied

    def official_sentence(self) -> str:
        if self.line is None:
            return self.sessions.sentence()
        if self.studied is None:
            return _(
                "Chưa có báo cáo được duyệt nào có số đảng viên đã học tập Nghị quyết (chỉ tiêu %(code)s)."
            ) % {"code": self.line.target.code}
        return _(
            "Theo các báo cáo đã duyệt (chỉ tiêu %(code)s), đến hết %(period)s có %(studied)s/%(members)s "
            "đảng viên (%(percent)s) đã được học tập, quán triệt Nghị quyết."
        ) % {
            "code": self.line.target.code,
            "period": self.period.label,
            "studied": format_number(self.studied),
            "members": format_number(self.members),
            "percent": format_percent(ratio_percent(self.studied, self.members)),
        }

    def source_sentence(self) -> str:
        c = self.sessions
        if not c.sessions:
            return _("Các buổi học tập, quán triệt: chưa ghi nhận buổi nào đến hết %(period)s.") % {
                "period": self.period.label
            }
        return _(
            "Nguồn: các buổi học tập, quán triệt ghi nhận đến hết %(period)s: %(sessions)s buổi; "
            "%(studied)s/%(members)s đảng viên (%(percent)s) học lần đầu; phổ biến đến %(non)s lượt quần "
            "chúng, người lao động."
        ) % {
            "period": self.period.label,
            "sessions": format_number(c.sessions),
            "studied": format_number(c.studied),
            "members": format_number(c.members),
            "percent": format_percent(c.percent),
            "non": format_number(c.non_members),
        }

    def difference_sentence(self) -> str:
        """Why the two figures differ; "" when they do not."""
        if self.line is None or self.studied is None or not self.difference:
            return ""
        if self.difference > 0:
            return _(
                "Số đã duyệt cao hơn số tính từ các buổi học tập %(n)s đảng viên: đơn vị báo cáo cả đảng viên "
                "học tập ở các buổi chưa được ghi nhận trên hệ thống (khi số báo cáo khác số đề xuất từ các "
                "buổi học, đơn vị phải ghi chú lý do)."
            ) % {"n": format_number(self.difference)}
        return _(
            "Số đã duyệt thấp hơn số tính từ các buổi học tập %(n)s đảng viên: báo cáo quý có các buổi học "
            "này chưa được duyệt, hoặc đơn vị đã điều chỉnh số đề xuất (có ghi chú lý do)."
        ) % {"n": format_number(-self.difference)}


def study_figures(lines: list[TargetLine], sessions: StudyCoverage, period: Period) -> StudyFigures:
    line = next((x for x in lines if x.target.fed_by_study), None)
    return StudyFigures(line, sessions, period)
