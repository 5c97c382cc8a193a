"""Cascading the resolution: plan template, plan registry, study sessions, the periodic report."""

import io
import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from config.formatting import format_number, format_percent
from resolutions.models import PlanDocument, StudySession
from resolutions.terms import congress_for
from targets.dashboard import build
from targets.devtools.demo import _demo_pdf
from targets.documents import party_date, quarter_words, report_period, status_text, summary_context
from targets.models import Allocation, Target
from tests.helpers import DEMO_TODAY, session_post
from units.models import Unit

pytestmark = pytest.mark.django_db
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def text_of(content: bytes) -> str:
    """Every paragraph and table cell of a .docx, as the reader would see it."""
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_party_dates_have_leading_zeros_for_short_days_and_january_february():
    assert party_date(date(2021, 4, 3), "Thủ Dầu Một") == "Thủ Dầu Một, ngày 03 tháng 4 năm 2021"
    assert party_date(date(2021, 2, 15), "Thủ Dầu Một") == "Thủ Dầu Một, ngày 15 tháng 02 năm 2021"
    assert party_date(date(2021, 11, 26), "Thủ Dầu Một") == "Thủ Dầu Một, ngày 26 tháng 11 năm 2021"


# --- Plan template ---------------------------------------------------------------------------


def test_the_plan_template_names_the_unit_the_congress_and_every_quota(namtanuyen_client, settings):
    response = namtanuyen_client.get("/plans/kcn-nam-tan-uyen/template.docx")
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    text = text_of(response.content)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert "ĐẢNG ỦY KHU CÔNG NGHIỆP NAM TÂN UYÊN" in text
    assert "ĐẢNG BỘ KHỐI CÁC CƠ QUAN VÀ DOANH NGHIỆP TỈNH" in text
    assert "Số      -KH/ĐU" in text
    assert "KẾ HOẠCH" in text
    assert "Đảng bộ Khối Các cơ quan và doanh nghiệp tỉnh Bình Dương lần thứ VII, nhiệm kỳ 2020–2025" in text
    assert "Phấn đấu 100% đảng viên (142 đảng viên)" in text
    for heading in (
        "I. MỤC ĐÍCH, YÊU CẦU",
        "II. NỘI DUNG",
        "III. TỔ CHỨC THỰC HIỆN",
        "T/M ĐẢNG ỦY",
        "BÍ THƯ",
        "Nơi nhận:",
        "- Lưu Văn phòng.",
    ):
        assert heading in text, heading
    unit = Unit.objects.get(code="kcn-nam-tan-uyen")
    for allocation in Allocation.objects.filter(unit=unit, year__isnull=True).select_related("target"):
        target = allocation.target
        assert f"{format_number(allocation.value)} {target.unit_label}" in text, target.code
    document = Document(io.BytesIO(response.content))
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert [
        round(section.top_margin.mm),
        round(section.bottom_margin.mm),
        round(section.left_margin.mm),
        round(section.right_margin.mm),
    ] == [round(v) for v in settings.DOC_MARGINS_MM]
    assert document.styles["Normal"].font.name == "Times New Roman"


def test_the_plan_template_marks_a_units_own_targets(soxaydung_client):
    text = text_of(soxaydung_client.get("/plans/so-xay-dung/template.docx").content)
    assert "Số đồ án quy hoạch được số hóa" in text
    assert "Chỉ tiêu riêng của đơn vị" in text
    assert "Số điểm Bưu điện văn hóa xã" not in text  # another unit's own target


def test_the_margins_follow_the_setting(namtanuyen_client, settings):
    settings.DOC_MARGINS_MM = [20.0, 20.0, 30.0, 20.0]
    section = Document(
        io.BytesIO(namtanuyen_client.get("/plans/kcn-nam-tan-uyen/template.docx").content)
    ).sections[0]
    assert round(section.left_margin.mm) == 30 and round(section.right_margin.mm) == 20


@pytest.mark.skipif(
    not shutil.which("soffice"), reason="LibreOffice is not installed (make test installs it)"
)
def test_libreoffice_converts_the_plan_template(namtanuyen_client, tmp_path):
    path = tmp_path / "ke-hoach.docx"
    path.write_bytes(namtanuyen_client.get("/plans/kcn-nam-tan-uyen/template.docx").content)
    result = subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = tmp_path / "ke-hoach.pdf"
    assert pdf.exists(), result.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text
        assert "Nam Tân Uyên" in text or "NAM TÂN UYÊN" in text


def test_another_units_plan_template_is_not_found(buudien_client):
    assert buudien_client.get("/plans/kcn-nam-tan-uyen/template.docx").status_code == 404


# --- Plan registry -----------------------------------------------------------------------------


def plan_post(**overrides):
    data = {
        "number": "07-KH/ĐU",
        "issued_on": "2020-09-01",
        "signer": "Nguyễn Văn Bưu",
        "file": SimpleUploadedFile("ke-hoach.pdf", _demo_pdf("Ke hoach 07")),
    }
    data.update(overrides)
    return data


def test_a_unit_registers_its_plan_and_the_bloc_sees_it(buudien_client, office_client):
    assert not PlanDocument.objects.filter(unit__code="buu-dien").exists()
    before = office_client.get("/plans/").context["status"]
    response = buudien_client.post("/plans/buu-dien/", plan_post(number=" 07 - kh/đu "))
    assert response.status_code == 302
    plan = PlanDocument.objects.get(unit__code="buu-dien")
    assert (plan.number, plan.signer, plan.kind) == ("07-KH/ĐU", "Nguyễn Văn Bưu", "pdf")
    after = office_client.get("/plans/").context["status"]
    assert after.issued == before.issued + 1
    assert "Đảng bộ Bưu điện tỉnh Bình Dương" not in {u.name for u in after.missing}
    download = office_client.get("/plans/buu-dien/file/")
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_the_registry_counts_and_names_the_missing_and_the_late(office_client):
    response = office_client.get("/plans/")
    status = response.context["status"]
    assert status.expected == 137
    assert status.issued == PlanDocument.objects.filter(unit__kind__in=Unit.GRASSROOTS_KINDS).count()
    assert status.issued + len(status.missing) == 137
    assert status.late == len([p for p in status.plans if p.issued_on > status.deadline]) > 0
    html = response.content.decode()
    assert f"{status.issued} / 137 đơn vị đã ban hành kế hoạch" in html
    assert "Đảng bộ Bưu điện tỉnh Bình Dương" in html  # missing, by name


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"number": "KH 09"}, "number", "Số và ký hiệu phải có dạng"),
        ({"number": "09-QĐ/ĐU"}, "number", "Số và ký hiệu phải có dạng"),
        ({"issued_on": "2019-01-01"}, "issued_on", "không được trước ngày bế mạc Đại hội"),
        (
            {"issued_on": (date.today() + timedelta(days=5)).isoformat()},
            "issued_on",
            "không được sau hôm nay",
        ),
        ({"signer": " "}, "signer", "Cần ghi người ký"),
        (
            {"file": SimpleUploadedFile("ke-hoach.pdf", b"MZ\x90\x00" + b"\x00" * 200)},
            "file",
            "Nội dung tệp không phải là",
        ),
        ({"file": SimpleUploadedFile("ke-hoach.docx", _demo_pdf("x"))}, "file", "nhưng nội dung là PDF"),
        ({"file": SimpleUploadedFile("ke-hoach.pdf", b"")}, "file", "Tệp rỗng"),
        ({"file": SimpleUploadedFile("anh.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)}, "file", "DOCX, PDF"),
    ],
)
def test_a_bad_plan_is_refused_with_a_clear_message_and_nothing_stored(
    buudien_client, overrides, field, message, settings
):
    import os

    files_before = sum(len(f) for _, _, f in os.walk(settings.MEDIA_ROOT))
    response = buudien_client.post("/plans/buu-dien/", plan_post(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in e for e in errors.get(field, [])), errors
    assert not PlanDocument.objects.filter(unit__code="buu-dien").exists()
    assert sum(len(f) for _, _, f in os.walk(settings.MEDIA_ROOT)) == files_before


def test_an_oversize_plan_is_refused(buudien_client, settings):
    settings.PLAN_MAX_MB = 1
    big = _demo_pdf("x") + b"0" * 1_100_000
    response = buudien_client.post(
        "/plans/buu-dien/", plan_post(file=SimpleUploadedFile("ke-hoach.pdf", big))
    )
    assert any("Tệp quá lớn" in e for e in response.context["form"].errors["file"])
    assert not PlanDocument.objects.filter(unit__code="buu-dien").exists()


def test_plans_are_seen_only_where_the_unit_is(buudien_client, standing_client, namtanuyen_client):
    assert buudien_client.get("/plans/kcn-nam-tan-uyen/").status_code == 404
    assert buudien_client.get("/plans/kcn-nam-tan-uyen/file/").status_code == 404
    assert standing_client.get("/plans/kcn-nam-tan-uyen/file/").status_code == 200
    assert standing_client.post("/plans/kcn-nam-tan-uyen/", plan_post()).status_code == 403
    assert namtanuyen_client.post("/plans/buu-dien/", plan_post()).status_code == 404


# --- Study sessions ----------------------------------------------------------------------------------


def test_a_unit_records_a_session_and_the_coverage_follows(buudien_client):
    unit = Unit.objects.get(code="buu-dien")
    before = StudySession.objects.filter(unit=unit).count()
    assert buudien_client.post("/study/buu-dien/", session_post()).status_code == 302
    assert StudySession.objects.filter(unit=unit).count() == before + 1
    html = buudien_client.get("/study/buu-dien/").content.decode()
    assert "đã được học tập Nghị quyết" in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"first_time": "11"}, "first_time", "không được lớn hơn số tham dự"),
        ({"attending": "9999", "first_time": "0"}, "attending", "lớn hơn số đảng viên của đơn vị"),
        ({"attending": "-1"}, "attending", "Phải là số nguyên không âm"),
        ({"attending": "mười"}, "attending", "Phải là số nguyên không âm"),
        ({"held_on": "2019-05-05"}, "held_on", "không được trước Đại hội"),
        ({"form": "party"}, "form", ""),
    ],
)
def test_a_bad_session_is_refused_and_nothing_saved(buudien_client, overrides, field, message):
    before = StudySession.objects.count()
    response = buudien_client.post("/study/buu-dien/", session_post(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in e for e in errors.get(field, [])), errors
    assert StudySession.objects.count() == before


def test_more_first_timers_than_members_in_all_is_refused(buudien_client):
    unit = Unit.objects.get(code="buu-dien")
    members = sum(u.members for u in unit.subtree())
    studied = sum(s.first_time for s in StudySession.objects.filter(unit__path__startswith=unit.path))
    room = members - studied
    response = buudien_client.post(
        "/study/buu-dien/", session_post(attending=str(room + 1), first_time=str(room + 1))
    )
    assert "sẽ vượt số đảng viên của đơn vị" in " ".join(response.context["form"].errors["first_time"])


def test_the_study_target_is_proposed_from_the_sessions(namtanuyen_client):
    response = namtanuyen_client.get("/reports/kcn-nam-tan-uyen/2025-q2/")
    form = response.context["form"]
    ct01 = Target.objects.get(code="CT01")
    assert (form.initial[f"t{ct01.pk}-numerator"], form.initial[f"t{ct01.pk}-denominator"]) == (142, 142)
    assert "Đề xuất từ các buổi học tập: 142/142" in response.content.decode()


def test_overriding_the_study_proposal_needs_a_note(namtanuyen_client):
    from tests.helpers import URL, field, good_figures

    response = namtanuyen_client.post(URL, good_figures(save="1", **{field("CT01", "numerator"): "140"}))
    assert any("cần ghi chú lý do" in e for e in response.context["form"].errors[field("CT01", "note")])
    ok = namtanuyen_client.post(
        URL,
        good_figures(
            save="1", **{field("CT01", "numerator"): "140", field("CT01", "note"): "2 đồng chí ốm dài ngày"}
        ),
    )
    assert ok.status_code == 302


def test_the_bloc_sees_study_coverage_by_unit(office_client):
    response = office_client.get("/study/")
    rows = response.context["rows"]
    assert len(rows) == 137
    nam_tan_uyen = next(c for u, c in rows if u.code == "kcn-nam-tan-uyen")
    assert (nam_tan_uyen.studied, nam_tan_uyen.members) == (142, 142)
    dashboard = office_client.get("/dashboard/").content.decode()
    assert (
        "Học tập, quán triệt Nghị quyết" in dashboard
        and "đã được học tập, quán triệt Nghị quyết" in dashboard
    )


# --- The periodic report -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "as_of"),
    [
        ("2023-q2", "Quý II/2023"),
        ("2023-h1", "Quý II/2023"),
        ("2023-9m", "Quý III/2023"),
        ("2023", "Quý IV/2023"),
        ("midterm", "Quý IV/2022"),
        ("term", "Quý II/2025"),
    ],
)
def test_every_period_form_maps_to_its_quarter(slug, as_of):
    congress = congress_for(Unit.objects.get(code="duk"))
    assert report_period(congress, slug).as_of.label == as_of


@pytest.mark.parametrize("slug", ["2023-q5", "2023-h2", "2019", "2031", "mid", "term2", "2023-Q2", ""])
def test_an_invalid_period_is_not_found_not_an_error(office_client, slug):
    assert office_client.get(f"/reports/summary/duk/{slug}.docx").status_code == 404


@pytest.mark.parametrize("slug", ["2024-h1", "term"])
def test_the_report_says_what_the_dashboard_says(office_client, slug):
    response = office_client.get(f"/reports/summary/duk/{slug}.docx")
    assert response.status_code == 200
    text = text_of(response.content)
    unit = Unit.objects.get(code="duk")
    spec = report_period(congress_for(unit), slug)
    board = build(unit, spec.as_of, unit.pk)
    assert f"Số liệu tính đến hết {quarter_words(spec.as_of)}" in text
    for line in board.lines:
        a = line.assessment
        if line.target.is_count:
            assert format_number(a.actual) in text, line.target.code
            if a.percent is not None:
                assert format_percent(a.percent) in text, line.target.code
        elif line.current.denominator:
            assert (
                f"{format_number(line.current.numerator)}/{format_number(line.current.denominator)}" in text
            )
        assert str(a.label) in text
    c = board.completeness
    assert (
        f"{format_number(c.reported)}/{format_number(c.expected)} đơn vị có báo cáo {quarter_words(spec.as_of)} "
        "được duyệt" in text
    )
    for heading in (
        "BÁO CÁO",
        "I. ĐẶC ĐIỂM TÌNH HÌNH",
        "III. ĐÁNH GIÁ CHUNG",
        "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI",
        "T/M BAN THƯỜNG VỤ",
    ):
        assert heading in text, heading
    context = summary_context(unit, spec, DEMO_TODAY)
    assert [(row["code"], row["status"]) for row in context["rows"]] == [
        (line.target.code, status_text(line)) for line in board.lines
    ]
    assert all(
        row["status"].startswith(str(line.assessment.label))
        for row, line in zip(context["rows"], board.lines, strict=True)
    )


def test_a_unit_report_is_only_for_those_who_see_the_unit(buudien_client):
    assert buudien_client.get("/reports/summary/kcn-nam-tan-uyen/2024.docx").status_code == 404
    assert buudien_client.get("/reports/summary/buu-dien/2024.docx").status_code == 200


def test_the_report_lists_plans_and_missing_units(office_client):
    text = text_of(office_client.get("/reports/summary/duk/2025-q2.docx").content)
    assert "đơn vị đã ban hành kế hoạch thực hiện Nghị quyết" in text
    assert "chưa ban hành: " in text and "Đảng bộ Bưu điện tỉnh Bình Dương" in text
    assert "chưa có báo cáo được duyệt: " in text and "Đảng ủy Khu công nghiệp Nam Tân Uyên" in text


# --- The Party's format (Hướng dẫn 36-HD/VPTW) ------------------------------------------------------


def document_of(content: bytes) -> Document:
    return Document(io.BytesIO(content))


def header_lines(content: bytes) -> list[tuple[str, bool]]:
    """The issuing-body block top left: each line and whether it is bold."""
    cell = document_of(content).tables[0].rows[0].cells[0]
    return [(p.text, any(r.bold for r in p.runs)) for p in cell.paragraphs if p.text]


def signature_lines(content: bytes) -> list[str]:
    cell = document_of(content).tables[-1].rows[0].cells[1]
    return [p.text for p in cell.paragraphs if p.text]


def recipients(content: bytes) -> list[str]:
    cell = document_of(content).tables[-1].rows[0].cells[0]
    return [p.text for p in cell.paragraphs if p.text]


def test_the_blocs_header_names_the_province_as_a_party_organisation_then_its_committee(office_client):
    content = office_client.get("/reports/summary/duk/term.docx").content
    assert header_lines(content) == [
        ("ĐẢNG BỘ TỈNH BÌNH DƯƠNG", False),
        ("ĐẢNG ỦY KHỐI CÁC CƠ QUAN VÀ DOANH NGHIỆP TỈNH", True),
        ("*", False),
        ("Số      -BC/ĐUK", False),
    ]
    assert signature_lines(content) == ["T/M BAN THƯỜNG VỤ", "BÍ THƯ"]


def test_a_units_header_names_the_bloc_as_a_party_organisation_then_the_units_committee(soxaydung_client):
    content = soxaydung_client.get("/plans/so-xay-dung/template.docx").content
    assert header_lines(content)[:2] == [
        ("ĐẢNG BỘ KHỐI CÁC CƠ QUAN VÀ DOANH NGHIỆP TỈNH", False),
        ("ĐẢNG ỦY SỞ XÂY DỰNG", True),
    ]


def test_a_cells_header_names_its_party_committee_as_an_organisation(office_client):
    cell = Unit.objects.filter(
        path__startswith=Unit.objects.get(code="kcn-nam-tan-uyen").path, depth=3
    ).first()
    content = office_client.get(f"/plans/{cell.code}/template.docx").content
    assert header_lines(content)[:2] == [
        ("ĐẢNG BỘ KHU CÔNG NGHIỆP NAM TÂN UYÊN", False),
        (cell.name.upper(), True),
    ]


def _cell_unit(members_at_least: int | None = None, members_below: int | None = None) -> Unit:
    cells = Unit.objects.filter(kind=Unit.Kind.CHI_BO_CO_SO).order_by("path")
    if members_at_least is not None:
        return cells.filter(members__gte=members_at_least).first()
    unit = cells.first()
    Unit.objects.filter(pk=unit.pk).update(members=members_below)
    return Unit.objects.get(pk=unit.pk)


@pytest.mark.parametrize(
    ("kind", "body", "on_behalf"),
    [
        ("so-xay-dung", "Ban Thường vụ Đảng ủy Sở Xây dựng xây dựng Kế hoạch", "T/M BAN THƯỜNG VỤ"),
        ("kcn-nam-tan-uyen", "Đảng ủy Khu công nghiệp Nam Tân Uyên xây dựng Kế hoạch", "T/M ĐẢNG ỦY"),
        ("cell-with-committee", "Chi ủy {name} xây dựng Kế hoạch", "T/M CHI ỦY"),
        ("small-cell", "{name} xây dựng Kế hoạch", "T/M CHI BỘ"),
    ],
)
def test_the_body_named_in_the_text_signs_the_document(office_client, kind, body, on_behalf):
    if kind == "cell-with-committee":
        unit = _cell_unit(members_at_least=9)
    elif kind == "small-cell":
        unit = _cell_unit(members_below=6)
    else:
        unit = Unit.objects.get(code=kind)
    content = office_client.get(f"/plans/{unit.code}/template.docx").content
    assert body.format(name=unit.name) in text_of(content)
    assert signature_lines(content) == [on_behalf, "BÍ THƯ"]
    report = office_client.get(f"/reports/summary/{unit.code}/2024.docx").content
    assert signature_lines(report) == [on_behalf, "BÍ THƯ"]


def test_the_units_standing_committee_is_recorded_on_the_unit():
    assert Unit.objects.get(code="duk").has_standing_committee
    assert Unit.objects.get(code="so-xay-dung").has_standing_committee
    assert not Unit.objects.get(code="kcn-nam-tan-uyen").has_standing_committee


def test_the_blocs_own_plan_rests_on_its_resolution_and_reports_to_the_province(office_client):
    content = office_client.get("/plans/duk/template.docx").content
    text = text_of(content)
    assert "Căn cứ Kế hoạch số" not in text
    assert "Ban Thường vụ Đảng ủy Khối Các cơ quan và doanh nghiệp tỉnh xây dựng Kế hoạch" in text
    assert recipients(content) == [
        "Nơi nhận:",
        "- Ban Thường vụ Tỉnh ủy Bình Dương (b/c),",
        "- Các đảng bộ, chi bộ cơ sở trực thuộc,",
        "- Lưu Văn phòng.",
    ]


def test_a_units_plan_rests_on_the_blocs_plan_from_the_registry_when_registered(office_client, vanphong):
    text = text_of(office_client.get("/plans/so-xay-dung/template.docx").content)
    assert (
        "Căn cứ Kế hoạch số …-KH/ĐUK ngày … của Ban Thường vụ Đảng ủy Khối Các cơ quan và doanh nghiệp tỉnh "
        "về triển khai thực hiện Nghị quyết;" in text
    )
    bloc = Unit.objects.get(code="duk")
    PlanDocument.objects.create(
        unit=bloc,
        resolution=congress_for(bloc).resolution,
        number="15-KH/ĐUK",
        issued_on=date(2020, 9, 1),
        signer="Bí thư",
        file_name="ke-hoach.pdf",
        kind="pdf",
        size=10,
        registered_by=vanphong,
    )
    text = text_of(office_client.get("/plans/so-xay-dung/template.docx").content)
    assert "Căn cứ Kế hoạch số 15-KH/ĐUK ngày 01/9/2020 của Ban Thường vụ Đảng ủy Khối" in text


def test_a_units_recipients_name_the_bloc_and_its_own_cells(soxaydung_client):
    content = soxaydung_client.get("/plans/so-xay-dung/template.docx").content
    assert recipients(content) == [
        "Nơi nhận:",
        "- Ban Thường vụ Đảng ủy Khối Các cơ quan và doanh nghiệp tỉnh (b/c),",
        "- Các chi bộ trực thuộc,",
        "- Lưu Văn phòng.",
    ]


@pytest.mark.parametrize(
    "url",
    [
        "/plans/duk/template.docx",
        "/plans/so-xay-dung/template.docx",
        "/reports/summary/duk/term.docx",
        "/reports/summary/duk/2023-q2.docx",
        "/reports/summary/so-xay-dung/2024.docx",
        "/reports/summary/demo-001/midterm.docx",
    ],
)
def test_every_document_is_ready_to_sign(office_client, url):
    content = office_client.get(url).content
    text = text_of(content)
    # No "[Văn phòng viết]"-style placeholder: sections without content say so in a sentence.
    assert "[" not in text and "]" not in text
    # The date line is left for the signer, not dated the day it was generated.
    assert "Thủ Dầu Một, ngày … tháng … năm …" in text
    assert DEMO_TODAY.strftime("tháng %m năm %Y").replace("tháng 0", "tháng ") not in text
    document = document_of(content)
    body = [p for p in document.paragraphs if p.paragraph_format.first_line_indent and p.text.strip()]
    assert body and all(p.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY for p in body)
    for table in document.tables[1:-1]:
        headings = [cell.text for cell in table.rows[0].cells]
        assert len(headings) == len(set(headings)), headings


def test_quarter_numerals_are_upper_case_in_every_title(office_client):
    text = text_of(office_client.get("/reports/summary/duk/2023-q2.docx").content)
    assert "Kết quả quý II/2023 thực hiện Nghị quyết" in text
    assert "Số liệu tính đến hết quý II/2023" in text
    assert not re.search(r"quý [ivx]+/", text)


def test_the_term_report_gives_verdicts_with_shortfalls_and_says_they_are_provisional(office_client):
    unit = Unit.objects.get(code="duk")
    spec = report_period(congress_for(unit), "term")
    context = summary_context(unit, spec, DEMO_TODAY)
    rows = {row["code"]: row for row in context["rows"]}
    board = build(unit, spec.as_of, unit.pk)
    ct06 = next(x for x in board.lines if x.target.code == "CT06").assessment
    missing = format_number(1800 - ct06.actual)
    assert rows["CT06"]["status"] == f"Không đạt, còn thiếu {missing} đảng viên (tạm tính)"
    assert rows["CT03"]["status"].startswith("Không đạt (năm 2024), còn thiếu ")
    assert "điểm phần trăm" in rows["CT03"]["status"]
    for row in rows.values():
        assert not row["status"].startswith(("Có nguy cơ", "Chậm tiến độ", "Đúng tiến độ"))
    assert context["provisional_line"].startswith(
        f"Kết quả cuối kỳ còn tạm tính: {format_number(board.provisional)} báo cáo quý II/2025"
    )


def test_a_document_downloaded_with_the_english_interface_is_in_vietnamese(office_client, settings):
    office_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert office_client.get("/dashboard/").content.decode().count('lang="en"') == 1
    text = text_of(office_client.get("/reports/summary/duk/term.docx").content)
    assert "quý II/2025" in text and "Không đạt" in text
    assert "7.864/7.935" in text and "99,1%" in text
    for english in ("Q2/2025", "At risk", "Missed", "Behind", "7,864", "99.1%", "members"):
        assert english not in text, english
    plan = text_of(office_client.get("/plans/duk/template.docx").content)
    assert "7.935 đảng viên" in plan and "7,935" not in plan
