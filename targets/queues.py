"""What needs each person: the office's review queue and status grid, a clerk's open reports.

Each function runs a fixed number of queries, whatever the number of units.
"""

from dataclasses import dataclass
from datetime import date

from resolutions.terms import congress_for
from targets.models import DeadlineExtension, Period, ProgressReport
from targets.workflow import Window, grid_status
from units.access import Action, home_units, units_for
from units.models import Unit

Status = ProgressReport.Status


def _submitted(user):
    return ProgressReport.objects.filter(status=Status.SUBMITTED, unit__in=units_for(user, Action.REVIEW))


def review_queue_count(user) -> int:
    return _submitted(user).count()


def review_queue(user, limit: int | None = None) -> list[ProgressReport]:
    """Submitted reports the user may review, oldest first."""
    queue = _submitted(user).select_related("unit", "period", "submitted_by").order_by("submitted_at", "pk")
    return list(queue[:limit] if limit else queue)


def term_periods(user, today: date) -> list[Period]:
    """The quarters of the term of the user's top unit that have started."""
    tops = home_units(user, Action.VIEW)
    congress = congress_for(tops[0]) if tops else None
    if congress is None:
        return []
    return list(Period.objects.filter(congress=congress, starts_on__lte=today).order_by("index"))


@dataclass
class GridCell:
    period: Period
    report: ProgressReport | None
    status: str  # not_started, draft, submitted, returned, approved, overdue
    late: bool
    window: Window


@dataclass
class GridRow:
    unit: Unit
    cells: list[GridCell]


def status_grid(user, periods: list[Period], today: date) -> list[GridRow]:
    """Grassroots units the user may see × the given quarters, with each report's status."""
    units = list(units_for(user, Action.VIEW).filter(kind__in=Unit.GRASSROOTS_KINDS).order_by("path"))
    return _grid(units, periods, today)


def _grid(units: list[Unit], periods: list[Period], today: date) -> list[GridRow]:
    reports = {
        (r.unit_id, r.period_id): r
        for r in ProgressReport.objects.filter(unit__in=[u.pk for u in units], period__in=periods).only(
            "id", "unit_id", "period_id", "status", "late", "submitted_at"
        )
    }
    extensions = {
        (e.unit_id, e.period_id): e.until
        for e in DeadlineExtension.objects.filter(period__in=periods, unit__in=[u.pk for u in units]).only(
            "unit_id", "period_id", "until"
        )
    }
    rows = []
    for unit in units:
        if periods and not unit.is_active_between(periods[0].starts_on, periods[-1].ends_on):
            continue
        cells = []
        for period in periods:
            report = reports.get((unit.pk, period.pk))
            window = Window(
                deadline=period.deadline, extended_until=extensions.get((unit.pk, period.pk)), today=today
            )
            status = grid_status(report.status if report else None, window)
            cells.append(GridCell(period, report, status, bool(report and report.late), window))
        rows.append(GridRow(unit, cells))
    return rows


def grid_rows(units: list[Unit], periods: list[Period], today: date) -> list[GridRow]:
    """The grid for the given units (one unit's archive, for instance)."""
    return _grid(units, periods, today)


@dataclass(frozen=True)
class ReportFilters:
    """What the office narrows the queue and the grid to: a status, late reports only, a sector."""

    status: str = ""
    late: bool = False
    sector: str = ""

    @classmethod
    def from_query(cls, query) -> "ReportFilters":
        from targets.workflow import GRID_STATUS_LABELS

        status = query.get("status", "")
        sector = query.get("sector", "")
        return cls(
            status=status if status in GRID_STATUS_LABELS else "",
            late=query.get("late") == "1",
            sector=sector if sector in Unit.Sector.values else "",
        )

    @property
    def active(self) -> bool:
        return bool(self.status or self.late or self.sector)

    def queue(self, reports: list[ProgressReport]) -> list[ProgressReport]:
        return [
            r
            for r in reports
            if (not self.late or r.late)
            and (not self.sector or r.unit.sector == self.sector)
            and (not self.status or self.status == Status.SUBMITTED)
        ]

    def grid(self, rows: list[GridRow]) -> list[GridRow]:
        """Rows of the sector with at least one quarter shown at the status (or late)."""
        out = []
        for row in rows:
            if self.sector and row.unit.sector != self.sector:
                continue
            if self.status and not any(c.status == self.status for c in row.cells):
                continue
            if self.late and not any(c.late or c.status == "overdue" for c in row.cells):
                continue
            out.append(row)
        return out


def grid_counts(rows: list[GridRow]) -> dict[str, int]:
    """How many units stand at each status in the last column (the latest quarter)."""
    counts: dict[str, int] = {}
    for row in rows:
        if row.cells:
            status = row.cells[-1].status
            counts[status] = counts.get(status, 0) + 1
    return counts


def my_reports(user, today: date) -> list[GridRow]:
    """A clerk's units with the reports that need them: the latest quarter, and any open or returned one."""
    periods = term_periods(user, today)
    if not periods:
        return []
    tops = {u.pk for u in home_units(user, Action.ENTER)}
    units = [
        u
        for u in units_for(user, Action.ENTER).order_by("path")
        if u.depth > 1 and (u.is_grassroots or u.pk in tops)
    ]
    out = []
    for row in _grid(units, periods, today):
        keep = [
            cell
            for cell in row.cells
            if cell is row.cells[-1]
            or cell.status == Status.RETURNED
            or (cell.status in ("not_started", Status.DRAFT) and cell.window.is_open)
        ]
        out.append(GridRow(row.unit, keep))
    return out


def returned_reports(user) -> list[ProgressReport]:
    """The reports the office returned to the user's units, with its comments, until they are sent again."""
    reports = list(
        ProgressReport.objects.filter(status=Status.RETURNED, unit__in=units_for(user, Action.ENTER))
        .select_related("unit", "period", "reviewed_by")
        .order_by("period__index", "unit__path")
    )
    from targets.models import Target

    ids = {int(pk) for r in reports for pk in r.target_comments}
    codes = dict(Target.objects.filter(pk__in=ids).values_list("pk", "code")) if ids else {}
    for report in reports:
        report.comment_lines = [
            (codes.get(int(pk), "?"), text) for pk, text in sorted(report.target_comments.items()) if text
        ]
    return reports
