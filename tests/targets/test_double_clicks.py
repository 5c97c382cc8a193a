"""The second of two identical clicks: it succeeds quietly or says plainly that it was already done.

The browser shows the answer to the second click, so that answer must never be
the refusal of a step that was in fact taken ("Chỉ duyệt hoặc trả lại được…",
"Anh/chị không có quyền…"), and nothing may be written twice. These run one
click after the other on the demo; test_races.py sends them at the same instant.
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from config import clock
from targets.models import Attachment, DeadlineExtension, Period, ProgressReport
from tests.helpers import URL, good_figures, session_post, state
from units.models import Unit

pytestmark = pytest.mark.django_db

LOSERS_MESSAGES = [
    "Chỉ duyệt hoặc trả lại được báo cáo đang chờ duyệt.",
    "Anh/chị không có quyền",
    "đang chờ Văn phòng duyệt; không thể sửa lúc này",
    "Phiên tải tệp đã hết hạn",
]


def twice(client, url, data):
    """Post the same form twice; the page the second answer leads to."""
    client.post(url, data)
    html = client.post(url, data, follow=True).content.decode()
    for wrong in LOSERS_MESSAGES:
        assert wrong not in html
    return html


@pytest.fixture
def nam_tan_uyen():
    return Unit.objects.get(code="kcn-nam-tan-uyen")


@pytest.fixture
def q2():
    return Period.objects.get(congress__unit__code="duk", year=2025, quarter=2)


def history(unit, period):
    return list(
        ProgressReport.history.filter(unit=unit, period=period)
        .order_by("history_date", "history_id")
        .values_list("history_change_reason", flat=True)
    )


@pytest.fixture
def submitted(namtanuyen_client, nam_tan_uyen, q2):
    namtanuyen_client.post(URL, good_figures(submit="1"))
    return ProgressReport.objects.get(unit=nam_tan_uyen, period=q2)


def test_a_second_save_of_the_same_figures_says_they_are_saved(namtanuyen_client, nam_tan_uyen, q2):
    html = twice(namtanuyen_client, URL, good_figures(save="1"))
    assert "Số liệu này đã được lưu lúc" in html
    assert "bởi Bí thư Đảng ủy KCN Nam Tân Uyên" in html
    assert history(nam_tan_uyen, q2) == ["Tạo báo cáo"]


def test_a_second_send_says_when_and_by_whom_the_report_was_sent(namtanuyen_client, nam_tan_uyen, q2):
    html = twice(namtanuyen_client, URL, good_figures(submit="1"))
    assert "Báo cáo đã được gửi lúc" in html
    assert history(nam_tan_uyen, q2) == ["Tạo báo cáo", "Gửi báo cáo"]
    assert ProgressReport.objects.get(unit=nam_tan_uyen, period=q2).status == "submitted"


def test_a_second_approve_says_when_and_by_whom_it_was_approved(office_client, submitted):
    before = history(submitted.unit, submitted.period)
    html = twice(office_client, URL + "review/", {"decision": "approve", "version": submitted.version})
    assert "Báo cáo đã được duyệt lúc" in html
    assert "bởi Văn phòng Đảng ủy khối" in html
    assert history(submitted.unit, submitted.period) == [*before, "Duyệt báo cáo"]


def test_a_second_return_says_it_was_returned(office_client, submitted):
    before = history(submitted.unit, submitted.period)
    data = {"decision": "return", "comment": "Kiểm tra CT06", "version": submitted.version}
    html = twice(office_client, URL + "review/", data)
    assert "Báo cáo đã được trả lại đơn vị lúc" in html
    assert history(submitted.unit, submitted.period) == [*before, "Trả lại: Kiểm tra CT06"]


def test_a_second_reopen_of_an_approved_report_says_until_when(office_client, q2):
    report = ProgressReport.objects.filter(period=q2, status="approved").select_related("unit").first()
    url = f"/reports/{report.unit.code}/2025-q2/reopen/"
    until = clock.today() + timedelta(days=5)
    data = {"until": until.isoformat(), "reason": "Sửa số đảng viên", "version": report.version}
    html = twice(office_client, url, data)
    assert "Kỳ báo cáo đã được mở lại lúc" in html
    assert f"đến hết ngày {until:%d/%m/%Y}" in html
    assert history(report.unit, q2).count("Mở lại kỳ báo cáo: Sửa số đảng viên") == 1


def test_a_second_reopen_of_an_overdue_draft_says_it_is_reopened(office_client, q2):
    report = ProgressReport.objects.filter(period=q2, status="draft").select_related("unit").first()
    url = f"/reports/{report.unit.code}/2025-q2/reopen/"
    until = clock.today() + timedelta(days=5)
    data = {"until": until.isoformat(), "reason": "Đơn vị mới kiện toàn", "version": report.version}
    html = twice(office_client, url, data)
    assert "Kỳ báo cáo đã được mở lại lúc" in html
    assert DeadlineExtension.objects.get(unit=report.unit, period=q2).until == until


def test_a_second_confirmation_of_an_excel_upload_says_it_is_saved(namtanuyen_client, nam_tan_uyen, q2):
    from tests.targets.test_report_excel import filled, upload

    token = upload(namtanuyen_client, filled(namtanuyen_client)).context["token"]
    html = twice(namtanuyen_client, URL + "upload/confirm/", {"token": token})
    assert "Số liệu từ tệp Excel này đã được lưu." in html
    assert history(nam_tan_uyen, q2) == ["Nhập từ tệp Excel"]


def test_a_second_attach_of_the_same_file_keeps_one_copy(namtanuyen_client, nam_tan_uyen, q2):
    namtanuyen_client.post(URL, good_figures(save="1"))
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    namtanuyen_client.post(URL + "files/", {"file": SimpleUploadedFile("anh.png", png)})
    html = namtanuyen_client.post(
        URL + "files/", {"file": SimpleUploadedFile("anh.png", png)}, follow=True
    ).content.decode()
    assert "Tệp “anh.png” đã được đính kèm lúc" in html
    assert Attachment.objects.filter(report__unit=nam_tan_uyen, report__period=q2).count() == 1


def test_a_second_delete_of_a_file_says_it_is_gone(namtanuyen_client, nam_tan_uyen, q2):
    namtanuyen_client.post(URL, good_figures(save="1"))
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    namtanuyen_client.post(URL + "files/", {"file": SimpleUploadedFile("anh.png", png)})
    attachment = Attachment.objects.get(report__unit=nam_tan_uyen, report__period=q2)
    html = twice(namtanuyen_client, URL + f"files/{attachment.pk}/delete/", {})
    assert "Tệp này đã được xóa khỏi báo cáo." in html
    assert not Attachment.objects.filter(pk=attachment.pk).exists()


def test_a_stale_save_on_a_report_sent_meanwhile_with_other_figures_is_refused_plainly(
    namtanuyen_client, submitted
):
    before = state(submitted.unit, submitted.period)
    html = namtanuyen_client.post(URL, good_figures(save="1", version="1"), follow=True).content.decode()
    assert "Báo cáo đã được gửi lúc" in html  # the same figures: it was sent with them
    changed = good_figures(save="1", version="1")
    changed[next(k for k in changed if k.endswith("-value"))] = "0"
    html = namtanuyen_client.post(URL, changed).content.decode()
    assert "Báo cáo đã gửi, đang chờ Văn phòng duyệt; không thể sửa lúc này." in html
    assert state(submitted.unit, submitted.period) == before


def test_recording_the_same_study_session_twice_records_it_once(buudien_client):
    from resolutions.models import StudySession
    from targets.models import RollupChange

    unit = Unit.objects.get(code="buu-dien")
    data = session_post()
    before = StudySession.objects.filter(unit=unit).count()
    html = twice(buudien_client, f"/study/{unit.code}/", data)
    assert StudySession.objects.filter(unit=unit).count() == before + 1
    assert RollupChange.objects.filter(unit=unit, cause=RollupChange.Cause.STUDY).count() == 1
    assert "Buổi học tập này đã được ghi nhận lúc" in html
    # A second session on another day is a new one.
    buudien_client.post(f"/study/{unit.code}/", {**data, "held_on": "2021-03-11"})
    assert StudySession.objects.filter(unit=unit).count() == before + 2
    # The same one again after the double-send window is a new session too (a unit may hold two alike).
    clock_now = clock.now()
    from resolutions.services import DOUBLE_SEND

    StudySession.objects.filter(unit=unit).update(recorded_at=clock_now - DOUBLE_SEND - timedelta(minutes=1))
    buudien_client.post(f"/study/{unit.code}/", data)
    assert StudySession.objects.filter(unit=unit).count() == before + 3
