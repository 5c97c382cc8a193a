"""Finding things: menus, a unit's archive, filters, a cell's page; paper: the brief and the export."""

import io

import pytest
from docx import Document
from openpyxl import load_workbook

from targets.models import Target
from units.models import Unit

pytestmark = pytest.mark.django_db


def menu(client):
    return {item.label: item.url for item in client.get("/notifications/").context["nav_items"]}


@pytest.mark.parametrize(
    ("persona", "labels"),
    [
        (
            "standing_client",
            {"Tình hình báo cáo", "Kế hoạch", "Học tập", "Chỉ tiêu riêng", "Bản tóm tắt họp"},
        ),
        (
            "namtanuyen_client",
            {"Lưu trữ báo cáo", "Báo cáo tổng hợp", "Học tập nghị quyết", "Chỉ tiêu riêng"},
        ),
        ("office_client", {"Duyệt báo cáo", "Học tập", "Chỉ tiêu riêng", "Báo cáo tổng hợp"}),
    ],
)
def test_every_role_menu_lists_the_pages_it_may_open_and_each_opens(request, persona, labels):
    client = request.getfixturevalue(persona)
    items = menu(client)
    assert labels <= set(map(str, items))
    for label, url in items.items():
        assert client.get(url).status_code == 200, (label, url)


def test_a_units_archive_lists_every_quarter_of_the_term_with_its_status(namtanuyen_client, buudien_client):
    html = namtanuyen_client.get("/reports/kcn-nam-tan-uyen/archive/").content.decode()
    assert "Quý III/2020" in html and "Quý II/2025" in html
    assert "/reports/kcn-nam-tan-uyen/2021-q1/" in html
    assert "Đã duyệt" in html
    assert buudien_client.get("/reports/kcn-nam-tan-uyen/archive/").status_code == 404


def test_the_grid_and_queue_filter_by_sector_status_and_lateness(office_client):
    everything = office_client.get("/reports/").context
    zone = office_client.get("/reports/?sector=industrial_zone").context
    assert zone["rows"] and len(zone["rows"]) < len(everything["rows"])
    assert all(row.unit.sector == "industrial_zone" for row in zone["rows"])
    assert all(r.unit.sector == "industrial_zone" for r in zone["queue"])
    returned = office_client.get("/reports/?status=returned").context["rows"]
    assert returned and all(any(c.status == "returned" for c in row.cells) for row in returned)
    late = office_client.get("/reports/?late=1").context
    assert all(r.late for r in late["queue"])
    assert all(any(c.late or c.status == "overdue" for c in row.cells) for row in late["rows"])


def test_the_home_page_links_to_every_report_awaiting_review(office_client):
    response = office_client.get("/")
    total = response.context["queue_total"]
    assert f"Xem tất cả {total} báo cáo chờ duyệt" in response.content.decode()
    assert len(office_client.get("/reports/?status=submitted").context["queue"]) == total


def test_a_cells_page_says_who_reports_its_figures_and_shows_its_members_sessions_and_plan(office_client):
    cell = Unit.objects.filter(kind=Unit.Kind.CHI_BO_TRUC_THUOC).order_by("path").first()
    html = office_client.get(f"/dashboard/{cell.code}/").content.decode()
    assert 'id="cell-facts"' in html
    assert "số liệu của chi bộ được báo cáo trong báo cáo quý của" in html
    assert "Số đảng viên" in html and 'id="cell-sessions"' in html and "Kế hoạch thực hiện" in html


def test_the_brief_fits_the_targets_on_one_page_and_downloads_as_word(
    standing_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(30):
        response = standing_client.get("/dashboard/brief/?as_of=2025-q1")
    html = response.content.decode()
    codes = list(
        Target.objects.filter(owner_unit__isnull=True, resolution__congress__unit__code="duk").values_list(
            "code", flat=True
        )
    )
    for code in codes:
        assert f'data-target="{code}"' in html
    assert "Đơn vị chậm nhất" in html and "quý trước" in html
    word = standing_client.get("/dashboard/brief/?as_of=2025-q1&format=docx")
    document = Document(io.BytesIO(word.content))
    assert len(document.tables[0].rows) == len(codes) + 1
    assert "TÓM TẮT TÌNH HÌNH THỰC HIỆN CÁC CHỈ TIÊU NGHỊ QUYẾT" in document.paragraphs[0].text


def test_the_dashboard_shows_a_heat_map_and_a_comparison_by_sector(standing_client):
    response = standing_client.get("/dashboard/?as_of=2025-q1")
    html = response.content.decode()
    assert 'id="heatmap"' in html and 'id="by-sector"' in html
    assert "Khu công nghiệp" in html and "Doanh nghiệp ngoài nhà nước" in html
    assert len(response.context["matrix"]) == len(
        [
            c
            for c in response.context["board"].children
            if c.is_active_between(
                response.context["board"].period.starts_on, response.context["board"].period.ends_on
            )
        ]
    )


def test_the_export_has_a_sheet_of_units_by_targets(office_client):
    book = load_workbook(io.BytesIO(office_client.get("/dashboard/export.xlsx?as_of=2025-q1").content))
    sheet = book["Đơn vị × chỉ tiêu"]
    headers = [c.value for c in sheet[3]]
    assert "CT06 lũy kế" in headers and "CT06 trong quý" in headers and "CT06 % chỉ tiêu" in headers
    assert "CT01 tử số" in headers and "CT01 mẫu số" in headers
    names = [r[0].value for r in sheet.iter_rows(min_row=4)]
    assert "Đảng ủy Khu công nghiệp Nam Tân Uyên" in names


def test_a_units_export_shows_its_quota_beside_the_blocs_target(namtanuyen_client):
    book = load_workbook(
        io.BytesIO(namtanuyen_client.get("/dashboard/kcn-nam-tan-uyen/export.xlsx?as_of=2025-q1").content)
    )
    sheet = book["2025-q1"]
    rows = {r[0].value: [c.value for c in r] for r in sheet.iter_rows(min_row=4)}
    headers = [c.value for c in sheet[3]]
    ct06 = rows["CT06"]
    assert ct06[headers.index("Chỉ tiêu của khối")] == 1800
    assert ct06[headers.index("Chỉ tiêu của đơn vị")] < 1800
