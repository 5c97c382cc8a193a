"""Late means first sent after the deadline in force for the unit at the time, extension included."""

import importlib
from datetime import date, datetime, timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from targets.models import DeadlineExtension, Period, ProgressReport, RollupChange
from targets.services.reports import report_reopen, report_return, report_submit
from targets.workflow import Window
from tests.helpers import DEMO_TODAY, URL, good_figures
from units.models import Membership

pytestmark = pytest.mark.django_db

migration = importlib.import_module("targets.migrations.0007_report_late_by_deadline_in_force")


@pytest.fixture
def q2():
    return Period.objects.get(congress__unit__code="duk", year=2025, quarter=2)


def at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def test_the_window_counts_the_extension_in_force():
    deadline = date(2025, 7, 15)
    assert not Window(deadline, date(2027, 2, 24), date(2026, 11, 26)).is_late
    assert Window(deadline, None, date(2025, 7, 16)).is_late
    assert not Window(deadline, None, deadline).is_late
    assert Window(deadline, date(2025, 8, 1), date(2025, 8, 2)).is_late


def test_the_demo_report_sent_within_its_extension_is_on_time_everywhere(
    namtanuyen_client, office_client, q2
):
    # The deadline was 15/07/2025; the office extended it for kcn-nam-tan-uyen beyond today.
    extension = DeadlineExtension.objects.get(unit__code="kcn-nam-tan-uyen", period=q2)
    assert extension.until > DEMO_TODAY > q2.deadline
    namtanuyen_client.post(URL, good_figures(submit="1"))
    report = ProgressReport.objects.get(unit__code="kcn-nam-tan-uyen", period=q2)
    assert report.status == "submitted" and not report.late
    assert "gửi trong thời hạn gia hạn" in namtanuyen_client.get(URL).content.decode()
    queue = office_client.get("/reports/").content.decode()
    row = queue[queue.index("Đảng ủy Khu công nghiệp Nam Tân Uyên") :][:600]
    assert "trễ hạn" not in row


def test_resending_a_returned_report_after_every_deadline_does_not_make_it_late(
    namtanuyen_client, namtanuyen, vanphong, q2
):
    namtanuyen_client.post(URL, good_figures(submit="1"))
    sent = ProgressReport.objects.get(unit__code="kcn-nam-tan-uyen", period=q2)
    unit = sent.unit
    report_return(
        unit=unit, period=q2, user=vanphong, comment="Kiểm tra lại CT06", expected_version=sent.version
    )
    long_after = DeadlineExtension.objects.get(unit=unit, period=q2).until + timedelta(days=60)
    report = report_submit(unit=unit, period=q2, user=namtanuyen, today=long_after)
    assert report.status == "submitted" and not report.late


def test_a_later_extension_does_not_clear_lateness(q2, vanphong, django_user_model):
    report = ProgressReport.objects.filter(period__year=2024, status="approved", late=True).first()
    assert report is not None and report.submitted_at.date() > report.period.deadline
    clerk = django_user_model.objects.create_user("clerk-reopened", password="x")
    Membership.objects.create(user=clerk, unit=report.unit, role=Membership.Role.UNIT_CLERK)
    report_reopen(
        unit=report.unit,
        period=report.period,
        user=vanphong,
        reason="Sửa số liệu",
        until=DEMO_TODAY + timedelta(days=10),
        today=DEMO_TODAY,
        expected_version=report.version,
    )
    resent = report_submit(unit=report.unit, period=report.period, user=clerk, today=DEMO_TODAY)
    assert resent.status == "submitted" and resent.late


# --- The data migration ----------------------------------------------------------------------------


def _sent(report: ProgressReport, first: datetime, last: datetime | None = None) -> None:
    """Rewrite a report's history so that it was first sent at `first` (and last at `last`)."""
    report.history.update(submitted_at=first)
    ProgressReport.objects.filter(pk=report.pk).update(submitted_at=last or first)


def _extension(report: ProgressReport, until: date, granted: datetime, office) -> DeadlineExtension:
    extension = DeadlineExtension.objects.create(
        unit=report.unit, period=report.period, until=until, reason="Gia hạn", granted_by=office
    )
    DeadlineExtension.history.filter(id=extension.pk).update(history_date=granted)
    return extension


def test_the_migration_corrects_lateness_from_each_reports_history(q2, vanphong):
    reports = list(
        ProgressReport.objects.filter(period=q2, status="approved").exclude(unit__extensions__period=q2)[:4]
    )
    within, granted_later, never_extended, resent = reports
    deadline = q2.deadline  # 15/07/2025
    # Sent within an extension granted before the sending, but marked late by the old rule.
    _extension(within, date(2025, 7, 31), at(date(2025, 7, 16)), vanphong)
    _sent(within, at(date(2025, 7, 20)))
    # Sent after the deadline; the extension came later: late, and the extension does not clear it.
    _sent(granted_later, at(date(2025, 7, 20)))
    _extension(granted_later, date(2025, 8, 31), at(date(2025, 8, 1)), vanphong)
    # Sent after the deadline, no extension ever, but not marked late.
    _sent(never_extended, at(date(2025, 7, 25)))
    # First sent on time, returned, resent after the deadline: not late.
    _sent(resent, at(deadline - timedelta(days=3)), last=at(deadline + timedelta(days=40)))
    marks = {within.pk: True, granted_later.pk: True, never_extended.pk: False, resent.pk: True}
    for pk, late in marks.items():
        ProgressReport.objects.filter(pk=pk).update(late=late)
    before = dict(ProgressReport.objects.exclude(pk__in=marks).values_list("pk", "late"))
    owed = RollupChange.objects.filter(cause="tree", settled_at__isnull=True).count()

    migration.correct_lateness(apps, None)

    after = dict(ProgressReport.objects.filter(pk__in=marks).values_list("pk", "late"))
    assert after == {within.pk: False, granted_later.pk: True, never_extended.pk: True, resent.pk: False}
    # Every other report of the demo was already right.
    assert dict(ProgressReport.objects.exclude(pk__in=marks).values_list("pk", "late")) == before
    # The report counts of the roll-up are owed a rebuild of the term.
    change = RollupChange.objects.filter(cause="tree", settled_at__isnull=True).order_by("-id").first()
    assert RollupChange.objects.filter(cause="tree", settled_at__isnull=True).count() == owed + 1
    assert change.congress_id == q2.congress_id and change.unit_id == q2.congress.unit_id


def test_the_migration_changes_nothing_when_every_report_is_right():
    owed = RollupChange.objects.count()
    before = dict(ProgressReport.objects.values_list("pk", "late"))
    migration.correct_lateness(apps, None)
    assert dict(ProgressReport.objects.values_list("pk", "late")) == before
    assert RollupChange.objects.count() == owed
