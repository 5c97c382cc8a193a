"""Roll-ups add up the way docs/figures.md says, and the incremental path equals the full rebuild."""

from collections import defaultdict
from decimal import Decimal

import pytest

from targets.models import Entry, Period, ProgressReport, Rollup, Target
from targets.rollup import rollup_full
from units.models import Unit

pytestmark = pytest.mark.django_db


def rows_of(congress):
    """Every roll-up row of a term as plain values."""
    return sorted(
        Rollup.objects.filter(period__congress=congress).values_list(
            "unit_id",
            "target_id",
            "period__index",
            "value",
            "cumulative",
            "numerator",
            "denominator",
            "reporting",
            "carried",
        )
    )


def reference(unit: Unit, congress) -> dict:
    """The figures of a unit, computed the slow obvious way from approved entries."""
    periods = list(Period.objects.filter(congress=congress).order_by("index"))
    targets = list(Target.objects.filter(resolution__congress=congress).select_related("owner_unit"))
    entries = Entry.objects.filter(
        report__status="approved", report__period__congress=congress, report__unit__path__startswith=unit.path
    ).values(
        "report__unit_id", "target_id", "report__period__index", "value", "numerator", "denominator", "done"
    )
    by = defaultdict(dict)
    for e in entries:
        by[(e["report__unit_id"], e["target_id"])][e["report__period__index"]] = e
    out = {}
    for target in targets:
        # A unit's own target adds up within the owner's subtree only.
        if target.owner_unit_id and not unit.path.startswith(target.owner_unit.path):
            continue
        for period in periods:
            value = cumulative = num = den = reporting = carried = 0
            for (_unit_id, target_id), series in by.items():
                if target_id != target.pk:
                    continue
                if target.is_count:
                    value += (series.get(period.index) or {}).get("value") or 0
                    cumulative += sum(e["value"] or 0 for i, e in series.items() if i <= period.index)
                    reporting += period.index in series
                    continue
                earlier = [i for i in series if i <= period.index]
                if not earlier:
                    continue
                latest = series[max(earlier)]
                if target.is_milestone:
                    num += 1 if latest["done"] else 0
                    den += 1
                else:
                    num += latest["numerator"]
                    den += latest["denominator"]
                reporting += period.index in series
                carried += period.index not in series
            out[(target.code, period.index)] = (value, cumulative, num, den, reporting, carried)
    return out


@pytest.fixture
def congress():
    return Unit.objects.get(code="duk").congresses.get(ordinal=7)


@pytest.mark.parametrize("code", ["duk", "kcn-nam-tan-uyen", "demo-010", "so-xay-dung"])
def test_rollup_rows_equal_the_obvious_sums(code, congress):
    unit = Unit.objects.get(code=code)
    expected = reference(unit, congress)
    got = {
        (r.target.code, r.period.index): (
            r.value,
            r.cumulative,
            r.numerator,
            r.denominator,
            r.reporting,
            r.carried,
        )
        for r in Rollup.objects.filter(unit=unit).select_related("target", "period")
    }
    assert got, "a unit with children has roll-up rows"
    for key, figures in got.items():
        assert figures == expected[key], key
    # Rows exist from the first quarter with data; before it every figure is zero.
    for key, figures in expected.items():
        if key not in got:
            assert figures == (0, 0, 0, 0, 0, 0), key
    assert {code for code, _ in got} <= {code for code, _ in expected}


def test_only_units_with_children_get_rows():
    assert not Rollup.objects.filter(unit__numchild=0).exists()
    assert Rollup.objects.filter(unit__code="duk").exists()


def test_the_bloc_totals_are_the_sum_of_approved_reports(congress):
    last = Period.objects.get(congress=congress, index=19)
    row = Rollup.objects.get(unit__code="duk", target__code="CT06", period=last)
    total = sum(
        Entry.objects.filter(
            target__code="CT06", report__status="approved", report__period__index__lte=19
        ).values_list("value", flat=True)
    )
    assert row.cumulative == total


def test_a_sub_count_never_exceeds_its_parent_in_any_roll_up_row(congress):
    parents = {(r.unit_id, r.period_id): r.cumulative for r in Rollup.objects.filter(target__code="CT06")}
    for row in Rollup.objects.filter(target__code="CT06.1"):
        assert row.cumulative <= parents[(row.unit_id, row.period_id)]


def test_ratios_add_numerators_and_denominators_not_percentages(congress):
    period = Period.objects.get(congress=congress, index=18)
    row = Rollup.objects.get(unit__code="duk", target__code="CT03", period=period)
    expected = reference(Unit.objects.get(code="duk"), congress)[("CT03", 18)]
    assert (row.numerator, row.denominator) == expected[2:4]
    assert Decimal(row.numerator) / row.denominator != Decimal(0)


def test_running_the_full_rebuild_twice_gives_the_same_rows(congress):
    before = rows_of(congress)
    rollup_full(congress)
    assert rows_of(congress) == before


def test_settling_a_reopened_and_corrected_report_equals_a_full_rebuild(congress, vanphong):
    from datetime import timedelta

    from config import clock
    from targets import ledger
    from targets.entries import EntryInput, targets_for
    from targets.models import RollupChange
    from targets.rollup import settle_pending
    from targets.services.reports import report_approve, report_reopen, report_save, report_submit
    from tests.factories import UserFactory
    from units.models import Membership

    report = ProgressReport.objects.filter(status="approved", period__index=5, unit__numchild=0).first()
    unit, period = report.unit, report.period
    clerk = UserFactory(username="rollup-clerk")
    Membership.objects.create(user=clerk, unit=unit, role=Membership.Role.UNIT_CLERK)
    figures = {e.target_id: EntryInput.from_entry(e) for e in report.entries.all()}
    ct06 = next(t for t in targets_for(unit, period) if t.code == "CT06")
    figures[ct06.pk].value = (figures[ct06.pk].value or 0) + 7
    for inputs in figures.values():
        inputs.note = (
            inputs.note or "Số liệu đã duyệt trước đây"
        )  # the study figure differs from the sessions
    with ledger.held():
        report_reopen(
            unit=unit,
            period=period,
            user=vanphong,
            reason="sửa số",
            until=clock.today() + timedelta(days=7),
            expected_version=report.version,
        )
        report.refresh_from_db()
        report_save(unit=unit, period=period, user=clerk, inputs=figures, expected_version=report.version)
        submitted = report_submit(unit=unit, period=period, user=clerk)
        report_approve(unit=unit, period=period, user=vanphong, expected_version=submitted.version)
    assert RollupChange.objects.filter(unit=unit, settled_at__isnull=True).count() == 3
    assert settle_pending() == 3
    settled = rows_of(congress)
    bloc = Rollup.objects.get(unit__code="duk", target=ct06, period=period)
    rollup_full(congress)
    assert rows_of(congress) == settled
    assert Rollup.objects.get(unit__code="duk", target=ct06, period=period).cumulative == bloc.cumulative


def test_the_dashboard_reads_a_leaf_units_own_entries(congress):
    from targets.dashboard import series_for

    unit = Unit.objects.get(code="demo-001")
    assert unit.numchild == 0
    periods = list(Period.objects.filter(congress=congress).order_by("index"))
    targets = list(Target.objects.filter(code="CT06", resolution__congress=congress))
    points = series_for(unit, targets, periods)[targets[0].pk]
    total = sum(
        Entry.objects.filter(report__unit=unit, report__status="approved", target__code="CT06").values_list(
            "value", flat=True
        )
    )
    assert points[-1].cumulative == total
