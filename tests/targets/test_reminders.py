"""Reminder e-mails before and after a unit's deadline, once each."""

from datetime import timedelta

import pytest
from django.core import mail

from targets.models import DeadlineExtension, ReminderSent
from targets.reminders import send_reminders
from targets.tasks import send_reminders_task
from tests.helpers import URL, good_figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def extended_until():
    return DeadlineExtension.objects.get(
        unit__code="kcn-nam-tan-uyen", period__year=2025, period__quarter=2
    ).until


def test_a_unit_that_has_not_sent_is_reminded_before_its_deadline(settings, extended_until):
    settings.REMINDER_DAYS_BEFORE = 3
    assert send_reminders(extended_until - timedelta(days=3)) == 1
    message = mail.outbox[0]
    assert message.to == ["namtanuyen@demo.local"]
    assert message.subject == f"Nhắc báo cáo Quý II/2025 – hạn {extended_until:%d/%m/%Y}"
    assert "Đảng ủy Khu công nghiệp Nam Tân Uyên" in message.body


def test_running_the_job_twice_sends_nothing_more(settings, extended_until):
    day = extended_until - timedelta(days=settings.REMINDER_DAYS_BEFORE)
    send_reminders(day)
    assert send_reminders(day) == 0
    assert len(mail.outbox) == 1
    assert ReminderSent.objects.filter(unit__code="kcn-nam-tan-uyen").count() == 1


def test_after_the_deadline_the_reminder_says_it_is_late(settings, extended_until):
    send_reminders(extended_until + timedelta(days=settings.REMINDER_DAYS_AFTER))
    assert "Đã quá hạn báo cáo Quý II/2025" in mail.outbox[0].body


def test_a_unit_that_has_sent_its_report_is_not_reminded(settings, extended_until, namtanuyen_client):
    namtanuyen_client.post(URL, good_figures(submit="1"))
    assert send_reminders(extended_until - timedelta(days=settings.REMINDER_DAYS_BEFORE)) == 0
    assert mail.outbox == []


def test_no_reminder_on_other_days(extended_until):
    assert send_reminders(extended_until - timedelta(days=10)) == 0


def test_the_beat_task_runs_the_same_job():
    assert send_reminders_task.delay().get() == 0
