"""The benchmark: synthetic data in a throwaway database, then the performance budgets.

Budgets (docs/figures.md, "Performance budgets") are checked here and printed, never
asserted as timed tests. The data is generated in SQL (INSERT … SELECT), so a
12-million-entry term loads in minutes, not hours.
"""

import json
import random
import resource
import statistics
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from config import clock

BUDGETS = {
    "full_over_floor": 3.0,  # full rebuild within 3× one pass over the entries
    "settle_p95_ms": 10.0,  # settling one approval
    "dashboard_p95_ms": 150.0,  # at 5,000 units
    "save_p95_ms": 100.0,
}
# The one pass over the entries: the cheapest query that reads every entry with its quarter.
FLOOR_SQL = (
    "SELECT e.target_id, r.period_id, SUM(e.value) FROM targets_entry e "
    "JOIN targets_progressreport r ON r.id = e.report_id GROUP BY e.target_id, r.period_id"
)


@dataclass
class Shape:
    units: int
    targets: int
    quarters: int


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


# --- The throwaway database ----------------------------------------------------------------


@contextmanager
def throwaway_database(keep: bool = False):
    """Point the default connection at a new, empty database; drop it afterwards."""
    original = dict(connection.settings_dict)
    vendor = connection.vendor
    connection.close()
    if vendor == "postgresql":
        import psycopg2

        name = f"bench_{uuid.uuid4().hex[:10]}"
        admin = psycopg2.connect(
            dbname="postgres",
            user=original["USER"],
            password=original["PASSWORD"] or None,
            host=original["HOST"] or None,
            port=original["PORT"] or None,
        )
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.settings_dict["NAME"] = name
    else:
        import tempfile

        name = tempfile.mktemp(prefix="bench-", suffix=".sqlite3")  # noqa: S306 - a throwaway file of ours
        connection.settings_dict["NAME"] = name
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield name
    finally:
        connection.close()
        connection.settings_dict.update(original)
        if not keep:
            if vendor == "postgresql":
                with admin.cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
                admin.close()
            else:
                import os

                os.remove(name)


# --- Synthetic data --------------------------------------------------------------------------


def _levels(units: int) -> list[int]:
    """Units per level below the root: a flat bloc up to 1,000 units, else 3 levels of equal fan-out."""
    below = units - 1
    if below <= 1000:
        return [below]
    fan = round(below ** (1 / 3))
    first, second = fan, fan * fan
    return [first, second, below - first - second]


def build_data(shape: Shape) -> dict:
    """Tree, congress, targets, quarters, one approved report per unit and quarter, every target filled."""
    from resolutions.models import Congress, Resolution
    from targets.models import Period, Target
    from targets.periods import periods_ensure
    from units.models import Membership, Unit

    now = clock.now()
    root = Unit.objects.add_root(
        instance=Unit(code="bench-root", name="Đảng bộ khối (benchmark)", kind=Unit.Kind.BLOC)
    )
    parents = [root]
    counter = 0
    for depth, count in enumerate(_levels(shape.units), start=2):
        per_parent, extra = divmod(count, len(parents))
        batch = []
        for i, parent in enumerate(parents):
            children = per_parent + (1 if i < extra else 0)
            for position in range(1, children + 1):
                counter += 1
                batch.append(
                    Unit(
                        code=f"bench-{counter:06d}",
                        name=f"Đơn vị thử {counter:06d}",
                        depth=depth,
                        numchild=0,
                        path=Unit._get_path(parent.path, depth, position),
                        kind=Unit.Kind.CHI_BO_CO_SO
                        if depth == len(_levels(shape.units)) + 1
                        else Unit.Kind.DANG_BO_CO_SO,
                        members=20,
                    )
                )
            parent.numchild = children
        Unit.objects.bulk_update(parents, ["numchild"], batch_size=5000)
        parents = Unit.objects.bulk_create(batch, batch_size=5000)
        parents = list(Unit.objects.filter(depth=depth).order_by("path"))

    years = max(1, -(-shape.quarters // 4))
    congress = Congress.objects.create(
        unit=root,
        organisation_name="Benchmark",
        ordinal=1,
        term_start_year=2021,
        term_end_year=2021 + years,
        held_from=date(2020, 12, 28),
        held_to=date(2020, 12, 30),
    )
    resolution = Resolution.objects.create(congress=congress, title="Nghị quyết (benchmark)")
    kinds = []
    for i in range(shape.targets):
        slot = i % 12
        kinds.append(
            "ratio"
            if slot in (3, 7, 10)
            else "milestone"
            if slot == 11
            else "subcount"
            if slot in (2, 6)
            else "flow"
        )
    targets = []
    for i, measure in enumerate(kinds):
        parent = targets[-1] if measure == "subcount" and targets and targets[-1].measure == "flow" else None
        if measure == "subcount" and parent is None:
            measure = "flow"
        targets.append(
            Target.objects.create(
                resolution=resolution,
                code=f"B{i + 1:02d}",
                title=f"Chỉ tiêu thử {i + 1}",
                measure=measure,
                value=Decimal(100 if measure in ("ratio", "milestone") else shape.units * shape.quarters),
                parent=parent,
                position=i,
            )
        )
    periods_ensure(congress)
    Period.objects.filter(congress=congress, index__gt=shape.quarters).delete()
    Period.objects.filter(congress=congress).update(deadline=clock.today() + timedelta(days=3650))

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO targets_progressreport (unit_id, period_id, status, version, late, review_comment, "
            "created_at, updated_at) SELECT u.id, p.id, 'approved', 1, %s, '', %s, %s "
            "FROM units_unit u CROSS JOIN targets_period p WHERE u.depth > 1 AND p.congress_id = %s",
            [False, now, now, congress.pk],
        )
        # Deterministic pseudo-random figures; a sub-count is a third of its parent's value.
        cursor.execute(
            "INSERT INTO targets_entry (report_id, target_id, value, numerator, denominator, done, note) "
            "SELECT r.id, t.id, "
            "  CASE WHEN t.measure = 'flow' THEN (r.id * 7 + t.id * 13) %% 10 "
            "       WHEN t.measure = 'subcount' THEN ((r.id * 7 + t.parent_id * 13) %% 10) / 3 END, "
            "  CASE WHEN t.measure = 'ratio' THEN 20 + r.unit_id %% 30 - (r.id + t.id) %% 3 END, "
            "  CASE WHEN t.measure = 'ratio' THEN 20 + r.unit_id %% 30 END, "
            "  CASE WHEN t.measure = 'milestone' THEN (r.id + t.id) %% 5 <> 0 END, '' "
            "FROM targets_progressreport r CROSS JOIN targets_target t "
            "WHERE t.resolution_id = %s",
            [resolution.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    office = get_user_model().objects.create_user("bench-office", password="x")
    clerk = get_user_model().objects.create_user("bench-clerk", password="x")
    Membership.objects.create(user=office, unit=root, role=Membership.Role.BLOC_OFFICE)
    Membership.objects.create(user=clerk, unit=root, role=Membership.Role.UNIT_SECRETARY)
    return {"congress": congress, "root": root, "office": office, "clerk": clerk}


# --- Measurements -------------------------------------------------------------------------------


def _time(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def measure(shape: Shape, data: dict, *, samples: int = 30, seed: int = 1) -> dict:
    from django.test import Client

    from targets import ledger
    from targets.entries import EntryInput, targets_for
    from targets.models import Entry, Period, ProgressReport
    from targets.rollup import rollup_full, settle_unit
    from targets.services.reports import report_approve, report_save, report_submit
    from units.models import Unit

    rng = random.Random(seed)
    congress = data["congress"]
    results: dict = {
        "units": shape.units,
        "targets": shape.targets,
        "quarters": shape.quarters,
        "database": connection.vendor,
    }
    results["entries"] = Entry.objects.count()

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL)
            cursor.fetchall()

    floor()  # warm the cache
    floors = _time(floor, 3)
    floor_s = min(floors)
    results["floor_s"] = round(floor_s, 3)
    results["floor_sql"] = FLOOR_SQL

    fulls = _time(lambda: rollup_full(congress), 3)
    full_s = statistics.median(fulls)
    results["full_rebuild_s"] = round(full_s, 3)
    # The ratio of the measured times, not of the rounded figures: a 0.4 ms floor prints as 0.0 s.
    results["full_over_floor"] = round(full_s / max(floor_s, 1e-9), 2)
    results["rollup_rows"] = congress.periods.first().rollups.model.objects.count()

    periods = list(Period.objects.filter(congress=congress).order_by("index"))
    leaves = list(Unit.objects.filter(numchild=0, depth__gt=1).values_list("pk", flat=True))
    picks = [(rng.choice(leaves), rng.choice(periods).pk) for _ in range(samples)]
    settles = []
    for unit_id, period_id in picks:
        unit, period = Unit.objects.get(pk=unit_id), Period.objects.get(pk=period_id)
        # An approval as the office makes it (its ledger row committed with it), then its settle alone.
        ProgressReport.objects.filter(unit=unit, period=period).update(status="submitted")
        version = ProgressReport.objects.get(unit=unit, period=period).version
        with ledger.held(), transaction.atomic():
            report_approve(unit=unit, period=period, user=data["office"], expected_version=version)
        settles += _time(lambda u=unit_id: settle_unit(u, congress.pk), 1)
    results["settle_p50_ms"] = _ms(statistics.median(settles))
    results["settle_p95_ms"] = _ms(_percentile(settles, 0.95))

    client = Client()
    client.force_login(data["office"])
    as_of = periods[-1].slug
    client.get(f"/dashboard/?as_of={as_of}")  # warm up templates
    timings = []
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/dashboard/?as_of={as_of}")
    if response.status_code != 200:
        raise RuntimeError(f"the dashboard answered {response.status_code}")
    results["dashboard_queries"] = len(queries)
    for _ in range(max(10, samples // 2)):
        started = time.perf_counter()
        client.get(f"/dashboard/?as_of={as_of}")
        timings.append(time.perf_counter() - started)
    results["dashboard_p50_ms"] = _ms(statistics.median(timings))
    results["dashboard_p95_ms"] = _ms(_percentile(timings, 0.95))

    saves = []
    clerk = data["clerk"]
    for unit_id, period_id in picks[: max(10, samples // 2)]:
        unit = Unit.objects.get(pk=unit_id)
        period = Period.objects.get(pk=period_id)
        report = ProgressReport.objects.get(unit=unit, period=period)
        ProgressReport.objects.filter(pk=report.pk).update(status="draft")
        targets = targets_for(unit, period)
        inputs = {}
        for target in targets:
            if target.is_count:
                # A sub-count never exceeds its parent: parents get 3, sub-counts 1.
                inputs[target.pk] = EntryInput(value=1 if target.parent_id else 3)
            elif target.is_ratio:
                inputs[target.pk] = EntryInput(numerator=15, denominator=20)
            else:
                inputs[target.pk] = EntryInput(done=True, done_on=period.ends_on)
        started = time.perf_counter()
        with transaction.atomic():
            report_save(unit=unit, period=period, user=clerk, inputs=inputs, expected_version=report.version)
            report_submit(unit=unit, period=period, user=clerk)
        saves.append(time.perf_counter() - started)
    results["save_submit_p95_ms"] = _ms(_percentile(saves, 0.95))
    results["save_targets"] = shape.targets
    results["python_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    results["budgets"] = {
        "full_over_floor <= 3": results["full_over_floor"] <= BUDGETS["full_over_floor"],
        "settle_p95 <= 10 ms": results["settle_p95_ms"] <= BUDGETS["settle_p95_ms"],
        "dashboard_p95 <= 150 ms": results["dashboard_p95_ms"] <= BUDGETS["dashboard_p95_ms"],
        "save_submit_p95 <= 100 ms": results["save_submit_p95_ms"] <= BUDGETS["save_p95_ms"],
    }
    return results


def run(shape: Shape, *, samples: int = 30, keep: bool = False, report=print) -> dict:
    with throwaway_database(keep=keep) as name:
        started = time.perf_counter()
        data = build_data(shape)
        load_s = round(time.perf_counter() - started, 1)
        report(
            f"Built {shape.units} units × {shape.targets} targets × {shape.quarters} quarters in {load_s}s "
            f"(database {name})."
        )
        # The test client's host name, whatever ALLOWED_HOSTS production uses.
        with override_settings(ALLOWED_HOSTS=["testserver"]):
            results = measure(shape, data, samples=samples)
        results["load_s"] = load_s
    return results


def dumps(results: dict) -> str:
    return json.dumps(results, ensure_ascii=False, indent=2, default=str)
