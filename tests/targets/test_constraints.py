"""The database itself refuses bad rows, whatever form or script wrote them."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from targets.models import Allocation, Entry, Period, ProgressReport, Target
from tests.factories import (
    EntryFactory,
    PeriodFactory,
    ReportFactory,
    ResolutionFactory,
    TargetFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_one_report_per_unit_and_quarter():
    report = ReportFactory()
    refused(lambda: ProgressReport.objects.create(unit=report.unit, period=report.period))


def test_one_entry_per_report_and_target():
    entry = EntryFactory(value=3)
    refused(lambda: Entry.objects.create(report=entry.report, target=entry.target, value=4))


@pytest.mark.parametrize("field", ["value", "numerator", "denominator", "rating_good"])
def test_counts_are_never_negative(field):
    entry = EntryFactory()
    refused(lambda: Entry.objects.filter(pk=entry.pk).update(**{field: -1}))


def test_numerator_never_exceeds_denominator():
    entry = EntryFactory(numerator=5, denominator=5)
    refused(lambda: Entry.objects.filter(pk=entry.pk).update(numerator=6))


def test_a_done_date_needs_the_milestone_done():
    entry = EntryFactory()
    refused(lambda: Entry.objects.filter(pk=entry.pk).update(done=False, done_on=date(2021, 1, 1)))


def test_a_subcount_must_name_its_parent_target():
    resolution = ResolutionFactory()
    refused(
        lambda: Target.objects.create(
            resolution=resolution, code="X", title="x", measure=Target.Measure.SUBCOUNT, value=Decimal(3)
        )
    )


def test_a_ratio_target_is_at_most_100_percent():
    resolution = ResolutionFactory()
    refused(
        lambda: Target.objects.create(
            resolution=resolution, code="R", title="r", measure=Target.Measure.RATIO, value=Decimal(101)
        )
    )


def test_target_codes_are_unique_within_a_resolution():
    target = TargetFactory(code="CT01")
    refused(lambda: TargetFactory(resolution=target.resolution, code="CT01"))


def test_one_term_quota_per_unit_and_target_but_one_per_year_too():
    target, unit = TargetFactory(), UnitFactory()
    Allocation.objects.create(target=target, unit=unit, value=10)
    Allocation.objects.create(target=target, unit=unit, year=2021, value=2)
    refused(lambda: Allocation.objects.create(target=target, unit=unit, value=11))
    refused(lambda: Allocation.objects.create(target=target, unit=unit, year=2021, value=3))


def test_a_quarter_is_one_to_four():
    period = PeriodFactory()
    refused(lambda: Period.objects.filter(pk=period.pk).update(quarter=5))


def test_a_unit_ends_after_it_starts():
    unit = UnitFactory(active_from=date(2021, 1, 1))
    refused(lambda: type(unit).objects.filter(pk=unit.pk).update(active_to=date(2020, 1, 1)))
