"""The standing committee's dashboards: figures, status, completeness, league, export, queries."""

import io

import pytest
from django.conf import settings
from openpyxl import load_workbook

from config.formatting import format_number
from targets.models import ProgressReport, Rollup
from tests.helpers import URL, good_figures
from units.models import Unit

pytestmark = pytest.mark.django_db


def test_the_standing_committee_lands_on_the_bloc_dashboard(standing_client):
    response = standing_client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/dashboard/"
    html = response.content.decode()
    assert "Tổng quan thực hiện chỉ tiêu" in html
    assert "Đảng bộ Khối Các cơ quan và doanh nghiệp tỉnh Bình Dương" in html


def test_each_target_reads_achieved_over_target_with_its_status(office_client):
    response = office_client.get("/dashboard/?as_of=2025-q1")
    board = response.context["board"]
    line = next(x for x in board.lines if x.target.code == "CT06")
    row = Rollup.objects.get(unit__code="duk", target__code="CT06", period=board.period)
    assert line.assessment.actual == row.cumulative
    html = response.content.decode()
    from config.formatting import format_number

    assert f"{format_number(row.cumulative)}</strong> / 1.800" in html
    assert "dự kiến đến kỳ: 1.710" in html  # 1,800 × 19/20
    sub = next(x for x in board.lines if x.target.code == "CT06.1")
    assert sub.assessment.actual <= line.assessment.actual
    assert 'class="sub-target"' in html
    for word in ("Đã đạt", "Có nguy cơ", "Chậm tiến độ"):
        assert word in html


def test_ratio_targets_show_percent_with_numerator_and_denominator(office_client):
    board = office_client.get("/dashboard/?as_of=2025-q1").context["board"]
    line = next(x for x in board.lines if x.target.code == "CT03")
    # The year-end rating of Q4/2024 covers every member of the bloc, carried into Q1/2025 for all 137.
    assert line.current.denominator == 7935
    assert (line.current.reporting, line.current.carried) == (0, 137)
    assert line.as_of_period.label == "Quý IV/2024"


def test_as_of_an_earlier_quarter(office_client):
    board = office_client.get("/dashboard/?as_of=2023-q2").context["board"]
    assert board.period.label == "Quý II/2023"
    assert len(board.elapsed) == 12


def test_a_bad_quarter_is_not_found(office_client):
    assert office_client.get("/dashboard/?as_of=2023-q9").status_code == 404
    assert office_client.get("/dashboard/?as_of=1999-q1").status_code == 404


def test_completeness_names_the_missing_units(office_client):
    response = office_client.get("/dashboard/?as_of=2025-q2")
    c = response.context["board"].completeness
    assert c.expected == 137
    assert c.reported + c.pending + (c.missing_total - c.pending) == 137
    assert "Đảng ủy Khu công nghiệp Nam Tân Uyên" in {u.name for u in c.missing}
    assert "Đảng ủy Khu công nghiệp Nam Tân Uyên" in response.content.decode()


def test_the_league_table_drills_down_and_sorts(office_client):
    response = office_client.get("/dashboard/?as_of=2025-q1&sort=share")
    league = response.context["board"].league
    assert len(league) == 137
    shares = [r.share for r in league if r.share is not None]
    assert shares == sorted(shares)
    # The table shows the units a page at a time, in that order; each name leads to its dashboard.
    pages = [
        office_client.get(f"/dashboard/?as_of=2025-q1&sort=share&page={n}").content.decode()
        for n in (1, 2, 3)
    ]
    assert any('href="/dashboard/kcn-nam-tan-uyen/?as_of=2025-q1"' in html for html in pages)
    by_name = office_client.get("/dashboard/?as_of=2025-q1&sort=name&dir=desc").context["board"].league
    assert [r.unit.name for r in by_name] == sorted((r.unit.name for r in by_name), reverse=True)


def test_a_unit_dashboard_uses_its_quota_and_breadcrumbs(office_client):
    response = office_client.get("/dashboard/kcn-nam-tan-uyen/?as_of=2025-q1")
    board = response.context["board"]
    line = next(x for x in board.lines if x.target.code == "CT06")
    assert line.goal.value == 40  # its quota, not the bloc's 1,800
    assert 'href="/dashboard/duk/?as_of=2025-q1"' in response.content.decode()


def test_secretaries_see_only_their_units_dashboards(buudien_client):
    assert buudien_client.get("/dashboard/buu-dien/").status_code == 200
    assert buudien_client.get("/dashboard/kcn-nam-tan-uyen/").status_code == 404
    assert buudien_client.get("/dashboard/duk/").status_code == 404
    assert buudien_client.get("/dashboard/kcn-nam-tan-uyen/export.xlsx").status_code == 404
    assert buudien_client.get("/dashboard/").context["board"].unit.code == "buu-dien"


def test_an_approval_shows_on_the_bloc_dashboard(
    office_client, namtanuyen_client, django_capture_on_commit_callbacks
):
    before = office_client.get("/dashboard/?as_of=2025-q2").context["board"]
    ct06_before = next(x for x in before.lines if x.target.code == "CT06").assessment.actual
    namtanuyen_client.post(URL, good_figures(submit="1"))
    version = ProgressReport.objects.get(
        unit__code="kcn-nam-tan-uyen", period__year=2025, period__quarter=2
    ).version
    with django_capture_on_commit_callbacks(execute=True):
        office_client.post(URL + "review/", {"decision": "approve", "version": version})
    after = office_client.get("/dashboard/?as_of=2025-q2").context["board"]
    assert next(x for x in after.lines if x.target.code == "CT06").assessment.actual == ct06_before + 5


def test_the_export_has_a_sheet_per_quarter_with_numbers_as_numbers(office_client):
    response = office_client.get("/dashboard/export.xlsx?as_of=2021-q2")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["2020-q3", "2020-q4", "2021-q1", "2021-q2", "Đơn vị × chỉ tiêu"]
    sheet = book["2021-q2"]
    assert [c.value for c in sheet[3]] == [
        "Mã chỉ tiêu",
        "Chỉ tiêu",
        "Chỉ tiêu của đơn vị",
        "Đã đạt",
        "Tỷ lệ (%)",
        "Dự kiến đến kỳ",
        "Trạng thái",
        "Dự báo cuối nhiệm kỳ",
        "Cần thêm mỗi quý",
        "Còn thiếu",
        "Ghi chú",
        "Chỉ tiêu của khối",
        "Số trong quý",
        "Tử số",
        "Mẫu số",
    ]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=4)}
    ct06 = rows["CT06"]
    assert ct06[2].value == 1800
    assert isinstance(ct06[3].value, (int, float))
    assert ct06[5].value == 360  # 1,800 × 4/20
    assert ct06[6].value in ("Đúng tiến độ", "Có nguy cơ", "Chậm tiến độ", "Đã đạt")
    assert ct06[8].value == int(ct06[8].value)  # whole members a quarter
    assert ct06[9].value == f"còn thiếu {format_number(1800 - ct06[3].value)} đảng viên"


def test_the_export_at_the_end_of_the_term_carries_the_verdicts_in_vietnamese(office_client):
    office_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = office_client.get("/dashboard/export.xlsx?as_of=2025-q2")
    sheet = load_workbook(io.BytesIO(response.content))["2025-q2"]
    assert sheet["A1"].value.endswith("Quý II/2025")
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=4)}
    assert rows["CT06"][6].value == "Không đạt"
    assert rows["CT06"][7].value is None  # no forecast once the term is over
    assert rows["CT06"][10].value.startswith("tạm tính: còn ")
    assert rows["CT03"][10].value == "kết quả năm 2024"


def test_dashboards_run_a_fixed_number_of_queries(office_client, django_assert_max_num_queries):
    # 32: the figures, the league, completeness, study (two: settled rows and the sessions of the children
    # without children), what the units say (two: counts from the roll-up rows, names of the units shown),
    # two for the heat map of units × targets (targets.matrix), the unread notifications in the top bar,
    # and two that find the unit's other terms (resolutions.terms.terms_of) for the term links.
    with django_assert_max_num_queries(32):
        office_client.get("/dashboard/?as_of=2025-q1")
    with django_assert_max_num_queries(32):
        office_client.get("/dashboard/kcn-nam-tan-uyen/?as_of=2025-q1")
    with django_assert_max_num_queries(32):
        office_client.get("/dashboard/demo-001/?as_of=2025-q1")
    with django_assert_max_num_queries(30):
        office_client.get("/dashboard/export.xlsx?as_of=2025-q2")


def test_the_query_count_does_not_grow_with_the_number_of_units(office_client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        office_client.get("/dashboard/?as_of=2025-q1")
    bloc = Unit.objects.get(code="duk")
    for n in range(40):
        Unit.objects.add_child(
            bloc,
            instance=Unit(
                code=f"extra-{n:03d}", name=f"Chi bộ thêm {n}", kind=Unit.Kind.CHI_BO_CO_SO, members=10
            ),
        )
    with CaptureQueriesContext(connection) as large:
        office_client.get("/dashboard/?as_of=2025-q1")
    assert len(large) == len(small)


def test_the_units_below_are_shown_a_page_at_a_time_and_every_one_is_on_one_page(office_client):
    import re

    def league_codes(html):
        table = html.split('id="league"', 1)[1].split("</table>", 1)[0]
        return re.findall(r'href="/dashboard/([\w-]+)/\?as_of=2025-q1"', table)

    def heat_codes(html):
        table = html.split('id="heatmap"', 1)[1].split("</table>", 1)[0]
        return re.findall(r'href="/dashboard/([\w-]+)/\?as_of=2025-q1"', table)

    seen = []
    for number, (first, last) in enumerate([(1, 50), (51, 100), (101, 137)], start=1):
        html = office_client.get(f"/dashboard/?as_of=2025-q1&sort=name&page={number}").content.decode()
        assert f"Trang {number}/3: đơn vị {first}–{last} trong 137" in html
        codes = league_codes(html)
        assert len(codes) == last - first + 1
        assert heat_codes(html) == codes  # the heat map shows the same units, in the same order
        seen += codes
    assert len(seen) == len(set(seen)) == 137
    assert seen == sorted(seen, key=lambda c: Unit.objects.get(code=c).name)
    # A page that does not exist shows the nearest one, never an error.
    assert "Trang 3/3" in office_client.get("/dashboard/?as_of=2025-q1&sort=name&page=99").content.decode()
    assert "Trang 1/3" in office_client.get("/dashboard/?as_of=2025-q1&sort=name&page=abc").content.decode()
