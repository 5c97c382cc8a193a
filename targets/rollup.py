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

The incremental path (after an approval, a reopening or a change to an
approved report) runs the very same level statement for the unit's ancestors
only, from the changed quarter on; the nightly full rebuild runs it for every
level. A property test holds the two to identical rows.
"""

import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from targets.models import Period, ProgressReport, Rollup, Target
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


def _tree_select(where: str) -> str:
    """Units with their parent id and whether they have children."""
    return f"""
        SELECT u.id AS id, u.depth AS depth,
               CASE WHEN u.numchild > 0 THEN 1 ELSE 0 END AS has_children,
               p.id AS parent_id
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


def _lock(cursor, congress_id: int, *, full: bool = False) -> None:
    """Serialise roll-ups of one term; SQLite already serialises every writer."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, congress_id])
        if full:
            # The one pass groups millions of entries: let the hash tables and sorts stay in memory.
            cursor.execute("SET LOCAL work_mem = '256MB'")


@dataclass
class RollupResult:
    units: int
    rows: int
    seconds: float


def _root_of(congress) -> Unit | None:
    return Unit.objects.filter(pk=congress.unit_id).first() if congress.unit_id else None


@transaction.atomic
def rollup_full(congress) -> RollupResult:
    """Rebuild every roll-up row of a term from the approved entries."""
    started = timezone.now()
    root = _root_of(congress)
    if root is None:
        return RollupResult(0, 0, 0.0)
    params = {"congress": congress.pk, "now": started, "from_idx": 0, "root": root.path + "%"}
    with connection.cursor() as cursor:
        _lock(cursor, congress.pk, full=True)
        for table in ("rl_all", "rl_own", "rl_tree"):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMP TABLE rl_tree AS {_tree_select('u.path LIKE %(root)s')}", params)
        cursor.execute("CREATE INDEX rl_tree_parent ON rl_tree (parent_id)")
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE rl_tree")  # temp tables have no statistics until analysed
        cursor.execute(f"CREATE TEMP TABLE rl_own AS {_own_select('rl_tree')}", params)
        cursor.execute("CREATE INDEX rl_own_owner ON rl_own (owner, target_id, idx)")
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE rl_own")
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
            if connection.vendor == "postgresql":
                # Fresh rows have no statistics: without them the next level's join is planned as a loop.
                cursor.execute("ANALYZE rl_all")
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
        cursor.execute("SELECT COUNT(*) FROM rl_tree WHERE has_children = 1")
        units = cursor.fetchone()[0]
        for table in ("rl_all", "rl_own", "rl_tree"):
            cursor.execute(f"DROP TABLE {table}")
    seconds = (timezone.now() - started).total_seconds()
    log.info("rollup_full congress=%s units=%s rows=%s in %.2fs", congress.pk, units, rows, seconds)
    return RollupResult(units, rows, seconds)


@transaction.atomic
def rollup_incremental(unit_id: int, period_id: int) -> RollupResult:
    """Recompute the rows touched by one unit's figures for one quarter and the later ones.

    Those are the rows of the unit's owner (itself when it has children, else
    its parent) and of every ancestor above it, deepest first, each from its
    children's already-correct rows. Running it twice gives the same rows.
    """
    started = timezone.now()
    unit = Unit.objects.filter(pk=unit_id).first()
    period = Period.objects.filter(pk=period_id).select_related("congress").first()
    if unit is None or period is None:
        return RollupResult(0, 0, 0.0)
    chain = list(Unit.objects.get_ancestors(unit)) if unit.depth > 1 else []
    if unit.numchild > 0:
        chain.append(unit)
    chain.reverse()  # deepest first
    params = {"congress": period.congress_id, "now": started, "from_idx": period.index}
    rows = 0
    with connection.cursor() as cursor:
        _lock(cursor, period.congress_id)
        for ancestor in chain:
            params["unit"] = ancestor.pk
            params["children"] = ancestor.path + "_" * STEP
            params["child_depth"] = ancestor.depth + 1
            tree = _tree_select(
                "(u.id = %(unit)s OR (u.depth = %(child_depth)s AND u.path LIKE %(children)s))"
            )
            # Entries owned by this ancestor: its own and its children's without children.
            owned = "SELECT * FROM rl_tree WHERE id = %(unit)s OR has_children = 0"
            ctes = f"WITH rl_tree AS ({tree}), rl_owned AS ({owned}), rl_own AS ({_own_select('rl_owned')})"
            cursor.execute(
                _upsert(
                    f"{ctes} {_level_select('%(unit)s', 'rl_tree', 'rl_own', ROLLUP)}", only_changed=False
                ),
                params,
            )
            rows += max(cursor.rowcount, 0)
            cursor.execute(
                f"DELETE FROM {ROLLUP} WHERE unit_id = %(unit)s AND updated_at <> %(now)s AND period_id IN "
                f'(SELECT id FROM {PERIOD} WHERE congress_id = %(congress)s AND "index" >= %(from_idx)s)',
                params,
            )
    return RollupResult(len(chain), rows, (timezone.now() - started).total_seconds())


def rollup_all() -> list[RollupResult]:
    """The nightly rebuild: every term that belongs to a unit of the tree."""
    from resolutions.models import Congress

    return [rollup_full(congress) for congress in Congress.objects.filter(unit__isnull=False)]
