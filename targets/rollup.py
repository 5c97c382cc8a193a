"""Roll unit reports up the tree, in the database, set-based.

Every measure is turned into increments per unit and quarter that simply add
up the tree and accumulate over quarters:

- counts: the quarter's value (its running sum is the cumulative total);
- ratios and milestones: the change from the unit's previous figure (its
  running sum is the unit's latest figure, carried forward when a unit skips
  a quarter); a milestone counts done as 1 over 1;
- the first figure of a unit marks it "active", so that active − reporting
  is the number of units whose figure is carried.

One pass over the approved entries groups those increments by their *owner*:
the unit itself when it has children, otherwise its parent. Then, level by
level from the deepest, a unit's rows are its owned running sums plus its
children's rows. Only units with children get rows; no Python loop touches a
unit or an entry.

Changes reach the rows through the ledger (targets.ledger, RollupChange):
`settle_unit` applies one unit's pending changes as increments — the new
approved figures minus those already applied, which the ledger rows say — to
the rows of the unit's owner and each ancestor, from the changed quarter on:
its cost grows with the depth of the tree and the quarters left, not with its
size. It writes the rows and marks the changes settled in one transaction, so
a change is applied exactly once whatever crashes. The nightly full rebuild
recomputes everything from the approved entries (the reference and the
repair); a property test holds the two to identical rows, crashes included.
"""

import logging
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import OperationalError, connection, transaction

from config import clock
from targets.measures import POINT_FIELDS, point_deltas, status_counts
from targets.models import Entry, Period, ProgressReport, Rollup, RollupChange, RollupUnit, Target
from units.models import Unit

log = logging.getLogger(__name__)

STEP = Unit.steplen
APPROVED = ProgressReport.Status.APPROVED
# Any stable number: the advisory lock that serialises roll-ups of one term on PostgreSQL.
LOCK_NAMESPACE = 20200715

UNIT = Unit._meta.db_table
REPORT = ProgressReport._meta.db_table
ENTRY = "targets_entry"
PERIOD = Period._meta.db_table
TARGET = Target._meta.db_table
ROLLUP = Rollup._meta.db_table
ROLLUP_UNIT = RollupUnit._meta.db_table
CHANGE = RollupChange._meta.db_table
GRASSROOTS = ", ".join(f"'{kind}'" for kind in Unit.GRASSROOTS_KINDS)
SUBMITTED = ProgressReport.Status.SUBMITTED


def _tree_select(where: str) -> str:
    """Units with their parent id and whether they have children."""
    return f"""
        SELECT u.id AS id, u.depth AS depth,
               CASE WHEN u.numchild > 0 THEN 1 ELSE 0 END AS has_children,
               p.id AS parent_id,
               CASE WHEN u.kind IN ({GRASSROOTS}) THEN 1 ELSE 0 END AS grassroots,
               u.active_from AS active_from, u.active_to AS active_to
        FROM {UNIT} u
        LEFT JOIN {UNIT} p ON p.path = substr(u.path, 1, length(u.path) - {STEP})
        WHERE {where}
    """


def _own_select(tree: str) -> str:
    """Increments of approved entries, grouped by owner, target and quarter (the one pass)."""
    owner = "CASE WHEN t.has_children = 1 THEN t.id ELSE t.parent_id END"
    approved = f"""
        FROM {ENTRY} e
        JOIN {REPORT} r ON r.id = e.report_id AND r.status = '{APPROVED}'
        JOIN {PERIOD} p ON p.id = r.period_id AND p.congress_id = %(congress)s
        JOIN {tree} t ON t.id = r.unit_id
        JOIN {TARGET} tg ON tg.id = e.target_id
            -- a unit's own target adds up within its subtree only: a leaf owner's figures stay its own
            AND NOT (tg.owner_unit_id IS NOT NULL AND tg.owner_unit_id = r.unit_id AND t.has_children = 0)
    """
    return f"""
        SELECT owner, target_id, idx,
               SUM(value) AS value, SUM(dnum) AS dnum, SUM(dden) AS dden,
               SUM(rep) AS reporting, SUM(dfirst) AS dfirst
        FROM (
            SELECT {owner} AS owner, e.target_id AS target_id, p."index" AS idx,
                   COALESCE(e.value, 0) AS value, 0 AS dnum, 0 AS dden, 1 AS rep, 0 AS dfirst
            {approved}
            WHERE tg.measure IN ('flow', 'subcount')
            UNION ALL
            SELECT owner, target_id, idx, 0,
                   num - LAG(num, 1, 0) OVER w,
                   den - LAG(den, 1, 0) OVER w,
                   1,
                   CASE WHEN LAG(idx) OVER w IS NULL THEN 1 ELSE 0 END
            FROM (
                SELECT {owner} AS owner, r.unit_id AS unit_id, e.target_id AS target_id, p."index" AS idx,
                       CASE WHEN tg.measure = 'milestone' THEN CASE WHEN e.done THEN 1 ELSE 0 END
                            ELSE COALESCE(e.numerator, 0) END AS num,
                       CASE WHEN tg.measure = 'milestone' THEN 1 ELSE COALESCE(e.denominator, 0) END AS den
                {approved}
                WHERE tg.measure IN ('ratio', 'milestone')
            ) x
            WINDOW w AS (PARTITION BY unit_id, target_id ORDER BY idx)
        ) increments
        WHERE owner IS NOT NULL
        GROUP BY owner, target_id, idx
    """


COLUMNS = "unit_id, target_id, period_id, value, cumulative, numerator, denominator, reporting, carried"
FIGURES = ("value", "cumulative", "numerator", "denominator", "reporting", "carried")


def _level_select(level: str, tree: str, own: str, rows: str) -> str:
    """Rows of the units in `level`: owned running sums (dense to the end of term) + children's rows.

    `rows` is where the children's rows are read: the roll-up table itself
    (incremental), or the rows this rebuild has computed so far (full).
    """
    return f"""
        SELECT g.unit AS unit_id, g.target_id AS target_id, g.period_id AS period_id,
               SUM(g.value) AS value, SUM(g.cumulative) AS cumulative,
               SUM(g.numerator) AS numerator, SUM(g.denominator) AS denominator,
               SUM(g.reporting) AS reporting, SUM(g.carried) AS carried
        FROM (
            SELECT * FROM (
                SELECT o.owner AS unit, o.target_id AS target_id, pp.id AS period_id, pp."index" AS idx,
                       COALESCE(x.value, 0) AS value,
                       SUM(COALESCE(x.value, 0)) OVER w AS cumulative,
                       SUM(COALESCE(x.dnum, 0)) OVER w AS numerator,
                       SUM(COALESCE(x.dden, 0)) OVER w AS denominator,
                       COALESCE(x.reporting, 0) AS reporting,
                       CASE WHEN SUM(COALESCE(x.dfirst, 0)) OVER w = 0 THEN 0
                            ELSE SUM(COALESCE(x.dfirst, 0)) OVER w - COALESCE(x.reporting, 0) END AS carried
                FROM (
                    SELECT owner, target_id, MIN(idx) AS first FROM {own}
                    WHERE owner IN ({level}) GROUP BY owner, target_id
                ) o
                JOIN {PERIOD} pp ON pp.congress_id = %(congress)s AND pp."index" >= o.first
                LEFT JOIN {own} x ON x.owner = o.owner AND x.target_id = o.target_id AND x.idx = pp."index"
                WINDOW w AS (PARTITION BY o.owner, o.target_id ORDER BY pp."index")
            ) owned
            -- the running sums need every quarter; only the changed ones are written
            WHERE owned.idx >= %(from_idx)s
            UNION ALL
            SELECT t.parent_id, r.target_id, r.period_id, cp."index",
                   r.value, r.cumulative, r.numerator, r.denominator, r.reporting, r.carried
            FROM {rows} r
            JOIN {tree} t ON t.id = r.unit_id
            JOIN {PERIOD} cp ON cp.id = r.period_id AND cp.congress_id = %(congress)s
            JOIN {TARGET} ct ON ct.id = r.target_id
            WHERE t.parent_id IN ({level}) AND cp."index" >= %(from_idx)s
              -- ...and never climbs above the unit that owns it
              AND (ct.owner_unit_id IS NULL OR ct.owner_unit_id <> r.unit_id)
        ) g
        GROUP BY g.unit, g.target_id, g.period_id
    """


def _upsert(source: str, *, only_changed: bool) -> str:
    """Write rows into the roll-up table, stamped with this run's time.

    Rewriting a row in place is far cheaper than deleting it and inserting its
    twin in the same transaction; a full rebuild rewrites only the rows whose
    figures changed, so "updated at" says when a figure last changed.
    """
    changed = " OR ".join(f"{ROLLUP}.{f} <> EXCLUDED.{f}" for f in FIGURES)
    return f"""
        INSERT INTO {ROLLUP} ({COLUMNS}, updated_at)
        SELECT {COLUMNS}, %(now)s FROM ({source}) computed WHERE 1 = 1
        ON CONFLICT (unit_id, target_id, period_id) DO UPDATE SET
            {", ".join(f"{f} = EXCLUDED.{f}" for f in FIGURES)}, updated_at = EXCLUDED.updated_at
        {"WHERE " + changed if only_changed else ""}
    """


def _lock(cursor, congress_id: int) -> None:
    """Serialise every writer of one term's roll-up (settles and rebuilds); SQLite serialises writers anyway."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, congress_id])


@contextmanager
def _consistent_rebuild(congress_id: int):
    """A transaction in which every statement of a rebuild sees the same data.

    On PostgreSQL the rebuild runs in REPEATABLE READ, so that the approved
    entries it adds up and the ledger rows it marks settled are one snapshot: a
    change committed meanwhile stays pending and is settled after. The lock is
    taken before the snapshot (a session lock), so the snapshot includes what the
    settle that held it last wrote. Inside an outer transaction (tests) the
    snapshot is the outer one's.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        with transaction.atomic(), connection.cursor() as cursor:
            _lock(cursor, congress_id)
            yield cursor
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, congress_id])
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield cursor
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, congress_id])


@dataclass
class RollupResult:
    units: int
    rows: int
    seconds: float


def _analyse(cursor, table: str) -> None:
    # Temporary tables have no statistics until analysed: without them joins are planned as loops.
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table}")


UNIT_COLUMNS = "unit_id, period_id, expected, on_time, late, pending"


def _unit_own_select() -> str:
    """Report counts owned by each unit with children: itself and its children without children."""
    owner = "CASE WHEN t.has_children = 1 THEN t.id ELSE t.parent_id END"
    return f"""
        SELECT owner, period_id, SUM(expected) AS expected, SUM(on_time) AS on_time,
               SUM(late) AS late, SUM(pending) AS pending
        FROM (
            -- grassroots organisations with no dates are expected every quarter: counted once per owner
            SELECT owner, pp.id AS period_id, n AS expected, 0 AS on_time, 0 AS late, 0 AS pending
            FROM (SELECT {owner} AS owner, COUNT(*) AS n FROM rl_tree t
                  WHERE t.grassroots = 1 AND t.active_from IS NULL AND t.active_to IS NULL
                  GROUP BY 1) g
            JOIN {PERIOD} pp ON pp.congress_id = %(congress)s
            UNION ALL
            SELECT {owner}, pp.id, 1, 0, 0, 0
            FROM rl_tree t JOIN {PERIOD} pp ON pp.congress_id = %(congress)s
                AND (t.active_from IS NULL OR t.active_from <= pp.ends_on)
                AND (t.active_to IS NULL OR t.active_to >= pp.starts_on)
            WHERE t.grassroots = 1 AND (t.active_from IS NOT NULL OR t.active_to IS NOT NULL)
            UNION ALL
            SELECT {owner}, r.period_id, 0,
                   CASE WHEN r.status = '{APPROVED}' AND NOT r.late THEN 1 ELSE 0 END,
                   CASE WHEN r.status = '{APPROVED}' AND r.late THEN 1 ELSE 0 END,
                   CASE WHEN r.status = '{SUBMITTED}' THEN 1 ELSE 0 END
            FROM {REPORT} r
            JOIN {PERIOD} rp ON rp.id = r.period_id AND rp.congress_id = %(congress)s
            JOIN rl_tree t ON t.id = r.unit_id AND t.grassroots = 1
        ) counts
        WHERE owner IS NOT NULL
        GROUP BY owner, period_id
    """


def _rebuild_units(cursor, params: dict, depths: list[int]) -> int:
    """Report counts of every unit with children and quarter, level by level like the figures."""
    for table in ("rl_units", "rl_unit_own"):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TEMP TABLE rl_unit_own AS {_unit_own_select()}", params)
    cursor.execute("CREATE INDEX rl_unit_own_owner ON rl_unit_own (owner)")
    _analyse(cursor, "rl_unit_own")
    cursor.execute(f"CREATE TEMP TABLE rl_units AS SELECT {UNIT_COLUMNS} FROM {ROLLUP_UNIT} WHERE 1 = 0")
    for depth in depths:
        level = f"SELECT id FROM rl_tree WHERE depth = {int(depth)} AND has_children = 1"
        cursor.execute(
            f"""
            INSERT INTO rl_units ({UNIT_COLUMNS})
            SELECT unit, period_id, SUM(expected), SUM(on_time), SUM(late), SUM(pending) FROM (
                -- every unit with children has a row for every quarter, zeros included
                SELECT l.id AS unit, pp.id AS period_id, 0 AS expected, 0 AS on_time, 0 AS late, 0 AS pending
                FROM ({level}) l JOIN {PERIOD} pp ON pp.congress_id = %(congress)s
                UNION ALL
                SELECT owner, period_id, expected, on_time, late, pending FROM rl_unit_own
                WHERE owner IN ({level})
                UNION ALL
                SELECT t.parent_id, c.period_id, c.expected, c.on_time, c.late, c.pending
                FROM rl_units c JOIN rl_tree t ON t.id = c.unit_id
                WHERE t.parent_id IN ({level})
            ) g GROUP BY unit, period_id
            """,
            params,
        )
        _analyse(cursor, "rl_units")
    changed = " OR ".join(
        f"{ROLLUP_UNIT}.{f} <> EXCLUDED.{f}" for f in ("expected", "on_time", "late", "pending")
    )
    cursor.execute(
        f"""
        INSERT INTO {ROLLUP_UNIT} ({UNIT_COLUMNS}, updated_at)
        SELECT {UNIT_COLUMNS}, %(now)s FROM rl_units WHERE 1 = 1
        ON CONFLICT (unit_id, period_id) DO UPDATE SET expected = EXCLUDED.expected,
            on_time = EXCLUDED.on_time, late = EXCLUDED.late, pending = EXCLUDED.pending,
            updated_at = EXCLUDED.updated_at
        WHERE {changed}
        """,
        params,
    )
    rows = max(cursor.rowcount, 0)
    cursor.execute(
        f"DELETE FROM {ROLLUP_UNIT} WHERE period_id IN (SELECT id FROM {PERIOD} WHERE congress_id = %(congress)s) "
        f"AND NOT EXISTS (SELECT 1 FROM rl_units n WHERE n.unit_id = {ROLLUP_UNIT}.unit_id "
        f"AND n.period_id = {ROLLUP_UNIT}.period_id)",
        params,
    )
    rows += max(cursor.rowcount, 0)
    for table in ("rl_units", "rl_unit_own"):
        cursor.execute(f"DROP TABLE {table}")
    return rows


def _root_of(congress) -> Unit | None:
    return Unit.objects.filter(pk=congress.unit_id).first() if congress.unit_id else None


def rollup_full(congress) -> RollupResult:
    """Rebuild every roll-up row of a term from the approved entries, and settle the ledger with it.

    Every change the rebuild's snapshot includes is marked settled in the same
    transaction; a change committed after it stays pending and is settled next.
    """
    started = clock.now()
    root = _root_of(congress)
    if root is None:
        return RollupResult(0, 0, 0.0)
    params = {"congress": congress.pk, "now": started, "from_idx": 0, "root": root.path + "%"}
    with _consistent_rebuild(congress.pk) as cursor:
        if connection.vendor == "postgresql":
            # The one pass groups millions of entries: let the hash tables and sorts stay in memory.
            cursor.execute("SET LOCAL work_mem = '256MB'")
        for table in ("rl_all", "rl_own", "rl_tree"):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMP TABLE rl_tree AS {_tree_select('u.path LIKE %(root)s')}", params)
        cursor.execute("CREATE INDEX rl_tree_parent ON rl_tree (parent_id)")
        _analyse(cursor, "rl_tree")
        cursor.execute(f"CREATE TEMP TABLE rl_own AS {_own_select('rl_tree')}", params)
        cursor.execute("CREATE INDEX rl_own_owner ON rl_own (owner, target_id, idx)")
        _analyse(cursor, "rl_own")
        cursor.execute("SELECT DISTINCT depth FROM rl_tree WHERE has_children = 1 ORDER BY depth DESC")
        depths = [row[0] for row in cursor.fetchall()]
        # Every level's rows are computed into rl_all first (a temporary table, cheap to write);
        # the level above reads its children there.
        cursor.execute(f"CREATE TEMP TABLE rl_all AS SELECT {COLUMNS} FROM {ROLLUP} WHERE 1 = 0")
        for depth in depths:
            level = f"SELECT id FROM rl_tree WHERE depth = {int(depth)} AND has_children = 1"
            cursor.execute(
                f"INSERT INTO rl_all ({COLUMNS}) {_level_select(level, 'rl_tree', 'rl_own', 'rl_all')}",
                params,
            )
            _analyse(cursor, "rl_all")
        cursor.execute("CREATE INDEX rl_all_key ON rl_all (unit_id, target_id, period_id)")
        cursor.execute(_upsert("SELECT * FROM rl_all", only_changed=True), params)
        rows = max(cursor.rowcount, 0)
        cursor.execute(
            f"DELETE FROM {ROLLUP} WHERE period_id IN (SELECT id FROM {PERIOD} WHERE congress_id = %(congress)s) "
            f"AND NOT EXISTS (SELECT 1 FROM rl_all n WHERE n.unit_id = {ROLLUP}.unit_id "
            f"AND n.target_id = {ROLLUP}.target_id AND n.period_id = {ROLLUP}.period_id)",
            params,
        )
        rows += max(cursor.rowcount, 0)
        rows += _rebuild_units(cursor, params, depths)
        cursor.execute(
            f"UPDATE {CHANGE} SET settled_at = %(now)s WHERE congress_id = %(congress)s AND settled_at IS NULL",
            params,
        )
        cursor.execute("SELECT COUNT(*) FROM rl_tree WHERE has_children = 1")
        units = cursor.fetchone()[0]
        for table in ("rl_all", "rl_own", "rl_tree"):
            cursor.execute(f"DROP TABLE {table}")
    seconds = (clock.now() - started).total_seconds()
    log.info("rollup_full congress=%s units=%s rows=%s in %.2fs", congress.pk, units, rows, seconds)
    return RollupResult(units, rows, seconds)


def rollup_all() -> list[RollupResult]:
    """The nightly rebuild: every term that belongs to a unit of the tree."""
    from resolutions.models import Congress

    return [rollup_full(congress) for congress in Congress.objects.filter(unit__isnull=False)]


# --- Settling the ledger ---------------------------------------------------------------------

# One sweep settles at most this many units' changes, so that a task after a long outage
# finishes within its time limit; the next sweep (a minute later) takes the rest.
SETTLE_BATCH = 500
STATUS_COUNTS = ("on_time", "late", "pending")


def _chain(unit: Unit, root: Unit) -> list[dict]:
    """The units whose rows a unit's figures reach, deepest first: itself when it has children, then
    every ancestor up to the root of the term."""
    paths = [p for p in unit.ancestor_paths() if p.startswith(root.path)]
    if unit.numchild == 0:
        paths = paths[:-1]
    return list(Unit.objects.filter(path__in=paths).order_by("-depth").values("id", "path"))


def _values_upsert(
    table: str, key: tuple[str, ...], columns: tuple[str, ...], rows: list[tuple], now
) -> None:
    """Add `rows` to `table`: insert the missing ones, add to the existing ones (one statement per 500)."""
    if not rows:
        return
    names = (*key, *columns, "updated_at")
    added = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in columns)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            values = ", ".join(["(" + ", ".join(["%s"] * len(names)) + ")"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES {values} "
                f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {added}, updated_at = EXCLUDED.updated_at",
                [v for row in chunk for v in (*row, now)],
            )


def _histories(unit_id: int, congress_id: int, changes: list[RollupChange], index_of: dict[int, int]):
    """The unit's approved figures and report statuses before and after its pending changes.

    After: what the database holds now. Before: the same with the pending
    changes undone, newest first, from what each ledger row says it replaced.
    The unit's reports are locked by the caller, so no change of this unit can
    commit between the two reads.
    """
    targets = {int(t) for change in changes for t in change.payload.get("figures", {})}
    after: dict[int, dict[int, dict]] = defaultdict(dict)
    for entry in Entry.objects.filter(
        report__unit_id=unit_id,
        report__period__congress_id=congress_id,
        report__status=APPROVED,
        target_id__in=targets,
    ).values("target_id", "report__period__index", "value", "numerator", "denominator", "done"):
        after[entry["target_id"]][entry["report__period__index"]] = entry
    before = {t: dict(after[t]) for t in targets}
    status_after = {
        index_of[pid]: [status, late]
        for pid, status, late in ProgressReport.objects.filter(
            unit_id=unit_id, period_id__in=[c.period_id for c in changes]
        ).values_list("period_id", "status", "late")
    }
    status_before = dict(status_after)
    for change in reversed(changes):
        index = index_of[change.period_id]
        for target_id, figures in change.payload.get("figures", {}).items():
            if figures["old"] is None:
                before[int(target_id)].pop(index, None)
            else:
                before[int(target_id)][index] = figures["old"]
        if "status" in change.payload:
            status_before[index] = change.payload["status"]["old"]
    return targets, before, dict(after), status_before, status_after


def settle_unit(unit_id: int, congress_id: int) -> int:
    """Apply a unit's pending changes to the roll-up rows and mark them settled, in one transaction.

    Returns the number of changes settled (0 when another settle got there first).
    """
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor, congress_id)
        # A change of this unit in flight commits before this read, or waits for this settle.
        list(
            ProgressReport.objects.select_for_update()
            .filter(unit_id=unit_id, period__congress_id=congress_id)
            .values_list("id", flat=True)
        )
        changes = list(
            RollupChange.objects.filter(unit_id=unit_id, congress_id=congress_id, settled_at__isnull=True)
            .exclude(cause=RollupChange.Cause.TREE)
            .order_by("id")
        )
        if not changes:
            return 0
        now = clock.now()
        unit = Unit.objects.get(pk=unit_id)
        periods = list(
            Period.objects.filter(congress_id=congress_id).order_by("index").values_list("id", "index")
        )
        index_of = dict(periods)
        period_of = {index: pid for pid, index in periods}
        indexes = [index for _pid, index in periods]
        root = Unit.objects.get(congresses__pk=congress_id)
        chain = _chain(unit, root)
        target_ids, before, after, status_before, status_after = _histories(
            unit_id, congress_id, changes, index_of
        )
        targets = {t.pk: t for t in Target.objects.filter(pk__in=target_ids).select_related("owner_unit")}
        deltas = {t: point_deltas(targets[t], before[t], after.get(t, {}), indexes) for t in targets}
        _apply_figures(chain, targets, deltas, period_of, now)
        if unit.is_grassroots:
            counts = []
            for index in sorted(set(status_before) | set(status_after)):
                old, new = status_counts(status_before.get(index)), status_counts(status_after.get(index))
                delta = tuple(b - a for a, b in zip(old, new, strict=True))
                if any(delta):
                    counts += [(a["id"], period_of[index], 0, *delta) for a in chain]
            _values_upsert(ROLLUP_UNIT, ("unit_id", "period_id"), ("expected", *STATUS_COUNTS), counts, now)
        _mark_settled(changes, now)
        return len(changes)


def _mark_settled(changes: list[RollupChange], now) -> None:
    RollupChange.objects.filter(pk__in=[c.pk for c in changes]).update(settled_at=now)


def _apply_figures(chain, targets: dict, deltas: dict, period_of: dict[int, int], now) -> None:
    """Add each target's per-quarter differences to the rows of the units in the chain.

    A unit's own target climbs no higher than the unit that owns it. Rows exist
    from the first quarter with an approved figure anywhere below the unit to the
    end of the term (as the full rebuild makes them): a change can move that
    first quarter earlier (rows are added) or later (rows are removed).
    """
    changed = {t: d for t, d in deltas.items() if d}
    if not changed or not chain:
        return
    start = min(index for d in changed.values() for index in d)
    index_of = {pid: index for index, pid in period_of.items()}
    existing: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for unit_id, target_id, period_id, reporting in Rollup.objects.filter(
        unit_id__in=[a["id"] for a in chain],
        target_id__in=list(changed),
        period_id__in=[pid for index, pid in period_of.items() if index >= start - 1],
    ).values_list("unit_id", "target_id", "period_id", "reporting"):
        existing[(unit_id, target_id)][index_of[period_id]] = reporting
    last = max(period_of)
    upserts, deletes = [], []
    for target_id, delta in changed.items():
        owner = targets[target_id].owner_unit
        for ancestor in chain:
            if owner is not None and not ancestor["path"].startswith(owner.path):
                continue
            rows = existing[(ancestor["id"], target_id)]
            low = min(delta)
            if low - 1 in rows:
                first = min(rows)  # rows start before the change: its first quarter stays
            else:
                reporting = {
                    i: rows.get(i, 0) + (delta[i].reporting if i in delta else 0)
                    for i in range(low, last + 1)
                }
                first = next((i for i in range(low, last + 1) if reporting[i] > 0), None)
                deletes += [
                    (ancestor["id"], target_id, period_of[i]) for i in rows if first is None or i < first
                ]
            if first is None:
                continue
            for index in range(max(first, low), last + 1):
                d = delta.get(index)
                if d is None and index in rows:
                    continue
                figures = tuple(getattr(d, f) if d else 0 for f in POINT_FIELDS)
                upserts.append((ancestor["id"], target_id, period_of[index], *figures))
    if deletes:
        with connection.cursor() as cursor:
            for unit_id, target_id, period_id in deletes:
                cursor.execute(
                    f"DELETE FROM {ROLLUP} WHERE unit_id = %s AND target_id = %s AND period_id = %s",
                    [unit_id, target_id, period_id],
                )
    _values_upsert(ROLLUP, ("unit_id", "target_id", "period_id"), POINT_FIELDS, upserts, now)


def _rebuild_for_tree_changes(congress_id: int) -> int:
    """The tree changed under a term: rebuild it (which settles every change it includes)."""
    from resolutions.models import Congress

    rollup_full(Congress.objects.get(pk=congress_id))
    return 1


def settle_pending(limit: int = SETTLE_BATCH) -> int:
    """Settle pending changes, oldest first, each unit in its own transaction.

    A database error stops the sweep (the task retries it); any other error on
    one unit is logged and the sweep goes on with the others, so one bad row
    cannot hold back the rest (it stays pending and the readiness check shows it).
    """
    settled, failed = 0, set()
    for _ in range(limit):
        pending = (
            RollupChange.objects.filter(settled_at__isnull=True)
            .exclude(unit_id__in=[u for u, _c in failed])
            .order_by("id")
            .values_list("unit_id", "congress_id", "cause")
            .first()
        )
        if pending is None:
            break
        unit_id, congress_id, cause = pending
        try:
            if cause == RollupChange.Cause.TREE:
                settled += _rebuild_for_tree_changes(congress_id)
            else:
                settled += settle_unit(unit_id, congress_id)
        except OperationalError:
            raise
        except Exception:
            log.exception("settling the changes of unit %s failed; they stay pending", unit_id)
            failed.add((unit_id, congress_id))
    return settled
