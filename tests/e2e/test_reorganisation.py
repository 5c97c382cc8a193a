"""The office records a transfer in a real browser: form, preview (nothing saved), confirm, timeline, tree."""

import pytest
from playwright.sync_api import expect

from units.models import ReorgEvent, Unit

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_office_previews_then_confirms_a_transfer(new_page, demo_server):
    office = new_page("vanphong")
    office.get_by_role("link", name="Sắp xếp tổ chức").first.click()
    office.get_by_role("link", name="Điều chuyển").click()
    office.select_option("#id_unit", label="Chi bộ 01 – Đảng bộ Sở Xây dựng (so-xay-dung-cb01)")
    office.select_option("#id_new_parent", label="Đảng bộ Bưu điện tỉnh Bình Dương (buu-dien)")
    office.fill("#id_decision_number", "1402-QĐ/TU")
    office.fill("#id_decision_date", "2025-01-10")
    office.fill("#id_issuing_body", "Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh")
    office.fill("#id_effective_on", "2025-01-10")
    office.get_by_role("button", name="Xem trước thay đổi").click()
    expect(office.locator(".alert-info")).to_contain_text("Chưa có gì được lưu")
    expect(office.locator("table")).to_contain_text("Đảng bộ Bưu điện tỉnh Bình Dương")
    assert not ReorgEvent.objects.exists()

    office.get_by_role("button", name="Xác nhận ghi nhận").click()
    expect(office.locator(".alert-success")).to_contain_text("1402-QĐ/TU")
    assert ReorgEvent.objects.count() == 1
    assert Unit.objects.get(code="so-xay-dung-cb01").path.startswith(Unit.objects.get(code="buu-dien").path)

    office.goto(demo_server.url + "/units/so-xay-dung-cb01/")
    expect(office.locator("#unit-timeline")).to_contain_text("1402-QĐ/TU")
    office.goto(demo_server.url + "/units/")
    office.fill("#tree-as-of", "2024-12-31")
    office.get_by_role("button", name="Xem", exact=True).click()
    expect(office.locator("h1")).to_contain_text("tại ngày 31/12/2024")
