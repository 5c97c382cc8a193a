"""The offline Excel round-trip, and evidence files checked by their content."""

import io
import zipfile
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from targets.models import Attachment, ProgressReport, Target
from targets.xlsx import safe_text
from tests.helpers import URL, good_figures, state
from units.models import Unit

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def nam_tan_uyen():
    return Unit.objects.get(code="kcn-nam-tan-uyen")


@pytest.fixture
def q2(nam_tan_uyen):
    from targets.periods import period_for

    return period_for(nam_tan_uyen, "2025-q2")


def download(client):
    response = client.get(URL + "template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


def row_of(sheet, code):
    for row in range(9, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value == code:
            return row
    raise AssertionError(code)


def upload(client, book, name="bao-cao.xlsx"):
    buffer = io.BytesIO()
    book.save(buffer)
    return client.post(
        URL + "upload/", {"file": SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)}
    )


def filled(client):
    book = download(client)
    sheet = book.active
    sheet[f"E{row_of(sheet, 'CT01')}"] = 141
    sheet[f"F{row_of(sheet, 'CT01')}"] = 142
    sheet[f"D{row_of(sheet, 'CT05')}"] = 1
    sheet[f"D{row_of(sheet, 'CT06')}"] = 6
    sheet[f"D{row_of(sheet, 'CT06.1')}"] = 2
    sheet[f"D{row_of(sheet, 'CT07')}"] = 1
    sheet[f"M{row_of(sheet, 'CT06')}"] = "Theo 6 quyết định kết nạp"
    # 141 differs from the 142/142 the study sessions propose: allowed with a note.
    sheet[f"M{row_of(sheet, 'CT01')}"] = "1 đồng chí đi công tác nước ngoài"
    return book


def test_the_template_carries_the_unit_the_quarter_and_locked_headers(namtanuyen_client):
    sheet = download(namtanuyen_client).active
    assert sheet["B2"].value == "kcn-nam-tan-uyen"
    assert sheet["B4"].value == "2025-q2"
    assert sheet["C4"].value == "Quý II/2025"
    assert sheet["A8"].value == "Mã chỉ tiêu"
    assert sheet.protection.sheet is True
    assert sheet["A8"].protection.locked and sheet["B9"].protection.locked
    row = row_of(sheet, "CT06")
    assert not sheet[f"D{row}"].protection.locked  # the count is open
    assert sheet[f"E{row}"].protection.locked  # a numerator makes no sense for a count
    kinds = {dv.type for dv in sheet.data_validations.dataValidation}
    assert "whole" in kinds
    whole = next(dv for dv in sheet.data_validations.dataValidation if dv.type == "whole")
    assert f"D{row}" in str(whole.sqref) and whole.formula1 == "0"


def test_uploading_shows_a_preview_then_saves_on_confirmation(namtanuyen_client, nam_tan_uyen, q2):
    response = upload(namtanuyen_client, filled(namtanuyen_client))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Xem trước các thay đổi" in html
    assert not ProgressReport.objects.filter(unit=nam_tan_uyen, period=q2).exists()  # not yet
    token = response.context["token"]
    namtanuyen_client.post(URL + "upload/confirm/", {"token": token})
    report = ProgressReport.objects.get(unit=nam_tan_uyen, period=q2)
    figures = {e.target.code: e for e in report.entries.select_related("target")}
    assert figures["CT06"].value == 6
    assert figures["CT06"].note == "Theo 6 quyết định kết nạp"
    assert (figures["CT01"].numerator, figures["CT01"].denominator) == (141, 142)
    # The token is spent: confirming twice does not save twice.
    namtanuyen_client.post(URL + "upload/confirm/", {"token": token})
    assert ProgressReport.objects.get(pk=report.pk).version == report.version


def test_the_study_target_comes_proposed_from_the_sessions_and_an_override_needs_a_note(namtanuyen_client):
    sheet = download(namtanuyen_client).active
    row = row_of(sheet, "CT01")
    assert (sheet[f"E{row}"].value, sheet[f"F{row}"].value) == (142, 142)
    book = filled(namtanuyen_client)
    book.active[f"M{row}"] = None
    errors = bad_cells(upload(namtanuyen_client, book))
    assert any(e.startswith(f"M{row}:") and "cần ghi chú lý do" in e for e in errors), errors


def test_what_is_saved_comes_back_in_the_next_download(namtanuyen_client):
    namtanuyen_client.post(URL, good_figures(save="1"))
    sheet = download(namtanuyen_client).active
    assert sheet[f"D{row_of(sheet, 'CT06')}"].value == 5
    assert sheet["B5"].value == 1


def bad_cells(response):
    assert response.status_code == 400
    return response.context["errors"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda s: s.__setitem__(f"D{row_of(s, 'CT06')}", "năm"), "D{CT06}: phải là số nguyên không âm"),
        (lambda s: s.__setitem__(f"D{row_of(s, 'CT06')}", -2), "D{CT06}: phải là số nguyên không âm"),
        (lambda s: s.__setitem__(f"D{row_of(s, 'CT06')}", 2.5), "D{CT06}: phải là số nguyên không âm"),
        (
            lambda s: s.__setitem__(f"E{row_of(s, 'CT01')}", 150),
            "E{CT01}: tử số (150) không được lớn hơn mẫu số (142)",
        ),
        (
            lambda s: s.__setitem__(f"D{row_of(s, 'CT06.1')}", 9),
            "D{CT06.1}: không được lớn hơn chỉ tiêu cha CT06 (6)",
        ),
        (lambda s: s.__setitem__(f"E{row_of(s, 'CT06')}", 3), "E{CT06}: ô này không dùng cho chỉ tiêu CT06"),
    ],
)
def test_a_bad_cell_is_named_and_nothing_is_saved(namtanuyen_client, nam_tan_uyen, q2, edit, expected):
    book = filled(namtanuyen_client)
    sheet = book.active
    edit(sheet)
    for code in ("CT06", "CT06.1", "CT01"):
        expected = expected.replace("{" + code + "}", str(row_of(sheet, code)))
    before = state(nam_tan_uyen, q2)
    errors = bad_cells(upload(namtanuyen_client, book))
    assert any(expected in e for e in errors), errors
    assert state(nam_tan_uyen, q2) == before


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda s: s.__setitem__("B2", "buu-dien"),
            "Tệp là của đơn vị “buu-dien”, không phải “kcn-nam-tan-uyen”",
        ),
        (lambda s: s.__setitem__("B4", "2025-q1"), "Tệp là của kỳ “2025-q1”, không phải “2025-q2”"),
        (lambda s: s.__setitem__("D8", "Số người"), "Tiêu đề cột đã bị sửa (ô D8)"),
    ],
)
def test_a_sheet_of_another_unit_or_quarter_or_with_edited_headers_is_refused(
    namtanuyen_client, nam_tan_uyen, q2, edit, expected
):
    book = filled(namtanuyen_client)
    edit(book.active)
    before = state(nam_tan_uyen, q2)
    errors = bad_cells(upload(namtanuyen_client, book))
    assert any(expected in e for e in errors), errors
    assert state(nam_tan_uyen, q2) == before


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bao-cao.xlsx", b"not a spreadsheet at all", "Nội dung tệp không phải là XLSX"),
        ("bao-cao.xlsx", b"MZ\x90\x00" + b"\x00" * 200, "Nội dung tệp không phải là XLSX"),
        ("bao-cao.xlsx", b"", "Tệp rỗng"),
        ("bao-cao.pdf", b"%PDF-1.4\n%%EOF", "Nội dung tệp không phải là XLSX"),
    ],
)
def test_a_file_that_is_not_an_xlsx_is_refused(namtanuyen_client, nam_tan_uyen, q2, name, content, expected):
    before = state(nam_tan_uyen, q2)
    response = namtanuyen_client.post(URL + "upload/", {"file": SimpleUploadedFile(name, content)})
    assert any(expected in e for e in bad_cells(response))
    assert state(nam_tan_uyen, q2) == before


def test_an_oversize_file_is_refused(namtanuyen_client, settings):
    settings.EVIDENCE_MAX_MB = 1
    big = io.BytesIO()
    with zipfile.ZipFile(big, "w") as archive:
        archive.writestr("xl/workbook.xml", "x" * 10)
        archive.writestr("padding.bin", bytes(1_200_000))
    response = namtanuyen_client.post(
        URL + "upload/", {"file": SimpleUploadedFile("bao-cao.xlsx", big.getvalue())}
    )
    assert any("Tệp quá lớn" in e for e in bad_cells(response))


def test_text_that_looks_like_a_formula_is_written_as_text(namtanuyen_client):
    data = good_figures(save="1")
    data[f"t{Target.objects.get(code='CT06').pk}-note"] = '=HYPERLINK("http://x","bấm")'
    namtanuyen_client.post(URL, data)
    sheet = download(namtanuyen_client).active
    cell = sheet[f"M{row_of(sheet, 'CT06')}"]
    assert cell.data_type == "s"
    assert cell.value == '\'=HYPERLINK("http://x","bấm")'
    assert safe_text("+1") == "'+1" and safe_text("-1") == "'-1" and safe_text("@x") == "'@x"
    assert safe_text("Bình thường") == "Bình thường"


def test_a_milestone_reads_yes_no_and_a_date(namtanuyen_client, nam_tan_uyen):
    from targets.entries import targets_for
    from targets.periods import period_for
    from targets.xlsx import read_template

    q4 = period_for(nam_tan_uyen, "2024-q4")
    targets = targets_for(nam_tan_uyen, q4)
    response = namtanuyen_client.get("/reports/kcn-nam-tan-uyen/2024-q4/template.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    row = row_of(sheet, "CT04")
    sheet[f"K{row}"] = "Có"
    sheet[f"L{row}"] = date(2024, 12, 20)
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = read_template(io.BytesIO(buffer.getvalue()), unit=nam_tan_uyen, period=q4, targets=targets)
    entry = parsed.inputs[Target.objects.get(code="CT04").pk]
    assert (entry.done, entry.done_on) == (True, date(2024, 12, 20))


# --- Evidence files -----------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def draft(namtanuyen_client, nam_tan_uyen, q2):
    namtanuyen_client.post(URL, good_figures(save="1"))
    return ProgressReport.objects.get(unit=nam_tan_uyen, period=q2)


def test_an_evidence_file_is_kept_with_its_name(namtanuyen_client, draft):
    namtanuyen_client.post(URL + "files/", {"file": SimpleUploadedFile("ảnh chụp.png", PNG)})
    attachment = Attachment.objects.get(report=draft)
    assert (attachment.name, attachment.kind) == ("ảnh chụp.png", "png")
    response = namtanuyen_client.get(URL + f"files/{attachment.pk}/")
    assert b"".join(response.streaming_content) == PNG


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 100, "Nội dung tệp không phải là"),
        ("ghi-chu.txt", b"chi la van ban", "Nội dung tệp không phải là"),
        ("anh.pdf", PNG, "nhưng nội dung là PNG"),
        ("rong.pdf", b"", "Tệp rỗng"),
    ],
)
def test_a_bad_evidence_file_is_refused_and_nothing_is_stored(
    namtanuyen_client, draft, name, content, expected
):
    response = namtanuyen_client.post(
        URL + "files/", {"file": SimpleUploadedFile(name, content)}, follow=True
    )
    assert expected in response.content.decode()
    assert not Attachment.objects.filter(report=draft).exists()


def test_an_oversize_evidence_file_is_refused(namtanuyen_client, draft, settings):
    settings.EVIDENCE_MAX_MB = 1
    big = b"%PDF-1.4\n" + b"0" * 1_100_000
    response = namtanuyen_client.post(
        URL + "files/", {"file": SimpleUploadedFile("lon.pdf", big)}, follow=True
    )
    assert "Tệp quá lớn" in response.content.decode()
    assert not Attachment.objects.filter(report=draft).exists()
