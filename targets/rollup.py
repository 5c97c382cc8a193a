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
from django.db.models import Q

from config import clock
from targets.measures import POINT_FIELDS, point_deltas, status_counts
from targets.models import Confidence, Entry, Period, ProgressReport, Rollup, RollupChange, RollupUnit, Target
from units.models import Placement, Succession, Unit
from units.placements import chains

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
SENT = (SUBMITTED, APPROVED)


PLACEMENT = Placement._meta.db_table
RESOLUTION = "resolutions_resolution"
# What the units under a unit said of reaching each target in the quarter's sent reports, counted like
# `reporting` (the quarter's own, not carried): targets.confidence.
SAID_FIELDS = ("said_on_track", "said_at_risk", "said_unlikely")
SAID_OF = dict(zip(Confidence.values, SAID_FIELDS, strict=True))
COLUMNS = (
    "unit_id, target_id, period_id, value, cumulative, numerator, denominator, reporting, carried, "
    + ", ".join(SAID_FIELDS)
)
FIGURES = ("value", "cumulative", "numerator", "denominator", "reporting", "carried", *SAID_FIELDS)
SENT_SQL = f"'{ProgressReport.Status.SUBMITTED}', '{ProgressReport.Status.APPROVED}'"
# Study of the resolution under a unit (resolutions.tracking): its members in the quarter's tree, and
# from the start of the term to the quarter's end, the sessions held, members studying it for the first
# time and non-members reached. In the rebuild's level tables the three are the quarter's own; the
# rows hold their running sums.
STUDY_FIGURES = ("studied", "sessions", "non_members")
UNIT_FIGURES = ("expected", "on_time", "late", "pending", "members", *STUDY_FIGURES)
UNIT_COLUMNS = "unit_id, period_id, " + ", ".join(UNIT_FIGURES)
STUDY = "resolutions_studysession"
# A unit's figures for a quarter add up on the tree of the quarter's last day, or of the unit's last
# day when it ended during the quarter (units.placements.quarter_day).
QUARTER_DAY = (
    "(CASE WHEN t.active_to IS NOT NULL AND t.active_to < pp.ends_on THEN t.active_to ELSE pp.ends_on END)"
)
ACTIVE = "(t.active_from IS NULL OR t.active_from <= pp.ends_on) AND (t.active_to IS NULL OR t.active_to >= pp.starts_on)"


def family_roots(congress) -> list[Unit]:
    """The units a term adds up under: the unit that held the congress and, transitively, the units
    that continue it (successor blocs follow their predecessor's congress for the rest of the term)."""
    roots, frontier = [], [congress.unit_id]
    seen = set()
    while frontier:
        roots += [u for u in frontier if u not in seen]
        seen.update(frontier)
        frontier = [
            s
            for s in Succession.objects.filter(predecessor__in=frontier).values_list(
                "successor_id", flat=True
            )
            if s not in seen
        ]
    return list(Unit.objects.filter(pk__in=roots))


def _build_tree(cursor, params: dict, roots: list[Unit]) -> None:
    """rl_tree: the term's units; rl_span: where each sat, as ranges of quarter indexes."""
    family = " OR ".join(f"u.path LIKE %(root{i})s" for i in range(len(roots)))
    params.update({f"root{i}": root.path + "%" for i, root in enumerate(roots)})
    cursor.execute(
        f"""
        CREATE TEMP TABLE rl_tree AS
        SELECT u.id AS id, u.depth AS depth, u.path AS path,
               CASE WHEN u.numchild > 0 OR u.had_children THEN 1 ELSE 0 END AS rolls_up,
               CASE WHEN u.kind IN ({GRASSROOTS}) THEN 1 ELSE 0 END AS grassroots,
               u.active_from AS active_from, u.active_to AS active_to, par.id AS index_parent,
               u.members AS members,
               CASE WHEN EXISTS (SELECT 1 FROM {PLACEMENT} pl WHERE pl.unit_id = u.id) THEN 1 ELSE 0 END AS placed
        FROM {UNIT} u
        LEFT JOIN {UNIT} par ON par.path = substr(u.path, 1, length(u.path) - {STEP})
        WHERE {family}
        """,
        params,
    )
    cursor.execute("CREATE INDEX rl_tree_id ON rl_tree (id)")
    _analyse(cursor, "rl_tree")
    cursor.execute(
        f"""
        CREATE TEMP TABLE rl_span AS
        -- never moved, active the whole term: under its parent in today's tree, every quarter
        SELECT t.id AS unit_id, t.index_parent AS parent_id, 1 AS from_idx, %(last)s AS to_idx
        FROM rl_tree t WHERE t.placed = 0 AND t.active_from IS NULL AND t.active_to IS NULL
        UNION ALL
        -- never moved, with active dates: under its parent in the quarters it is active
        SELECT t.id, t.index_parent, MIN(pp."index"), MAX(pp."index")
        FROM rl_tree t JOIN {PERIOD} pp ON pp.congress_id = %(congress)s AND {ACTIVE}
        WHERE t.placed = 0 AND (t.active_from IS NOT NULL OR t.active_to IS NOT NULL)
        GROUP BY t.id, t.index_parent
        UNION ALL
        -- moved by an event: each placement governs the quarters whose day it covers
        SELECT pl.unit_id, pl.parent_id, MIN(pp."index"), MAX(pp."index")
        FROM {PLACEMENT} pl
        JOIN rl_tree t ON t.id = pl.unit_id
        JOIN {PERIOD} pp ON pp.congress_id = %(congress)s AND {ACTIVE}
            AND (pl.valid_from IS NULL OR pl.valid_from <= {QUARTER_DAY})
            AND (pl.valid_to IS NULL OR pl.valid_to > {QUARTER_DAY})
        GROUP BY pl.id, pl.unit_id, pl.parent_id
        """,
        params,
    )
    cursor.execute("CREATE INDEX rl_span_unit ON rl_span (unit_id)")
    cursor.execute("CREATE INDEX rl_span_parent ON rl_span (parent_id)")
    _analyse(cursor, "rl_span")


def _owner(tree: str = "t", span: str = "s") -> str:
    """Who owns a unit's entries in a quarter: itself when it rolls up, else its parent then."""
    return f"CASE WHEN {tree}.rolls_up = 1 THEN {tree}.id ELSE {span}.parent_id END"


def _approved(where: str, statuses: str = f"'{APPROVED}'") -> str:
    """Approved entries (or those of reports in `statuses`) of the term's units, with the span that
    places each in its quarter."""
    return f"""
        FROM {ENTRY} e
        JOIN {REPORT} r ON r.id = e.report_id AND r.status IN ({statuses})
        JOIN {PERIOD} p ON p.id = r.period_id AND p.congress_id = %(congress)s
        JOIN rl_tree t ON t.id = r.unit_id
        JOIN rl_span s ON s.unit_id = r.unit_id AND p."index" BETWEEN s.from_idx AND s.to_idx
        JOIN {TARGET} tg ON tg.id = e.target_id
            -- a unit's own target adds up within its subtree only: a leaf owner's figures stay its own
            AND NOT (tg.owner_unit_id IS NOT NULL AND tg.owner_unit_id = r.unit_id AND t.rolls_up = 0)
        WHERE {where}
    """


def _stock(tg: str = "tg") -> tuple[str, str]:
    """A ratio's (or milestone's) numerator and denominator in an entry; a milestone done is 1 over 1."""
    num = f"CASE WHEN {tg}.measure = 'milestone' THEN CASE WHEN e.done THEN 1 ELSE 0 END ELSE COALESCE(e.numerator, 0) END"
    den = f"CASE WHEN {tg}.measure = 'milestone' THEN 1 ELSE COALESCE(e.denominator, 0) END"
    return num, den


def _build_own(cursor, params: dict) -> None:
    """rl_own: the one pass over the approved entries, as increments grouped by owner, target, quarter.

    A leaf that changes owner (moved, ended) hands over what it carries: at the
    quarter it leaves, its old owner gets minus its running ratio figures (and
    one fewer unit to carry), its new owner the same plus. A unit that rolls up
    owns its own entries wherever it sits, until it ends.
    """
    num, den = _stock()
    ratios = "tg.measure IN ('ratio', 'milestone')"
    counted = f"r.status = '{APPROVED}' AND tg.measure IN ('flow', 'subcount')"
    said_cases = ", ".join(
        f"CASE WHEN e.confidence = '{value}' THEN 1 ELSE 0 END AS {name}" for value, name in SAID_OF.items()
    )
    said_zeros = ", ".join(f"0 AS {name}" for name in SAID_FIELDS)
    said_sums = ", ".join(f"SUM({name}) AS {name}" for name in SAID_FIELDS)
    cursor.execute(
        """
        CREATE TEMP TABLE rl_boundary AS
        SELECT s.unit_id AS unit_id, s.parent_id AS owner, s.from_idx AS idx, 1 AS sign
        FROM rl_span s JOIN rl_tree t ON t.id = s.unit_id
        WHERE t.rolls_up = 0 AND s.parent_id IS NOT NULL AND s.from_idx > 1
        UNION ALL
        SELECT s.unit_id, s.parent_id, s.to_idx + 1, -1
        FROM rl_span s JOIN rl_tree t ON t.id = s.unit_id
        WHERE t.rolls_up = 0 AND s.parent_id IS NOT NULL AND s.to_idx < %(last)s
        UNION ALL
        -- a unit that rolls up owns its own entries wherever it sits; when it ends, what it carried ends
        SELECT s.unit_id, s.unit_id, MAX(s.to_idx) + 1, -1
        FROM rl_span s JOIN rl_tree t ON t.id = s.unit_id
        WHERE t.rolls_up = 1
        GROUP BY s.unit_id
        HAVING MAX(s.to_idx) < %(last)s
        """,
        params,
    )
    cursor.execute(
        f"""
        CREATE TEMP TABLE rl_inc_moved AS
        SELECT unit_id, target_id, idx,
               num - LAG(num, 1, 0) OVER w AS dnum, den - LAG(den, 1, 0) OVER w AS dden,
               CASE WHEN LAG(idx) OVER w IS NULL THEN 1 ELSE 0 END AS dfirst
        FROM (
            SELECT r.unit_id AS unit_id, e.target_id AS target_id, p."index" AS idx, {num} AS num, {den} AS den
            {_approved(f"{ratios} AND r.unit_id IN (SELECT unit_id FROM rl_boundary)")}
        ) x
        WINDOW w AS (PARTITION BY unit_id, target_id ORDER BY idx)
        """,
        params,
    )
    cursor.execute(
        f"""
        CREATE TEMP TABLE rl_own AS
        SELECT owner, target_id, idx,
               SUM(value) AS value, SUM(dnum) AS dnum, SUM(dden) AS dden,
               SUM(rep) AS reporting, SUM(dfirst) AS dfirst, {said_sums}
        FROM (
            -- counts' figures (approved reports) and every target's confidence (sent reports), one pass
            SELECT {_owner()} AS owner, e.target_id AS target_id, p."index" AS idx,
                   CASE WHEN {counted} THEN COALESCE(e.value, 0) ELSE 0 END AS value, 0 AS dnum, 0 AS dden,
                   CASE WHEN {counted} THEN 1 ELSE 0 END AS rep, 0 AS dfirst, {said_cases}
            {_approved("tg.measure IN ('flow', 'subcount') OR e.confidence <> ''", SENT_SQL)}
            UNION ALL
            SELECT owner, target_id, idx, 0,
                   num - LAG(num, 1, 0) OVER w,
                   den - LAG(den, 1, 0) OVER w,
                   1,
                   CASE WHEN LAG(idx) OVER w IS NULL THEN 1 ELSE 0 END, {said_zeros}
            FROM (
                SELECT {_owner()} AS owner, r.unit_id AS unit_id, e.target_id AS target_id,
                       p."index" AS idx, {num} AS num, {den} AS den
                {_approved(ratios)}
            ) x
            WINDOW w AS (PARTITION BY unit_id, target_id ORDER BY idx)
            UNION ALL
            SELECT b.owner, i.target_id, b.idx, 0, b.sign * SUM(i.dnum), b.sign * SUM(i.dden), 0,
                   b.sign * SUM(i.dfirst), {said_zeros}
            FROM rl_boundary b JOIN rl_inc_moved i ON i.unit_id = b.unit_id AND i.idx < b.idx
            GROUP BY b.unit_id, b.owner, i.target_id, b.idx, b.sign
        ) increments
        WHERE owner IS NOT NULL
        GROUP BY owner, target_id, idx
        """,
        params,
    )
    cursor.execute("CREATE INDEX rl_own_owner ON rl_own (owner, target_id, idx)")
    _analyse(cursor, "rl_own")


def _build_rows(cursor, params: dict, depths: list[int]) -> None:
    """rl_all: every unit that rolls up × every target in its scope × every quarter, level by level.

    A unit's quarter is its owned figures plus those of the units under it that
    quarter; its cumulative count is the running sum of its own quarters, so a
    unit that moved away takes nothing of its past with it.
    """
    cursor.execute(
        f"""
        CREATE TEMP TABLE rl_scope AS
        SELECT t.id AS unit, tg.id AS target_id, t.depth AS depth
        FROM rl_tree t JOIN {TARGET} tg
            ON tg.resolution_id IN (SELECT id FROM {RESOLUTION} WHERE congress_id = %(congress)s)
            AND (tg.owner_unit_id IS NULL
                 OR EXISTS (SELECT 1 FROM {UNIT} o WHERE o.id = tg.owner_unit_id AND t.path LIKE o.path || '%%'))
        WHERE t.rolls_up = 1
        """,
        params,
    )
    _analyse(cursor, "rl_scope")
    cursor.execute(f"CREATE TEMP TABLE rl_all AS SELECT {COLUMNS} FROM {ROLLUP} WHERE 1 = 0")
    said_columns = ", ".join(f"COALESCE(o.{n}, 0) + COALESCE(c.{n}, 0) AS {n}" for n in SAID_FIELDS)
    said_sums = ", ".join(f"SUM(r.{n}) AS {n}" for n in SAID_FIELDS)
    for depth in depths:
        level = f"SELECT id FROM rl_tree WHERE depth = {int(depth)} AND rolls_up = 1"
        cursor.execute(
            f"""
            INSERT INTO rl_all ({COLUMNS})
            SELECT {COLUMNS}
            FROM (
                SELECT g.unit AS unit_id, g.target_id AS target_id, pp.id AS period_id,
                       COALESCE(o.value, 0) + COALESCE(c.value, 0) AS value,
                       SUM(COALESCE(o.value, 0) + COALESCE(c.value, 0)) OVER w AS cumulative,
                       SUM(COALESCE(o.dnum, 0)) OVER w + COALESCE(c.numerator, 0) AS numerator,
                       SUM(COALESCE(o.dden, 0)) OVER w + COALESCE(c.denominator, 0) AS denominator,
                       COALESCE(o.reporting, 0) + COALESCE(c.reporting, 0) AS reporting,
                       CASE WHEN SUM(COALESCE(o.dfirst, 0)) OVER w = 0 THEN 0
                            ELSE SUM(COALESCE(o.dfirst, 0)) OVER w - COALESCE(o.reporting, 0) END
                           + COALESCE(c.carried, 0) AS carried,
                       {said_columns}
                FROM rl_scope g
                JOIN {PERIOD} pp ON pp.congress_id = %(congress)s
                LEFT JOIN rl_own o ON o.owner = g.unit AND o.target_id = g.target_id AND o.idx = pp."index"
                LEFT JOIN (
                    SELECT s.parent_id AS unit, r.target_id AS target_id, r.period_id AS period_id,
                           SUM(r.value) AS value, SUM(r.numerator) AS numerator, SUM(r.denominator) AS denominator,
                           SUM(r.reporting) AS reporting, SUM(r.carried) AS carried, {said_sums}
                    FROM rl_all r
                    JOIN {PERIOD} cp ON cp.id = r.period_id
                    JOIN rl_span s ON s.unit_id = r.unit_id AND cp."index" BETWEEN s.from_idx AND s.to_idx
                    JOIN {TARGET} ct ON ct.id = r.target_id
                    WHERE s.parent_id IN ({level})
                      -- ...and a unit's own target never climbs above the unit that owns it
                      AND (ct.owner_unit_id IS NULL OR ct.owner_unit_id <> r.unit_id)
                    GROUP BY s.parent_id, r.target_id, r.period_id
                ) c ON c.unit = g.unit AND c.target_id = g.target_id AND c.period_id = pp.id
                WHERE g.depth = {int(depth)}
                WINDOW w AS (PARTITION BY g.unit, g.target_id ORDER BY pp."index")
            ) computed
            """,
            params,
        )
        _analyse(cursor, "rl_all")


def _build_units(cursor, params: dict, depths: list[int]) -> None:
    """rl_units: report counts of every unit that rolls up and quarter, level by level like the figures."""
    cursor.execute(
        f"""
        CREATE TEMP TABLE rl_unit_own AS
        SELECT owner, period_id, SUM(expected) AS expected, SUM(on_time) AS on_time,
               SUM(late) AS late, SUM(pending) AS pending, SUM(members) AS members,
               SUM(studied) AS studied, SUM(sessions) AS sessions, SUM(non_members) AS non_members
        FROM (
            -- placed under one parent the whole term: counted once per owner, then for every quarter
            SELECT owner, pp.id AS period_id, n AS expected, 0 AS on_time, 0 AS late, 0 AS pending,
                   m AS members, 0 AS studied, 0 AS sessions, 0 AS non_members
            FROM (SELECT {_owner()} AS owner, SUM(t.grassroots) AS n, SUM(t.members) AS m
                  FROM rl_span s JOIN rl_tree t ON t.id = s.unit_id
                  WHERE s.from_idx = 1 AND s.to_idx = %(last)s GROUP BY 1) g
            JOIN {PERIOD} pp ON pp.congress_id = %(congress)s
            UNION ALL
            SELECT {_owner()}, pp.id, t.grassroots, 0, 0, 0, t.members, 0, 0, 0
            FROM rl_span s JOIN rl_tree t ON t.id = s.unit_id
            JOIN {PERIOD} pp ON pp.congress_id = %(congress)s AND pp."index" BETWEEN s.from_idx AND s.to_idx
            WHERE NOT (s.from_idx = 1 AND s.to_idx = %(last)s)
            UNION ALL
            SELECT {_owner()}, r.period_id, 0,
                   CASE WHEN r.status = '{APPROVED}' AND NOT r.late THEN 1 ELSE 0 END,
                   CASE WHEN r.status = '{APPROVED}' AND r.late THEN 1 ELSE 0 END,
                   CASE WHEN r.status = '{SUBMITTED}' THEN 1 ELSE 0 END,
                   0, 0, 0, 0
            FROM {REPORT} r
            JOIN {PERIOD} pp ON pp.id = r.period_id AND pp.congress_id = %(congress)s
            JOIN rl_tree t ON t.id = r.unit_id AND t.grassroots = 1
            JOIN rl_span s ON s.unit_id = r.unit_id AND pp."index" BETWEEN s.from_idx AND s.to_idx
            UNION ALL
            -- study sessions of the term's resolutions, in the quarter they were held (before the first
            -- quarter: the first; after the last: the last), under the unit's parent that quarter
            SELECT {_owner()}, pp.id, 0, 0, 0, 0, 0, ss.first_time, 1, ss.non_members
            FROM {STUDY} ss
            JOIN {RESOLUTION} res ON res.id = ss.resolution_id AND res.congress_id = %(congress)s
            JOIN rl_tree t ON t.id = ss.unit_id
            JOIN {PERIOD} pp ON pp.congress_id = %(congress)s AND (
                ss.held_on BETWEEN pp.starts_on AND pp.ends_on
                OR (pp."index" = 1 AND ss.held_on < pp.starts_on)
                OR (pp."index" = %(last)s AND ss.held_on > pp.ends_on))
            JOIN rl_span s ON s.unit_id = ss.unit_id AND pp."index" BETWEEN s.from_idx AND s.to_idx
        ) counts
        WHERE owner IS NOT NULL
        GROUP BY owner, period_id
        """,
        params,
    )
    cursor.execute("CREATE INDEX rl_unit_own_owner ON rl_unit_own (owner)")
    _analyse(cursor, "rl_unit_own")
    cursor.execute(f"CREATE TEMP TABLE rl_units AS SELECT {UNIT_COLUMNS} FROM {ROLLUP_UNIT} WHERE 1 = 0")
    figures = ", ".join(UNIT_FIGURES)
    sums = ", ".join(f"SUM({f})" for f in UNIT_FIGURES)
    zeros = ", ".join(f"0 AS {f}" for f in UNIT_FIGURES)
    for depth in depths:
        level = f"SELECT id FROM rl_tree WHERE depth = {int(depth)} AND rolls_up = 1"
        cursor.execute(
            f"""
            INSERT INTO rl_units ({UNIT_COLUMNS})
            SELECT unit, period_id, {sums} FROM (
                -- every unit that rolls up has a row for every quarter, zeros included
                SELECT l.id AS unit, pp.id AS period_id, {zeros}
                FROM ({level}) l JOIN {PERIOD} pp ON pp.congress_id = %(congress)s
                UNION ALL
                SELECT owner, period_id, {figures} FROM rl_unit_own
                WHERE owner IN ({level})
                UNION ALL
                SELECT s.parent_id, c.period_id, {", ".join(f"c.{f}" for f in UNIT_FIGURES)}
                FROM rl_units c
                JOIN {PERIOD} cp ON cp.id = c.period_id
                JOIN rl_span s ON s.unit_id = c.unit_id AND cp."index" BETWEEN s.from_idx AND s.to_idx
                WHERE s.parent_id IN ({level})
            ) g GROUP BY unit, period_id
            """,
            params,
        )
        _analyse(cursor, "rl_units")
    # The rows hold study figures from the start of the term: running sums of the quarters'.
    running = ", ".join(
        f'SUM(u.{f}) OVER (PARTITION BY u.unit_id ORDER BY pp."index") AS {f}' for f in STUDY_FIGURES
    )
    cursor.execute(
        f"""
        CREATE TEMP TABLE rl_units_out AS
        SELECT u.unit_id, u.period_id, u.expected, u.on_time, u.late, u.pending, u.members, {running}
        FROM rl_units u JOIN {PERIOD} pp ON pp.id = u.period_id
        """
    )


def _write(
    cursor, params: dict, table: str, source: str, key: tuple[str, ...], figures: tuple[str, ...]
) -> int:
    """Write the rebuilt rows: rewrite only those whose figures changed (so `updated_at` says when a
    figure last changed), and delete the term's rows the rebuild no longer has."""
    columns = ", ".join((*key, *figures))
    changed = " OR ".join(f"{table}.{f} <> EXCLUDED.{f}" for f in figures)
    cursor.execute(
        f"""
        INSERT INTO {table} ({columns}, updated_at)
        SELECT {columns}, %(now)s FROM {source} WHERE 1 = 1
        ON CONFLICT ({", ".join(key)}) DO UPDATE SET
            {", ".join(f"{f} = EXCLUDED.{f}" for f in figures)}, updated_at = EXCLUDED.updated_at
        WHERE {changed}
        """,
        params,
    )
    rows = max(cursor.rowcount, 0)
    match = " AND ".join(f"n.{k} = {table}.{k}" for k in key)
    cursor.execute(
        f"DELETE FROM {table} WHERE period_id IN (SELECT id FROM {PERIOD} WHERE congress_id = %(congress)s) "
        f"AND NOT EXISTS (SELECT 1 FROM {source} n WHERE {match})",
        params,
    )
    return rows + max(cursor.rowcount, 0)


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


TEMP_TABLES = (
    "rl_units_out",
    "rl_units",
    "rl_unit_own",
    "rl_all",
    "rl_scope",
    "rl_own",
    "rl_inc_moved",
    "rl_boundary",
    "rl_span",
    "rl_tree",
)


def rollup_full(congress) -> RollupResult:
    """Rebuild every roll-up row of a term from the approved entries, and settle the ledger with it.

    Every change the rebuild's snapshot includes is marked settled in the same
    transaction; a change committed after it stays pending and is settled next.
    """
    started = clock.now()
    if congress.unit_id is None:
        return RollupResult(0, 0, 0.0)
    roots = family_roots(congress)
    last = Period.objects.filter(congress=congress).count()
    params = {"congress": congress.pk, "now": started, "last": last}
    with _consistent_rebuild(congress.pk) as cursor:
        if connection.vendor == "postgresql":
            # The one pass groups millions of entries: let the hash tables and sorts stay in memory.
            cursor.execute("SET LOCAL work_mem = '256MB'")
        for table in TEMP_TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        _build_tree(cursor, params, roots)
        _build_own(cursor, params)
        cursor.execute("SELECT DISTINCT depth FROM rl_tree WHERE rolls_up = 1 ORDER BY depth DESC")
        depths = [row[0] for row in cursor.fetchall()]
        _build_rows(cursor, params, depths)
        cursor.execute("CREATE INDEX rl_all_key ON rl_all (unit_id, target_id, period_id)")
        rows = _write(cursor, params, ROLLUP, "rl_all", ("unit_id", "target_id", "period_id"), FIGURES)
        _build_units(cursor, params, depths)
        rows += _write(cursor, params, ROLLUP_UNIT, "rl_units_out", ("unit_id", "period_id"), UNIT_FIGURES)
        # Fresh statistics for the rows just written: without them the planner of a dashboard's reads
        # can prefer a scan of the term's quarter over the key of the units it shows.
        _analyse(cursor, ROLLUP)
        _analyse(cursor, ROLLUP_UNIT)
        cursor.execute(
            f"UPDATE {CHANGE} SET settled_at = %(now)s WHERE congress_id = %(congress)s AND settled_at IS NULL",
            params,
        )
        cursor.execute("SELECT COUNT(*) FROM rl_tree WHERE rolls_up = 1")
        units = cursor.fetchone()[0]
        for table in TEMP_TABLES:
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


def _entries(unit_id: int, congress_id: int, changes: list[RollupChange]) -> list[dict]:
    """One read of what the settle needs from the unit's entries: the approved figures of the targets
    whose figures changed (every quarter: ratios carry forward) and the confidences of the sent
    reports in the quarters whose confidences changed."""
    targets = {int(t) for change in changes for t in change.payload.get("figures", {})}
    said = {c.period_id for c in changes if "said" in c.payload}
    if not targets and not said:
        return []
    wanted = Q(report__status=APPROVED, target_id__in=targets) | (
        Q(report__status__in=SENT, report__period_id__in=said) & ~Q(confidence="")
    )
    return list(
        Entry.objects.filter(report__unit_id=unit_id, report__period__congress_id=congress_id)
        .filter(wanted)
        .values(
            "target_id",
            "report__period_id",
            "report__status",
            "value",
            "numerator",
            "denominator",
            "done",
            "confidence",
        )
    )


def _histories(changes: list[RollupChange], index_of: dict[int, int], reports: dict, entries: list[dict]):
    """The unit's approved figures and report statuses before and after its pending changes.

    After: what the database holds now (`reports`: period id → (status, late);
    `entries`: from `_entries`). Before: the same with the pending changes
    undone, newest first, from what each ledger row says it replaced. The
    unit's reports are locked by the caller, so no change of this unit can
    commit between the reads.
    """
    targets = {int(t) for change in changes for t in change.payload.get("figures", {})}
    after: dict[int, dict[int, dict]] = defaultdict(dict)
    for entry in entries:
        if entry["report__status"] == APPROVED and entry["target_id"] in targets:
            after[entry["target_id"]][index_of[entry["report__period_id"]]] = entry
    before = {t: dict(after[t]) for t in targets}
    status_after = {
        index_of[c.period_id]: list(reports[c.period_id]) for c in changes if c.period_id in reports
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
        # A change of this unit in flight commits before this read, or waits for this settle. Only the
        # reports' own rows: a plain FOR UPDATE would also lock the joined quarter and unit rows, and an
        # approval holding its report while its commit checks the keys pointing at the unit would wait
        # for this settle as it waits for the approval (a deadlock the benchmark's worker run found).
        reports = {
            period_id: (status, late)
            for period_id, status, late in ProgressReport.objects.select_for_update(of=("self",))
            .filter(unit_id=unit_id, period__congress_id=congress_id)
            .order_by("pk")
            .values_list("period_id", "status", "late")
        }
        changes = list(
            RollupChange.objects.filter(unit_id=unit_id, congress_id=congress_id, settled_at__isnull=True)
            .exclude(cause=RollupChange.Cause.TREE)
            .select_related("unit")
            .order_by("id")
        )
        if not changes:
            return 0
        now = clock.now()
        unit = changes[0].unit
        periods = list(
            Period.objects.filter(congress_id=congress_id)
            .order_by("index")
            .values_list("id", "index", "starts_on", "ends_on")
        )
        index_of = {pid: index for pid, index, _s, _e in periods}
        period_of = {index: pid for pid, index, _s, _e in periods}
        indexes = [index for _pid, index, _s, _e in periods]
        chain = chains(unit, [(index, start, end) for _pid, index, start, end in periods])
        entries = _entries(unit_id, congress_id, changes)
        target_ids, before, after, status_before, status_after = _histories(
            changes, index_of, reports, entries
        )
        said = _said_deltas(changes, index_of, entries)
        targets = {
            t.pk: t
            for t in Target.objects.filter(pk__in=target_ids | {t for t, _i in said}).select_related(
                "owner_unit"
            )
        }
        deltas = {t: point_deltas(targets[t], before[t], after.get(t, {}), indexes) for t in target_ids}
        _apply_figures(chain, targets, deltas, said, period_of, now)
        counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * len(UNIT_FIGURES))
        if unit.is_grassroots:
            for index in sorted(set(status_before) | set(status_after)):
                old, new = status_counts(status_before.get(index)), status_counts(status_after.get(index))
                for ancestor in chain[index]:
                    row = counts[(ancestor.pk, period_of[index])]
                    for name, a, b in zip(STATUS_COUNTS, old, new, strict=True):
                        row[UNIT_FIGURES.index(name)] += b - a
        for change in changes:
            if change.cause == RollupChange.Cause.STUDY:
                _add_study(counts, change, chain, index_of, period_of)
        rows = [(u, p, *figures) for (u, p), figures in counts.items() if any(figures)]
        _values_upsert(ROLLUP_UNIT, ("unit_id", "period_id"), UNIT_FIGURES, rows, now)
        _mark_settled(changes, now)
        return len(changes)


def _add_study(counts: dict, change: RollupChange, chain: dict, index_of: dict, period_of: dict) -> None:
    """A study session recorded (or taken back: negative figures) adds to the units above its unit in
    the quarter it was held, from that quarter to the end of the term (running sums)."""
    index = index_of[change.period_id]
    for ancestor in chain[index]:
        for later in range(index, max(period_of) + 1):
            row = counts[(ancestor.pk, period_of[later])]
            for name in STUDY_FIGURES:
                row[UNIT_FIGURES.index(name)] += int(change.payload.get(name, 0))


def _said_deltas(changes: list[RollupChange], index_of: dict[int, int], entries: list[dict]) -> dict:
    """(target id, quarter index) → the change in each confidence count (SAID_FIELDS) the unit's pending
    changes make: what its sent reports say now minus what they said before, which the ledger rows tell."""
    periods = {c.period_id for c in changes if "said" in c.payload}
    if not periods:
        return {}
    now: dict[int, dict[str, str]] = {index_of[p]: {} for p in periods}
    for entry in entries:
        if entry["report__period_id"] in periods and entry["report__status"] in SENT and entry["confidence"]:
            now[index_of[entry["report__period_id"]]][str(entry["target_id"])] = entry["confidence"]
    before = {index: dict(said) for index, said in now.items()}
    for change in reversed(changes):
        if "said" in change.payload:
            before[index_of[change.period_id]] = change.payload["said"]["old"]
    out: dict[tuple[int, int], list[int]] = {}
    for index, said in now.items():
        for target_id in set(said) | set(before[index]):
            old, new = before[index].get(target_id), said.get(target_id)
            if old == new:
                continue
            delta = [0] * len(SAID_FIELDS)
            if old in SAID_OF:
                delta[SAID_FIELDS.index(SAID_OF[old])] -= 1
            if new in SAID_OF:
                delta[SAID_FIELDS.index(SAID_OF[new])] += 1
            out[(int(target_id), index)] = delta
    return out


def _mark_settled(changes: list[RollupChange], now) -> None:
    RollupChange.objects.filter(pk__in=[c.pk for c in changes]).update(settled_at=now)


def _apply_figures(
    chain: dict[int, list[Unit]], targets: dict, deltas: dict, said: dict, period_of: dict[int, int], now
) -> None:
    """Add each target's per-quarter differences to the rows of the units the figures reach that quarter.

    A quarter's value goes to the units above the unit in that quarter's tree,
    and to their cumulative from that quarter on (whatever tree later quarters
    have); ratios, reporting, carried and confidence counts are the quarter's own.
    A unit's own target climbs no higher than the unit that owns it.
    """
    columns = (*POINT_FIELDS, *SAID_FIELDS)
    added: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0] * len(columns))
    last = max(period_of)
    cumulative = POINT_FIELDS.index("cumulative")

    def reached(target_id: int, index: int) -> list[Unit]:
        owner = targets[target_id].owner_unit
        return [a for a in chain[index] if owner is None or a.path.startswith(owner.path)]

    for (target_id, index), counts in said.items():
        for ancestor in reached(target_id, index):
            row = added[(ancestor.pk, target_id, index)]
            for i, n in enumerate(counts):
                row[len(POINT_FIELDS) + i] += n
    for target_id, delta in deltas.items():
        for index, point in delta.items():
            for ancestor in reached(target_id, index):
                row = added[(ancestor.pk, target_id, index)]
                for i, name in enumerate(POINT_FIELDS):
                    if i != cumulative:
                        row[i] += getattr(point, name)
                if point.value:
                    for later in range(index, last + 1):
                        added[(ancestor.pk, target_id, later)][cumulative] += point.value
    if not added:
        return
    # Rows are dense (every quarter of the term) for every unit that rolls up: a unit with none yet
    # for a target gets the whole term's rows, zeros where nothing changed.
    pairs = {(u, t) for u, t, _i in added}
    present = set(
        Rollup.objects.filter(unit_id__in={u for u, _t in pairs}, target_id__in={t for _u, t in pairs})
        .values_list("unit_id", "target_id")
        .distinct()
    )
    for unit_id, target_id in pairs - present:
        for index in period_of:
            added[(unit_id, target_id, index)]  # noqa: B018 - creates the zero row
    rows = [
        (u, t, period_of[i], *figures)
        for (u, t, i), figures in added.items()
        if any(figures) or (u, t) not in present
    ]
    _values_upsert(ROLLUP, ("unit_id", "target_id", "period_id"), columns, rows, now)


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
