"""How far the resolution has been brought to the units: plans issued, members who studied it.

Plain reads with a fixed number of queries; pages, the dashboard and the
periodic report all ask here. Dashboards read the settled study figures that
the roll-up keeps for each unit with children and quarter (`settled_study`), so
their cost depends on the units shown, not on the subtree.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from config.formatting import format_number, format_percent, ratio_percent
from resolutions.models import PlanDocument, StudySession
from units.models import Unit


@dataclass
class PlansStatus:
    expected: int
    issued: int
    late: int
    deadline: date
    missing: list[Unit]
    late_units: list[Unit]
    plans: list[PlanDocument]


def plan_deadline(congress) -> date:
    """Plans are due PLAN_DEADLINE_DAYS after the congress closes (a setting)."""
    return congress.held_to + timedelta(days=settings.PLAN_DEADLINE_DAYS)


def plans_status(unit: Unit, congress) -> PlansStatus:
    """Of the grassroots organisations under a unit: who issued its plan, late or not, who did not."""
    deadline = plan_deadline(congress)
    expected = list(
        Unit.objects.filter(path__startswith=unit.path, kind__in=Unit.GRASSROOTS_KINDS).order_by("path")
    )
    plans = list(
        PlanDocument.objects.filter(
            resolution__congress=congress,
            unit__path__startswith=unit.path,
            unit__kind__in=Unit.GRASSROOTS_KINDS,
        )
        .select_related("unit")
        .order_by("unit__path")
    )
    issued = {p.unit_id for p in plans}
    late_units = [p.unit for p in plans if p.issued_on > deadline]
    missing = [u for u in expected if u.pk not in issued]
    return PlansStatus(len(expected), len(issued), len(late_units), deadline, missing, late_units, plans)


@dataclass
class StudyCoverage:
    members: int
    studied: int
    sessions: int
    non_members: int

    @property
    def percent(self):
        return ratio_percent(self.studied, self.members)

    def sentence(self) -> str:
        if not self.sessions:
            return _("Chưa ghi nhận buổi học tập, quán triệt nào.")
        return _(
            "Đã tổ chức %(sessions)s buổi học tập, quán triệt; %(studied)s/%(members)s đảng viên (%(percent)s) "
            "đã được học tập Nghị quyết; phổ biến đến %(non)s lượt quần chúng, người lao động."
        ) % {
            "sessions": format_number(self.sessions),
            "studied": format_number(self.studied),
            "members": format_number(self.members),
            "percent": format_percent(self.percent),
            "non": format_number(self.non_members),
        }


def study_coverage(unit: Unit, congress, until: date | None = None) -> StudyCoverage:
    """Members who studied the resolution at least once over the unit's members (sessions up to a day)."""
    sessions = StudySession.objects.filter(unit__path__startswith=unit.path, resolution__congress=congress)
    if until is not None:
        sessions = sessions.filter(held_on__lte=until)
    totals = sessions.aggregate(first=Sum("first_time"), non=Sum("non_members"), n=Count("id"))
    members = unit.subtree().aggregate(s=Sum("members"))["s"] or 0
    return StudyCoverage(
        members=members,
        studied=min(totals["first"] or 0, members),
        sessions=totals["n"],
        non_members=totals["non"] or 0,
    )


def study_by_child(
    unit: Unit, congress, until: date | None = None, children: list[Unit] | None = None
) -> list[tuple[Unit, StudyCoverage]]:
    """Study coverage of each unit directly below (sessions up to a day), in three queries (two when
    the caller already holds the children)."""
    width = (unit.depth + 1) * Unit.steplen
    if children is None:
        children = list(
            Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path")
        )
    members = dict(
        Unit.objects.filter(path__startswith=unit.path, depth__gt=unit.depth)
        .annotate(child=Substr("path", 1, width))
        .order_by()
        .values("child")  # treebeard orders by path
        .annotate(s=Sum("members"))
        .values_list("child", "s")
    )
    held = StudySession.objects.filter(
        unit__path__startswith=unit.path, unit__depth__gt=unit.depth, resolution__congress=congress
    )
    if until is not None:
        held = held.filter(held_on__lte=until)
    sessions = {
        row["child"]: row
        for row in held.annotate(child=Substr("unit__path", 1, width))
        .order_by()
        .values("child")
        .annotate(first=Sum("first_time"), non=Sum("non_members"), n=Count("id"))
    }
    out = []
    for child in children:
        row = sessions.get(child.path, {})
        total = members.get(child.path) or 0
        out.append(
            (
                child,
                StudyCoverage(
                    members=total,
                    studied=min(row.get("first") or 0, total),
                    sessions=row.get("n") or 0,
                    non_members=row.get("non") or 0,
                ),
            )
        )
    return out


def _coverage(members: int, first: int, sessions: int, non_members: int) -> StudyCoverage:
    return StudyCoverage(
        members=members, studied=min(first, members), sessions=sessions, non_members=non_members
    )


def settled_study(
    unit: Unit, period, children: list[Unit]
) -> tuple[StudyCoverage, list[tuple[Unit, StudyCoverage]]]:
    """Study coverage of a unit and of each unit shown below it, as of a quarter, on that quarter's tree.

    Two queries whatever the subtree: the settled rows (targets.models.RollupUnit)
    of the unit and of the children with children below, and the sessions of the
    children without (a cell or grassroots organisation holds its own). A unit
    without children reads its own sessions.
    """
    from targets.models import RollupUnit

    congress = period.congress
    if not unit.rolls_up:
        return study_coverage(unit, congress, until=period.ends_on), []
    rows = {
        row.unit_id: row
        for row in RollupUnit.objects.filter(
            unit_id__in=[unit.pk, *(c.pk for c in children if c.rolls_up)], period=period
        )
    }
    leaves = [c for c in children if not c.rolls_up]
    held = {}
    if leaves:
        held = {
            row["unit_id"]: row
            for row in StudySession.objects.filter(
                unit__in=leaves, resolution__congress=congress, held_on__lte=period.ends_on
            )
            .order_by()
            .values("unit_id")
            .annotate(first=Sum("first_time"), non=Sum("non_members"), n=Count("id"))
        }
    out = []
    for child in children:
        if child.rolls_up:
            row = rows.get(child.pk)
            figures = (row.members, row.studied, row.sessions, row.non_members) if row else (0, 0, 0, 0)
        else:
            row = held.get(child.pk, {})
            figures = (child.members, row.get("first") or 0, row.get("n") or 0, row.get("non") or 0)
        out.append((child, _coverage(*figures)))
    row = rows.get(unit.pk)
    if row is not None and unit.is_active_between(period.starts_on, period.ends_on):
        total = _coverage(row.members, row.studied, row.sessions, row.non_members)
    else:  # ended: the units continuing it are its children here, and its figures are theirs
        total = _coverage(
            *(
                sum(getattr(c, name) for _u, c in out)
                for name in ("members", "studied", "sessions", "non_members")
            )
        )
    return total, out
