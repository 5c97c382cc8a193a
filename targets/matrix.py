"""The units directly below × the resolution's targets as of a quarter: the dashboard's heat map, its
comparison by sector, and the export's sheet of units × targets.

A constant number of queries whatever the number of units: the children with
children read their roll-up rows (one query), the others their approved
entries up to the quarter (one query); count targets with quotas take their
state from the league (targets.dashboard.league), so a cell says what the
league says.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from config.formatting import ratio_percent
from targets.dashboard import LeagueRow
from targets.models import Entry, Period, ProgressReport, Rollup, Target
from targets.progress import State, assess_ratio
from units.models import Unit


@dataclass
class Cell:
    state: State
    figure: int = 0  # counts: cumulative from the term start; ratios: numerator
    quarter: int = 0  # counts: the quarter's own figure
    denominator: int = 0  # ratios and requirements
    quota: Decimal | None = None  # counts: the unit's quota

    @property
    def percent(self) -> Decimal | None:
        """Counts: of the quota; ratios: the ratio itself."""
        if self.quota:
            return Decimal(self.figure) * 100 / self.quota
        if self.denominator:
            return ratio_percent(self.figure, self.denominator)
        return None


@dataclass
class Row:
    unit: Unit
    cells: dict[int, Cell] = field(default_factory=dict)


def unit_matrix(
    children: list[Unit], targets: list[Target], as_of: Period, league_rows: list[LeagueRow]
) -> list[Row]:
    figures = _figures(children, targets, as_of)
    league_cells = {row.unit.pk: row.cells for row in league_rows}
    rows = []
    for child in children:
        row = Row(child)
        for target in targets:
            got = figures.get((child.pk, target.pk))
            if target.is_count:
                value, quarter = got or (0, 0)
                league_cell = league_cells.get(child.pk, {}).get(target.pk)
                if league_cell is not None:
                    row.cells[target.pk] = Cell(league_cell.state, value, quarter, quota=league_cell.quota)
                else:
                    row.cells[target.pk] = Cell(State.NO_TARGET if got else State.NO_DATA, value, quarter)
            else:
                numerator, denominator = got or (0, 0)
                state = (
                    assess_ratio(
                        numerator=numerator,
                        denominator=denominator,
                        threshold=target.value,
                        at_most=target.comparison == Target.Comparison.AT_MOST,
                    ).state
                    if denominator
                    else State.NO_DATA
                )
                row.cells[target.pk] = Cell(state, numerator, denominator=denominator)
        rows.append(row)
    return rows


def _figures(
    children: list[Unit], targets: list[Target], as_of: Period
) -> dict[tuple[int, int], tuple[int, int]]:
    """(unit, target) → counts: (cumulative, the quarter's value); ratios: (numerator, denominator)."""
    out: dict[tuple[int, int], tuple[int, int]] = {}
    by_id = {t.pk: t for t in targets}
    rolling = [c.pk for c in children if c.rolls_up]
    for row in Rollup.objects.filter(unit__in=rolling, period=as_of, target__in=targets).values(
        "unit_id", "target_id", "value", "cumulative", "numerator", "denominator"
    ):
        target = by_id[row["target_id"]]
        key = (row["unit_id"], row["target_id"])
        out[key] = (
            (row["cumulative"], row["value"]) if target.is_count else (row["numerator"], row["denominator"])
        )
    leaves = [c.pk for c in children if not c.rolls_up]
    sums: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for row in (
        Entry.objects.filter(
            report__unit__in=leaves,
            report__status=ProgressReport.Status.APPROVED,
            report__period__congress=as_of.congress,
            report__period__index__lte=as_of.index,
            target__in=targets,
        )
        .values(
            "report__unit_id",
            "target_id",
            "report__period__index",
            "value",
            "numerator",
            "denominator",
            "done",
        )
        .order_by("report__period__index")
    ):
        target = by_id[row["target_id"]]
        key = (row["report__unit_id"], row["target_id"])
        if target.is_count:
            sums[key][0] += row["value"] or 0
            if row["report__period__index"] == as_of.index:
                sums[key][1] = row["value"] or 0
            out[key] = tuple(sums[key])
        elif target.is_milestone:
            if row["done"] is not None:
                out[key] = (1 if row["done"] else 0, 1)  # the latest, carried forward
        elif row["denominator"]:
            out[key] = (row["numerator"] or 0, row["denominator"])
    return out


@dataclass
class SectorRow:
    sector: str
    label: str
    units: int
    cells: dict[int, Cell]


def by_sector(rows: list[Row], targets: list[Target]) -> list[SectorRow]:
    """Sums per sector: counts Σ figure / Σ quota, ratios Σ numerators / Σ denominators."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row.unit.sector or ""].append(row)
    labels = dict(Unit.Sector.choices)
    out = []
    for sector in [*Unit.Sector.values, ""]:
        members = groups.get(sector)
        if not members:
            continue
        cells = {}
        for target in targets:
            own = [r.cells[target.pk] for r in members if target.pk in r.cells]
            if target.is_count:
                quota = sum((c.quota for c in own if c.quota), Decimal(0)) or None
                figure = sum(c.figure for c in own if c.quota) if quota else sum(c.figure for c in own)
                cells[target.pk] = Cell(State.NO_TARGET, figure, sum(c.quarter for c in own), quota=quota)
            else:
                numerator = sum(c.figure for c in own)
                denominator = sum(c.denominator for c in own)
                state = (
                    assess_ratio(
                        numerator=numerator,
                        denominator=denominator,
                        threshold=target.value,
                        at_most=target.comparison == Target.Comparison.AT_MOST,
                    ).state
                    if denominator
                    else State.NO_DATA
                )
                cells[target.pk] = Cell(state, numerator, denominator=denominator)
        out.append(SectorRow(sector, str(labels.get(sector, "Chưa phân loại")), len(members), cells))
    return out
