"""The review conversation in a real browser: words and confidence, a per-target comment, notifications,
and the bloc's summary document compiling what the unit wrote."""

import io
import re

import pytest
from docx import Document
from playwright.sync_api import expect

from targets.models import ProgressReport

pytestmark = pytest.mark.django_db(transaction=True)

REPORT = "/reports/kcn-nam-tan-uyen/2025-q2/"


def card(page, code):
    return page.locator("section.target-card", has_text=f"{code} ·").first


def fill(page, code, field, value):
    card(page, code).locator(f'[data-field="{field}"]').fill(value)


def test_narrative_confidence_return_with_a_target_comment_notification_resubmit_approve(
    new_page, demo_server
):
    clerk = new_page("namtanuyen", width=390, height=844)
    clerk.goto(demo_server.url + REPORT)
    fill(clerk, "CT01", "numerator", "142")
    fill(clerk, "CT01", "denominator", "142")
    fill(clerk, "CT05", "value", "1")
    fill(clerk, "CT06", "value", "5")
    fill(clerk, "CT06.1", "value", "2")
    fill(clerk, "CT07", "value", "0")
    # The unit's confidence starts at the computed reading; saying otherwise asks for a reason.
    select = card(clerk, "CT06").locator('select[data-field="confidence"]')
    computed = select.input_value()
    other = "unlikely" if computed != "unlikely" else "on_track"
    select.select_option(other)
    clerk.get_by_label("Kết quả đạt được").fill("Kết nạp 5 đảng viên tại 2 chi bộ doanh nghiệp FDI.")
    clerk.get_by_label("Hạn chế, khó khăn").fill("Doanh nghiệp FDI chưa tạo điều kiện sinh hoạt.")
    clerk.get_by_label("Nguyên nhân").fill("Công nhân làm ca, biến động lao động lớn.")
    clerk.get_by_label("Nhiệm vụ, giải pháp quý tới").fill("Mở lớp cảm tình Đảng cho 30 quần chúng.")
    clerk.get_by_label("Kiến nghị, đề xuất với cấp trên").fill(
        "Đề nghị Đảng ủy khối hỗ trợ giảng viên lớp cảm tình Đảng."
    )
    # The whole form fits a 390 px phone: nothing scrolls sideways.
    assert clerk.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    clerk.get_by_role("button", name="Gửi báo cáo").click()
    expect(card(clerk, "CT06")).to_contain_text("cần ghi lý do vì khác với đánh giá theo số liệu")
    card(clerk, "CT06").locator('[data-field="confidence_reason"]').fill(
        "Hai doanh nghiệp lớn tạm dừng tuyển dụng."
    )
    clerk.get_by_role("button", name="Gửi báo cáo").click()
    expect(clerk.locator("#report-status")).to_contain_text("Chờ duyệt")

    # The office is told, reads the review page and returns it with a comment on CT06.
    office = new_page("vanphong")
    expect(office.locator("#unread-count")).to_be_visible()
    office.goto(demo_server.url + "/notifications/")
    office.get_by_role("button", name="Nam Tân Uyên đã gửi báo cáo Quý II/2025").click()
    expect(office).to_have_url(re.compile(REPORT))
    expect(office.locator("#review-figures")).to_contain_text("Hai doanh nghiệp lớn tạm dừng tuyển dụng.")
    expect(office.locator("#narrative")).to_contain_text("Đề nghị Đảng ủy khối hỗ trợ giảng viên")
    office.get_by_label("Ý kiến của Văn phòng").fill("Đề nghị bổ sung minh chứng.")
    office.get_by_label("Góp ý về CT06", exact=True).fill("Ghi rõ số quyết định kết nạp.")
    office.get_by_role("button", name="Trả lại đơn vị").click()
    expect(office.locator("#report-status")).to_contain_text("Bị trả lại")

    # The unit sees the comment on its home page and a notification; corrects and sends again.
    clerk.goto(demo_server.url + "/")
    expect(clerk.locator(".returned-comment")).to_contain_text("Đề nghị bổ sung minh chứng.")
    expect(clerk.locator(".returned-comment")).to_contain_text("CT06: Ghi rõ số quyết định kết nạp.")
    assert clerk.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    expect(clerk.locator("#unread-count")).to_be_visible()
    clerk.locator("#notifications-link").click()
    expect(clerk.locator("#notification-list")).to_contain_text("bị trả lại: Đề nghị bổ sung minh chứng.")
    clerk.goto(demo_server.url + REPORT)
    expect(card(clerk, "CT06").locator(".target-comment")).to_contain_text("Ghi rõ số quyết định kết nạp.")
    card(clerk, "CT06").locator("textarea.note-input").fill("QĐ số 12, 13, 14, 15, 16-QĐ/ĐU")
    clerk.get_by_role("button", name="Gửi báo cáo").click()
    expect(clerk.locator("#report-status")).to_contain_text("Chờ duyệt")
    clerk.goto(demo_server.url + "/")
    expect(clerk.locator(".returned-comment")).to_have_count(0)

    # The office approves; the unit is told.
    office.goto(demo_server.url + REPORT)
    office.get_by_role("button", name="Duyệt báo cáo").click()
    expect(office.locator("#report-status")).to_contain_text("Đã duyệt")
    clerk.goto(demo_server.url + "/notifications/")
    expect(clerk.locator("#notification-list")).to_contain_text(
        "Báo cáo Quý II/2025 của Đảng ủy Khu công nghiệp Nam Tân Uyên đã được duyệt."
    )
    assert ProgressReport.objects.get(
        unit__code="kcn-nam-tan-uyen", period__year=2025, period__quarter=2
    ).status == ("approved")

    # The bloc's summary document for the quarter holds the unit's words and its proposal.
    response = office.request.get(demo_server.url + "/reports/summary/duk/2025-q2.docx")
    assert response.ok
    document = Document(io.BytesIO(response.body()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Đảng ủy Khu công nghiệp Nam Tân Uyên: Kết nạp 5 đảng viên tại 2 chi bộ doanh nghiệp FDI." in text
    assert (
        "Đảng ủy Khu công nghiệp Nam Tân Uyên: Đề nghị Đảng ủy khối hỗ trợ giảng viên lớp cảm tình Đảng."
        in text
    )
    assert "Hai doanh nghiệp lớn tạm dừng tuyển dụng." in text
    assert "QĐ số 12, 13, 14, 15, 16-QĐ/ĐU" in text
