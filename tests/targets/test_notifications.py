"""The people concerned are told: in the app (list, unread count) and by e-mail after the commit."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail

from targets.models import Notification, ProgressReport, Target, TargetProposal
from targets.notifications import sweep_emails
from tests.helpers import URL, good_figures, shown_version

pytestmark = pytest.mark.django_db


def _submit(client, capture):
    with capture(execute=True):
        response = client.post(URL, good_figures(submit="1"))
    assert response.status_code == 302
    return response


def _return(client, capture, **extra):
    data = {"decision": "return", "version": shown_version(client), "comment": "Bổ sung minh chứng CT06."}
    data.update(extra)
    with capture(execute=True):
        response = client.post(URL + "review/", data)
    assert response.status_code == 302
    return response


def test_a_report_sent_tells_the_bloc_office_in_the_app_and_by_mail(
    namtanuyen_client, office_client, vanphong, namtanuyen, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    _submit(namtanuyen_client, django_capture_on_commit_callbacks)
    told = Notification.objects.get(user=vanphong, kind="submitted")
    assert told.text == "Đảng ủy Khu công nghiệp Nam Tân Uyên đã gửi báo cáo Quý II/2025."
    assert told.url == URL and told.emailed_at is not None
    assert not Notification.objects.filter(user=namtanuyen).exists()  # never told of one's own action
    assert any("vanphong@demo.local" in m.to and URL in m.body for m in mail.outbox)
    page = office_client.get("/").content.decode()
    assert 'id="unread-count"' in page
    listing = office_client.get("/notifications/").content.decode()
    assert "đã gửi báo cáo Quý II/2025" in listing
    # Opening it marks it read and goes to the report.
    response = office_client.post(f"/notifications/{told.pk}/")
    assert response.status_code == 302 and response["Location"] == URL
    told.refresh_from_db()
    assert told.read_at is not None


def test_a_return_with_per_target_comments_shows_on_the_units_home_until_sent_again(
    namtanuyen_client, office_client, namtanuyen, django_capture_on_commit_callbacks
):
    _submit(namtanuyen_client, django_capture_on_commit_callbacks)
    ct06 = Target.objects.get(code="CT06")
    _return(
        office_client,
        django_capture_on_commit_callbacks,
        **{f"c{ct06.pk}-comment": "Thiếu quyết định kết nạp."},
    )
    report = ProgressReport.objects.get(unit__code="kcn-nam-tan-uyen", period__year=2025, period__quarter=2)
    assert report.target_comments == {str(ct06.pk): "Thiếu quyết định kết nạp."}
    told = Notification.objects.get(user=namtanuyen, kind="returned")
    assert "bị trả lại: Bổ sung minh chứng CT06." in told.text
    home = namtanuyen_client.get("/").content.decode()
    assert "Văn phòng trả lại báo cáo Quý II/2025" in home
    assert "Bổ sung minh chứng CT06." in home and "Thiếu quyết định kết nạp." in home
    assert 'id="unread-count"' in home
    form = namtanuyen_client.get(URL).content.decode()
    assert "Văn phòng góp ý:" in form and "Thiếu quyết định kết nạp." in form
    # Sent again: the comment leaves the home page.
    _submit(namtanuyen_client, django_capture_on_commit_callbacks)
    assert "Văn phòng trả lại báo cáo" not in namtanuyen_client.get("/").content.decode()


def test_approve_and_reopen_tell_the_unit(
    namtanuyen_client, office_client, namtanuyen, django_capture_on_commit_callbacks, settings
):
    settings.ALLOW_SELF_APPROVAL = False
    _submit(namtanuyen_client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        office_client.post(URL + "review/", {"decision": "approve", "version": shown_version(office_client)})
    assert Notification.objects.filter(user=namtanuyen, kind="approved").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        office_client.post(
            URL + "reopen/",
            {"version": shown_version(office_client), "until": "2026-12-10", "reason": "Sửa số CT06"},
        )
    told = Notification.objects.get(user=namtanuyen, kind="reopened")
    assert "đến hết ngày 10/12/2026: Sửa số CT06" in told.text


def test_a_failed_mail_is_never_an_error_page_and_the_sweep_sends_it_later(
    namtanuyen_client, vanphong, django_capture_on_commit_callbacks, demo_clock
):
    mail.outbox.clear()
    with mock.patch("targets.notifications.EmailMessage.send", side_effect=OSError("SMTP down")):
        _submit(namtanuyen_client, django_capture_on_commit_callbacks)
    told = Notification.objects.get(user=vanphong, kind="submitted")
    assert (told.emailed_at, told.email_attempts) == (None, 1)
    assert ProgressReport.objects.get(
        unit__code="kcn-nam-tan-uyen", period__year=2025, period__quarter=2
    ).status == ("submitted")
    demo_clock.shift(timedelta(minutes=5))
    assert sweep_emails() >= 1
    told.refresh_from_db()
    assert told.emailed_at is not None and told.email_attempts == 2
    assert sum(1 for m in mail.outbox if "vanphong@demo.local" in m.to) == 1
    assert sweep_emails() == 0  # sent once, never twice


def test_a_broker_down_leaves_the_notification_written(
    namtanuyen_client, vanphong, django_capture_on_commit_callbacks
):
    with mock.patch(
        "targets.tasks.send_notification_email_task.delay", side_effect=ConnectionError("no broker")
    ):
        _submit(namtanuyen_client, django_capture_on_commit_callbacks)
    told = Notification.objects.get(user=vanphong, kind="submitted")
    assert told.emailed_at is None  # owed: the sweep sends it


def test_a_proposal_decided_tells_the_unit(namtanuyen, vanphong, django_capture_on_commit_callbacks):
    from targets.services.proposals import target_proposal_return

    proposal = TargetProposal.objects.create(
        unit=namtanuyen.memberships.first().unit,
        title="Thành lập 2 chi đoàn",
        measure="flow",
        value=2,
        proposed_by=namtanuyen,
    )
    with django_capture_on_commit_callbacks(execute=True):
        target_proposal_return(proposal=proposal, user=vanphong, comment="Ghi rõ năm thực hiện")
    told = Notification.objects.get(user=namtanuyen, kind="proposal")
    assert "“Thành lập 2 chi đoàn”" in told.text and "bị trả lại" in told.text
    assert told.url.endswith(f"/targets/proposals/{proposal.pk}/")


def test_the_review_page_shows_what_the_reviewer_needs_and_the_next_report(
    namtanuyen_client, office_client, django_capture_on_commit_callbacks
):
    _submit(namtanuyen_client, django_capture_on_commit_callbacks)
    page = office_client.get(URL).content.decode()
    assert 'id="review-figures"' in page and "Chỉ tiêu giao / ngưỡng" in page
    assert "Đánh giá chung của đơn vị" in page
    assert "Tải mẫu Excel" not in page  # the unit-side Excel block is the unit's
    assert 'id="next-in-queue"' in page and "Báo cáo tiếp theo chờ duyệt:" in page
    assert "Góp ý về CT06" in page
