"""A quarter's report from a clerk's first keystroke to the office's approval, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from targets.models import ProgressReport

pytestmark = pytest.mark.django_db(transaction=True)

REPORT = "/reports/kcn-nam-tan-uyen/2025-q2/"


def fill(page, code, field, value):
    card = page.locator("section.target-card", has_text=f"{code} ·").first
    card.locator(f'[data-field="{field}"]').fill(value)


def test_fill_mistake_submit_return_resubmit_approve(new_page, demo_server):
    clerk = new_page("namtanuyen")
    expect(clerk.get_by_text("Báo cáo quý cần thực hiện")).to_be_visible()
    clerk.get_by_role("link", name="Nhập báo cáo").click()
    expect(clerk).to_have_url(re.compile(REPORT))

    # Fill the quarter with one mistake: more studied than members.
    fill(clerk, "CT01", "numerator", "150")
    fill(clerk, "CT01", "denominator", "142")
    expect(clerk.locator("[data-ratio-for]").first).to_contain_text("105,6%")
    fill(clerk, "CT05", "value", "1")
    fill(clerk, "CT06", "value", "5")
    fill(clerk, "CT06.1", "value", "2")
    fill(clerk, "CT07", "value", "0")
    clerk.get_by_role("button", name="Gửi báo cáo").click()
    expect(clerk.locator("#error-summary")).to_contain_text("chưa lưu gì")
    expect(clerk.locator("section.target-card", has_text="CT01 ·")).to_contain_text(
        "tử số (150) không được lớn hơn mẫu số (142)"
    )
    assert not ProgressReport.objects.filter(
        unit__code="kcn-nam-tan-uyen", period__year=2025, period__quarter=2
    ).exists()

    # Correct it and submit.
    fill(clerk, "CT01", "numerator", "142")
    clerk.get_by_role("button", name="Gửi báo cáo").click()
    expect(clerk.locator(".alert-success")).to_contain_text("Đã gửi báo cáo Quý II/2025")
    expect(clerk.locator("#report-status")).to_contain_text("Chờ duyệt")

    # The office returns it with a comment.
    office = new_page("vanphong")
    office.goto(demo_server.url + "/reports/")
    office.locator("tr", has_text="Đảng ủy Khu công nghiệp Nam Tân Uyên").get_by_role(
        "link", name="Xem và duyệt"
    ).click()
    office.get_by_label("Ý kiến của Văn phòng").fill(
        "Đề nghị ghi rõ 5 quyết định kết nạp ở phần ghi chú CT06."
    )
    office.get_by_role("button", name="Trả lại đơn vị").click()
    expect(office.locator("#report-status")).to_contain_text("Bị trả lại")

    # The clerk sees the comment, fixes and resubmits.
    clerk.goto(demo_server.url + REPORT)
    expect(clerk.locator(".alert-warning")).to_contain_text("Đề nghị ghi rõ 5 quyết định kết nạp")
    clerk.locator("section.target-card", has_text="CT06 ·").locator("textarea").fill(
        "QĐ số 12, 13, 14, 15, 16-QĐ/ĐU"
    )
    clerk.get_by_role("button", name="Gửi báo cáo").click()
    expect(clerk.locator("#report-status")).to_contain_text("Chờ duyệt")

    # The office approves; the report is then read-only.
    office.goto(demo_server.url + REPORT)
    office.get_by_role("button", name="Duyệt báo cáo").click()
    expect(office.locator("#report-status")).to_contain_text("Đã duyệt")
    clerk.goto(demo_server.url + REPORT)
    expect(clerk.locator(".alert-success")).to_contain_text("Báo cáo đã được duyệt")
    expect(clerk.get_by_role("button", name="Gửi báo cáo")).to_have_count(0)
    expect(clerk.locator('[data-field="value"]').first).to_be_disabled()
    expect(clerk.locator(".timeline")).to_contain_text("Trả lại: Đề nghị ghi rõ 5 quyết định kết nạp")
    report = ProgressReport.objects.get(unit__code="kcn-nam-tan-uyen", period__year=2025, period__quarter=2)
    assert report.status == "approved"
    assert report.entries.get(target__code="CT06").note == "QĐ số 12, 13, 14, 15, 16-QĐ/ĐU"
