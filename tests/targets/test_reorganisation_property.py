"""Property: whatever events reshape the tree and whatever reports are approved around them,
each unit's figure for each quarter is the sum of the approved entries of every unit under it in
that quarter's tree, accumulated over the quarters; the settled rows equal a full rebuild; and a
report approved before an event keeps its figures."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.refusals import Refused
from targets import ledger
from targets.models import Entry, Period, ProgressReport, Rollup, RollupChange
from targets.rollup import rollup_full, settle_pending
from targets.services import reorganisation
from targets.services.reports import report_approve, report_reopen, report_save, report_submit
from tests.helpers import Rollback, build_world, examples, inputs_for
from units.models import Placement, Unit
from units.services import Decision, NewUnit

pytestmark = pytest.mark.django_db

PERIODS = 6
EVENTS = [
    "transfer_a1",
    "transfer_c1",
    "end_b",
    "end_a2",
    "merge_ac",
    "absorb_b_into_a",
    "split_c",
    "create_d",
]
operation = st.one_of(
    st.tuples(
        st.just("report"),
        st.sampled_from(["a", "a1", "a2", "b", "c", "c1", "ac", "cx", "cy", "d"]),
        st.integers(0, PERIODS - 1),
        st.sampled_from(["approve", "reopen"]),
        st.tuples(
            st.integers(0, 9), st.integers(0, 9), st.integers(0, 20), st.integers(1, 20), st.booleans()
        ),
    ),
    st.tuples(st.just("event"), st.sampled_from(EVENTS), st.integers(1, PERIODS - 1), st.integers(0, 60)),
)


def decision(periods, index, offset) -> Decision:
    """A decision taking effect `offset` days into the quarter `index` (never on its first day)."""
    day = periods[index].starts_on + timedelta(days=1 + offset)
    return Decision(number="1337-QĐ/TU", signed_on=day, issuing_body="Tỉnh ủy", effective_on=day)


def unit(code) -> Unit | None:
    return Unit.objects.filter(code=f"pt-{code}").first()


def apply_event(name, periods, index, offset, office):
    d = decision(periods, index, offset)
    new = lambda code: NewUnit(code=f"pt-{code}", name=code, kind=Unit.Kind.DANG_BO_CO_SO)  # noqa: E731
    if name == "transfer_a1":
        reorganisation.transfer(unit=unit("a1"), new_parent=unit("c") or unit("cx"), decision=d, user=office)
    elif name == "transfer_c1":
        reorganisation.transfer(unit=unit("c1"), new_parent=unit("a") or unit("ac"), decision=d, user=office)
    elif name == "end_b":
        reorganisation.end(unit=unit("b"), decision=d, user=office)
    elif name == "end_a2":
        reorganisation.end(unit=unit("a2"), decision=d, user=office)
    elif name == "merge_ac":
        reorganisation.merge(units=[unit("a"), unit("c")], into=new("ac"), decision=d, user=office)
    elif name == "absorb_b_into_a":
        reorganisation.merge(units=[unit("b")], into=unit("a"), decision=d, user=office)
    elif name == "split_c":
        c = unit("c")
        cells = {
            child.pk: "pt-cx" for child in Unit.objects.filter(path__startswith=c.path, depth=c.depth + 1)
        }
        reorganisation.split(unit=c, parts=[new("cx"), new("cy")], children=cells, decision=d, user=office)
    elif name == "create_d":
        reorganisation.create(
            spec=NewUnit(code="pt-d", name="d", kind=Unit.Kind.CHI_BO_CO_SO),
            parent=unit("root"),
            decision=d,
            user=office,
        )


def apply_report(op, periods, office, clerk):
    _kind, name, index, action, values = op
    target_unit, period = unit(name), periods[index]
    if target_unit is None or not target_unit.is_active_between(period.starts_on, period.ends_on):
        return
    report = ProgressReport.objects.filter(unit=target_unit, period=period).first()
    status = report.status if report else None
    if action == "reopen":
        if status == "approved":
            report_reopen(
                unit=target_unit,
                period=period,
                user=office,
                reason="sửa",
                until=date.today() + timedelta(days=30),
                expected_version=report.version,
            )
        return
    if status in ("approved", "submitted"):
        return
    report_save(
        unit=target_unit,
        period=period,
        user=clerk,
        inputs=inputs_for(target_unit, period, values),
        expected_version=report.version if report else 0,
    )
    submitted = report_submit(unit=target_unit, period=period, user=clerk)
    report_approve(unit=target_unit, period=period, user=office, expected_version=submitted.version)


# --- The reference: the tree of each quarter from first principles, and plain sums ------------


def parent_in_quarter(u: Unit, period: Period):
    """False when the unit takes no part in the quarter; else its parent's id (None for a root)."""
    if u.active_from and u.active_from > period.ends_on or u.active_to and u.active_to < period.starts_on:
        return False
    day = min(period.ends_on, u.active_to) if u.active_to else period.ends_on
    placements = list(Placement.objects.filter(unit=u))
    if not placements:
        parent = Unit.objects.filter(path=u.path[:-4]).first() if u.depth > 1 else None
        return parent.pk if parent else None
    for p in placements:
        if (p.valid_from is None or p.valid_from <= day) and (p.valid_to is None or day < p.valid_to):
            return p.parent_id
    return False


def reference(congress, periods):
    """{(unit, target code, period index): (value, cumulative, numerator, denominator)} for units that roll up."""
    units = list(Unit.objects.filter(code__startswith="pt-"))
    parents = {(u.pk, p.index): parent_in_quarter(u, p) for u in units for p in periods}

    def under(a, u, index):  # is u in a's subtree in that quarter's tree (itself included)?
        node = u.pk
        while node:
            if node == a:
                return True
            node = parents.get((node, index)) or None
        return False

    entries = {}
    for e in Entry.objects.filter(report__status="approved", report__period__in=periods).select_related(
        "report", "target"
    ):
        entries[(e.report.unit_id, e.target.code, e.report.period.index)] = e
    out = {}
    for a in [u for u in units if u.rolls_up]:
        for code in ("F", "S", "Q", "M"):
            running = 0
            for p in periods:
                members = [
                    u for u in units if parents[(u.pk, p.index)] is not False and under(a.pk, u, p.index)
                ]
                value = sum(
                    (entries[(u.pk, code, p.index)].value or 0)
                    for u in members
                    if (u.pk, code, p.index) in entries
                )
                running += value
                num = den = 0
                for u in members:
                    latest = [
                        entries[(u.pk, code, q.index)]
                        for q in periods
                        if q.index <= p.index and (u.pk, code, q.index) in entries
                    ]
                    if latest and code in ("Q", "M"):
                        last = latest[-1]
                        num += (1 if last.done else 0) if code == "M" else (last.numerator or 0)
                        den += 1 if code == "M" else (last.denominator or 0)
                out[(a.pk, code, p.index)] = (value, running, num, den)
    return out


def rows(congress):
    return sorted(
        Rollup.objects.filter(period__congress=congress).values_list(
            "unit_id",
            "target_id",
            "period_id",
            "value",
            "cumulative",
            "numerator",
            "denominator",
            "reporting",
            "carried",
        )
    )


@settings(
    max_examples=examples(30),
    deadline=None,
    derandomize=True,  # the same examples on every run (reproducible CI); raise max_examples to search wider
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=8))
def test_figures_add_up_on_the_tree_of_each_quarter_whatever_the_events(ops):
    try:
        with transaction.atomic():
            congress, units, periods, office, clerk = build_world()
            periods = periods[:PERIODS]
            rollup_full(congress)
            approved_before = {}
            for op in ops:
                with ledger.held():
                    try:
                        if op[0] == "event":
                            approved_before = {
                                e.pk: (e.value, e.numerator, e.denominator, e.done)
                                for e in Entry.objects.filter(
                                    report__status="approved", report__period__congress=congress
                                )
                            }
                            apply_event(op[1], periods, op[2], op[3], office)
                        else:
                            apply_report(op, periods, office, clerk)
                    except Refused:
                        pass  # an event that does not fit the tree as it now is
                settle_pending()
            assert not RollupChange.objects.filter(settled_at__isnull=True).exists()
            # A report approved before an event keeps its own figures.
            still_approved = Entry.objects.filter(pk__in=approved_before, report__status="approved")
            for entry in still_approved:
                figures = (entry.value, entry.numerator, entry.denominator, entry.done)
                assert figures == approved_before[entry.pk]
            settled = rows(congress)
            expected = reference(congress, periods)
            by_key = {
                (r.unit_id, r.target.code, r.period.index): (
                    r.value,
                    r.cumulative,
                    r.numerator,
                    r.denominator,
                )
                for r in Rollup.objects.filter(
                    period__in=periods, target__code__in=("F", "S", "Q", "M")
                ).select_related("target", "period")
            }
            assert by_key == expected
            rollup_full(congress)
            assert rows(congress) == settled
            raise Rollback
    except Rollback:
        pass
