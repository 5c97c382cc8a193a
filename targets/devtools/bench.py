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
    "full_over_plain": 3.0,  # full rebuild within 3× the plain one-pass GROUP BY
    "settle_p95_ms": 10.0,  # settling one approval
    "dashboard_p95_ms": 100.0,  # at every level of the tree, with a constant query count
    "save_p95_ms": 50.0,  # saving and submitting a whole report
    "latency_ms": 1000.0,  # an approval on the bloc dashboard through a real worker
    # Queries per dashboard at any level and any size: the bound tests/targets/test_dashboard.py asserts
    # (a level whose children have none reads their entries instead of roll-up rows: ±1 query).
    "dashboard_queries": 32,
}
# The project's floor: one pass over the entries, with the join that gives each its quarter.
FLOOR_SQL = (
    "SELECT e.target_id, r.period_id, SUM(e.value) FROM targets_entry e "
    "JOIN targets_progressreport r ON r.id = e.report_id GROUP BY e.target_id, r.period_id"
)
# The plain floor every ratio is taken against: the same GROUP BY over a table holding just the
# entries' figures with their quarter (no join), built once from the entries before timing.
PLAIN_TABLE_SQL = (
    "CREATE TABLE bench_plain AS SELECT e.target_id, r.period_id, e.value FROM targets_entry e "
    "JOIN targets_progressreport r ON r.id = e.report_id"
)
PLAIN_FLOOR_SQL = "SELECT target_id, period_id, SUM(value) FROM bench_plain GROUP BY target_id, period_id"
# A national party (--units above 100.000): provinces, then about a sixth grassroots organisations,
# the rest cells below them (four levels with the root); smaller sizes keep their shape.
PROVINCES = 63


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


def admin_connection():
    """A connection to the server's `postgres` database as the configured user, in autocommit: to create
    and drop benchmark databases."""
    import psycopg2

    settings = connection.settings_dict
    admin = psycopg2.connect(
        dbname="postgres",
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )
    admin.autocommit = True
    return admin


def drop_database(name: str) -> None:
    """Remove a benchmark database (a file on SQLite); nothing happens if it is gone already."""
    import os

    if connection.vendor != "postgresql":
        if os.path.exists(name):
            os.remove(name)
        return
    admin = admin_connection()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        admin.close()


@contextmanager
def _pointed_at(name: str):
    """The default connection on database `name`, migrated to this code; the original one afterwards."""
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield name
    finally:
        connection.close()
        connection.settings_dict.update(original)


@contextmanager
def throwaway_database(keep: bool = False):
    """Point the default connection at a new, empty database; drop it afterwards (unless `keep`)."""
    if connection.vendor == "postgresql":
        name = f"bench_{uuid.uuid4().hex[:10]}"
        admin = admin_connection()
        try:
            with admin.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            admin.close()
    else:
        import tempfile

        name = tempfile.mktemp(prefix="bench-", suffix=".sqlite3")  # noqa: S306 - a throwaway file of ours
    try:
        with _pointed_at(name):
            yield name
    finally:
        if not keep:
            drop_database(name)


@contextmanager
def existing_database(name: str):
    """Point the default connection at a database an earlier run kept (--keep), migrated to this code."""
    import os

    if connection.vendor == "sqlite" and not os.path.exists(name):
        raise ValueError(f"no such database: {name}")  # SQLite would create an empty one
    with _pointed_at(name):
        yield name


def existing_data() -> tuple[Shape, dict]:
    """The shape and the handles of the data an earlier run built (its transfers already made)."""
    from resolutions.models import Congress
    from targets.models import Period, Target
    from units.models import Placement, Unit

    congress = Congress.objects.order_by("pk").first()
    if congress is None:
        raise ValueError("no benchmark data in this database")
    users = get_user_model().objects
    data = {
        "congress": congress,
        "root": congress.unit,
        "office": users.get(username="bench-office"),
        "clerk": users.get(username="bench-clerk"),
        "transfers": Placement.objects.filter(valid_from__isnull=False).values("unit").distinct().count(),
    }
    left = Placement.objects.filter(valid_to__isnull=False).select_related("parent").order_by("pk").first()
    if left is not None:
        data["moved_from"] = left.parent
    shape = Shape(
        Unit.objects.count(),
        Target.objects.filter(resolution__congress=congress).count(),
        Period.objects.filter(congress=congress).count(),
    )
    return shape, data


# --- Synthetic data --------------------------------------------------------------------------


def _levels(units: int) -> list[int]:
    """Units per level below the root: a flat bloc up to 1,000 units, a national party above 100,000,
    else 3 levels of equal fan-out."""
    below = units - 1
    if below <= 1000:
        return [below]
    if units > 100_000:
        grassroots = round(units / 6)
        return [PROVINCES, grassroots, below - PROVINCES - grassroots]
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
            "achievements, shortcomings, causes, next_tasks, recommendations, target_comments, "
            "created_at, updated_at) SELECT u.id, p.id, 'approved', 1, %s, '', '', '', '', '', '', '{}', %s, %s "
            "FROM units_unit u CROSS JOIN targets_period p WHERE u.depth > 1 AND p.congress_id = %s",
            [False, now, now, congress.pk],
        )
        # Deterministic pseudo-random figures; a sub-count is a third of its parent's value.
        cursor.execute(
            "INSERT INTO targets_entry (report_id, target_id, value, numerator, denominator, done, note, "
            "confidence, confidence_reason) "
            "SELECT r.id, t.id, "
            "  CASE WHEN t.measure = 'flow' THEN (r.id * 7 + t.id * 13) %% 10 "
            "       WHEN t.measure = 'subcount' THEN ((r.id * 7 + t.parent_id * 13) %% 10) / 3 END, "
            "  CASE WHEN t.measure = 'ratio' THEN 20 + r.unit_id %% 30 - (r.id + t.id) %% 3 END, "
            "  CASE WHEN t.measure = 'ratio' THEN 20 + r.unit_id %% 30 END, "
            "  CASE WHEN t.measure = 'milestone' THEN (r.id + t.id) %% 5 <> 0 END, '', '', '' "
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


def _sql_time(sql: str, repeat: int = 3) -> float:
    def once():
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()

    once()  # warm the cache
    return min(_time(once, repeat))


def _dashboard(client, url: str, samples: int) -> dict:
    client.get(url)  # warm up templates
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    count = len(queries)  # read now: the next request clears the connection's query log
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    timings = _time(lambda: client.get(url), samples)
    return {
        "p50_ms": _ms(statistics.median(timings)),
        "p95_ms": _ms(_percentile(timings, 0.95)),
        "queries": count,
    }


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
        "levels": [1, *_levels(shape.units)],
    }
    results["entries"] = Entry.objects.count()

    floor_s = _sql_time(FLOOR_SQL)
    results["floor_s"] = round(floor_s, 3)
    results["floor_sql"] = FLOOR_SQL
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_plain")  # left by an interrupted run on this data
        cursor.execute(PLAIN_TABLE_SQL)
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE bench_plain")
    plain_s = _sql_time(PLAIN_FLOOR_SQL)
    results["plain_floor_s"] = round(plain_s, 3)
    results["plain_floor_sql"] = PLAIN_FLOOR_SQL
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_plain")

    results["transfers"] = data["transfers"] if "transfers" in data else reorganise(data, rng)
    fulls = _time(lambda: rollup_full(congress), 3)
    full_s = statistics.median(fulls)
    results["full_rebuild_s"] = round(full_s, 3)
    # Ratios of the measured times, not of the rounded figures: a 0.4 ms floor prints as 0.0 s.
    results["full_over_floor"] = round(full_s / max(floor_s, 1e-9), 2)
    results["full_over_plain"] = round(full_s / max(plain_s, 1e-9), 2)
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

    # The dashboard at each level of the tree: the root, then the first unit of each level below
    # that has children (a leaf's dashboard shows no children and is the cheapest).
    client = Client()
    client.force_login(data["office"])
    as_of = periods[-1].slug
    levels = []
    for depth in range(1, len(results["levels"]) + 1):
        unit = Unit.objects.filter(depth=depth, numchild__gt=0).order_by("path").first()
        if unit is None:
            continue
        url = f"/dashboard/?as_of={as_of}" if depth == 1 else f"/dashboard/{unit.code}/?as_of={as_of}"
        figures = _dashboard(client, url, max(10, samples // 2))
        levels.append({"depth": depth, "children": unit.numchild, **figures})
    results["dashboard_levels"] = levels
    # A past quarter, read on the tree of that quarter (before the transfers above took effect).
    moved_from = data.get("moved_from")
    if moved_from is not None:
        past = periods[REORGANISE_AT - 2]
        figures = _dashboard(
            client, f"/dashboard/{moved_from.code}/?as_of={past.slug}", max(10, samples // 2)
        )
        results["dashboard_past_quarter"] = {"unit_depth": moved_from.depth, "as_of": past.slug, **figures}
    results["dashboard_p50_ms"] = levels[0]["p50_ms"]
    results["dashboard_p95_ms"] = max(level["p95_ms"] for level in levels)
    results["dashboard_queries"] = levels[0]["queries"]
    results["dashboard_queries_max"] = max(level["queries"] for level in levels)

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

    latencies = worker_latencies(data, picks[: max(5, samples // 6)])
    if latencies:
        results["latency_p50_ms"] = _ms(statistics.median(latencies))
        results["latency_max_ms"] = _ms(max(latencies))
    results["python_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    budgets = {
        "full_over_plain <= 3": results["full_over_plain"] <= BUDGETS["full_over_plain"],
        "settle_p95 <= 10 ms": results["settle_p95_ms"] <= BUDGETS["settle_p95_ms"],
        "dashboard_p95 <= 100 ms at every level": results["dashboard_p95_ms"] <= BUDGETS["dashboard_p95_ms"],
        "dashboard queries <= 32 at every level": results["dashboard_queries_max"]
        <= BUDGETS["dashboard_queries"],
        "save_submit_p95 <= 50 ms": results["save_submit_p95_ms"] <= BUDGETS["save_p95_ms"],
    }
    if latencies:
        budgets["approval to dashboard <= 1 s"] = results["latency_max_ms"] <= BUDGETS["latency_ms"]
    results["budgets"] = budgets
    return results


REORGANISE_AT = 10  # the quarter (1-based) in which the benchmark's transfers take effect
TRANSFERS = 20


def reorganise(data: dict, rng: random.Random) -> int:
    """Move TRANSFERS leaves to another parent of the same level in the middle of the term, through the
    reorganisation service, so that past quarters are read on a tree that differs from today's
    (Placement rows with validity periods; units that never moved have none). Returns how many moved."""
    from targets import ledger
    from targets.models import Period
    from targets.services import reorganisation
    from units.models import Unit
    from units.services import Decision

    congress = data["congress"]
    period = Period.objects.filter(congress=congress, index=REORGANISE_AT).first()
    deepest = Unit.objects.order_by("-depth").values_list("depth", flat=True).first()
    if period is None or deepest is None or deepest < 4:
        return 0  # a flat bloc (or a short term): nowhere to move a unit to
    parents = list(Unit.objects.filter(depth=deepest - 1, numchild__gt=1).order_by("path"))
    day = period.starts_on + timedelta(days=10)
    decision = Decision(number="1-QĐ/BENCH", signed_on=day, issuing_body="Benchmark", effective_on=day)
    moved = 0
    with ledger.held():
        for source in rng.sample(parents, min(TRANSFERS, len(parents))):
            source.refresh_from_db()
            if source.numchild < 2:
                continue
            leaf = Unit.objects.filter(path__startswith=source.path, depth=deepest).order_by("path").first()
            target = rng.choice([p for p in parents if p.pk != source.pk])
            target.refresh_from_db()
            reorganisation.transfer(unit=leaf, new_parent=target, decision=decision, user=data["office"])
            data.setdefault("moved_from", source)
            moved += 1
    return moved


def worker_latencies(data: dict, picks: list[tuple[int, int]]) -> list[float]:
    """With REDIS_URL on PostgreSQL: approvals through a real Celery worker, each timed from the
    click (the approval's transaction) until the bloc dashboard's roll-up rows hold it (its ledger row settled)."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    from targets.models import Period, ProgressReport, RollupChange
    from targets.services.reports import report_approve
    from units.models import Unit

    if not settings.REDIS_URL or connection.vendor != "postgresql":
        return []
    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if "ready." in line:
                break
            if process.poll() is not None:
                return []
        out = []
        for unit_id, period_id in picks:
            unit, period = Unit.objects.get(pk=unit_id), Period.objects.get(pk=period_id)
            report = ProgressReport.objects.get(unit=unit, period=period)
            ProgressReport.objects.filter(pk=report.pk).update(status="submitted")
            report.refresh_from_db()
            started = time.perf_counter()
            with transaction.atomic():
                report_approve(unit=unit, period=period, user=data["office"], expected_version=report.version)
            change = RollupChange.objects.filter(unit=unit, period=period).latest("pk")
            while not RollupChange.objects.filter(pk=change.pk, settled_at__isnull=False).exists():
                if time.perf_counter() - started > 30:
                    raise RuntimeError("the worker did not settle an approval within 30 s")
                time.sleep(0.01)
            out.append(time.perf_counter() - started)
        return out
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def run(
    shape: Shape | None, *, samples: int = 30, keep: bool = False, reuse: str | None = None, report=print
) -> dict:
    if reuse:
        # The measurements again on data an earlier run built and kept: at 300.000 units the data
        # takes far longer to build than to measure.
        with existing_database(reuse):
            shape, data = existing_data()
            report(
                f"Reusing {shape.units} units × {shape.targets} targets × {shape.quarters} quarters ({reuse})."
            )
            with override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False):
                results = measure(shape, data, samples=samples)
            results["load_s"] = None
            results["reused"] = reuse
        return results
    with throwaway_database(keep=keep) as name:
        started = time.perf_counter()
        data = build_data(shape)
        load_s = round(time.perf_counter() - started, 1)
        report(
            f"Built {shape.units} units × {shape.targets} targets × {shape.quarters} quarters in {load_s}s "
            f"(database {name})."
        )
        # The test client's host name, whatever ALLOWED_HOSTS production uses; DEBUG off as in
        # production (no query log kept, no debug pages).
        with override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False):
            results = measure(shape, data, samples=samples)
        results["load_s"] = load_s
    return results


def dumps(results: dict) -> str:
    return json.dumps(results, ensure_ascii=False, indent=2, default=str)
