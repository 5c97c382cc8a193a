"""The quarterly report as an Excel sheet: written pre-filled, read back strictly.

Offices often fill reports in Excel. The sheet carries the unit code, the
quarter and the report version in locked cells; headers and target names are
locked; only the cells a target uses are open, each with a validation (whole
numbers ≥ 0, Có/Không, a date). Reading it back refuses the whole file at the
first sign it is not ours (wrong unit or quarter, edited headers) and
otherwise lists every offending cell ("E10: phải là số nguyên không âm").

Every text the app writes into a workbook goes through `safe_text`, so a note
that starts with = + - @ is stored as text and never runs as a formula; the
reader undoes exactly that (`unsafe_text`), so an unchanged sheet reads back
unchanged.

An uploaded workbook is read within bounds: its zip is checked before it is
unpacked (config.uploads.check_zip), openpyxl streams it (read_only) and only
the rows the template can hold are read, once.
"""

from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet.datavalidation import DataValidation

from config.parsing import ParseError, parse_count, parse_day, parse_yes_no
from config.refusals import FieldError, Refused
from config.uploads import check_zip
from targets.entries import EntryInput, input_fields
from targets.models import Period, Target
from units.models import Unit

SHEET_TITLE = "Bao cao quy"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# (entry field, header) in sheet order, from column D on.
COLUMNS = [
    ("value", "Số lượng trong quý"),
    ("numerator", "Tử số"),
    ("denominator", "Mẫu số"),
    ("rating_excellent", "HT xuất sắc NV"),
    ("rating_good", "HT tốt NV"),
    ("rating_completed", "HT NV"),
    ("rating_not_completed", "Không HT NV"),
    ("done", "Đã đạt (Có/Không)"),
    ("done_on", "Ngày đạt (dd/mm/yyyy)"),
    ("note", "Ghi chú"),
]
FIXED_HEADERS = ["Mã chỉ tiêu", "Chỉ tiêu", "Cách nhập"]
HEADERS = FIXED_HEADERS + [header for _field, header in COLUMNS]
HEADER_ROW = 8
FIRST_ROW = HEADER_ROW + 1
# Below the targets an office may leave blank rows or add a signature block; rows past this
# margin are never read, and a sheet that declares cells beyond it (or beyond column Z) is refused.
ROW_MARGIN = 200
MAX_COLUMN = 26
# A filled report unpacks to under 400 KB even resaved by Excel or LibreOffice (about 40
# targets with notes of 2,000 characters, themes, styles). Within 2 MB, the costliest content
# (a flood of shared strings, styles or cells) still reads in a few seconds; beyond it the file
# is not a filled template, and is refused before openpyxl unpacks anything.
SHEET_MAX_UNZIPPED = 2 * 1_048_576
SHEET_MAX_MEMBERS = 100
COLUMN_OF = {name: get_column_letter(4 + i) for i, (name, _header) in enumerate(COLUMNS)}
META_CELLS = {"unit": "B2", "name": "B3", "period": "B4", "version": "B5"}

GREY = PatternFill("solid", fgColor="E9ECEF")
INPUT = PatternFill("solid", fgColor="FFFDE7")
THIN = Side(style="thin", color="ADB5BD")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _looks_like_formula(text: str) -> bool:
    # Apostrophes first too, so that a note that itself starts with "'=" survives the round trip.
    return text.lstrip("'").startswith(FORMULA_PREFIXES)


def safe_text(value):
    """Text that a spreadsheet shows as written: never a formula."""
    if isinstance(value, str) and _looks_like_formula(value):
        return "'" + value
    return value


def unsafe_text(text: str) -> str:
    """The text `safe_text` was given: the reader's inverse, so a note comes back as it was saved."""
    if text.startswith("'") and _looks_like_formula(text):
        return text[1:]
    return text


def _how_to(target: Target) -> str:
    if target.is_count:
        return "Số nguyên ≥ 0" + (" (không lớn hơn chỉ tiêu cha)" if target.parent_id else "")
    if target.is_ratio and target.from_rating:
        return "Số đảng viên theo 4 mức xếp loại"
    if target.is_ratio:
        return f"Tử số: {target.numerator_label or '…'}; mẫu số: {target.denominator_label or '…'}"
    return "Có/Không và ngày đạt"


def build_template(
    *, unit: Unit, period: Period, targets: list[Target], inputs: dict[int, EntryInput], version: int
) -> bytes:
    """The quarter's sheet, pre-filled with the unit's current figures."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    sheet["A1"] = safe_text(f"BÁO CÁO THỰC HIỆN CHỈ TIÊU NGHỊ QUYẾT – {period.label.upper()}")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells("A1:M1")
    for label, key, value in [
        ("Mã đơn vị", "unit", unit.code),
        ("Đơn vị", "name", unit.name),
        ("Kỳ báo cáo", "period", period.slug),
        ("Phiên bản", "version", version),
    ]:
        row = int(META_CELLS[key][1:])
        sheet.cell(row=row, column=1, value=label).font = Font(bold=True)
        sheet[META_CELLS[key]] = safe_text(value)
    sheet["C4"] = safe_text(period.label)
    sheet["A6"] = (
        "Chỉ điền vào các ô màu vàng. Không sửa tiêu đề, mã đơn vị, kỳ báo cáo và mã chỉ tiêu. "
        "Số lượng là số nguyên không âm (không dùng dấu chấm, dấu phẩy)."
    )
    sheet["A6"].font = Font(italic=True, color="6C757D")
    sheet.merge_cells("A6:M6")

    for col, header in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=col, value=header)
        cell.font = Font(bold=True)
        cell.fill = GREY
        cell.border = BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")

    whole = DataValidation(
        type="whole",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Số không hợp lệ",
        error="Phải là số nguyên không âm.",
    )
    yes_no = DataValidation(
        type="list",
        formula1='"Có,Không"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Giá trị không hợp lệ",
        error="Chọn Có hoặc Không.",
    )
    day = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="36526",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Ngày không hợp lệ",
        error="Nhập ngày dd/mm/yyyy.",
    )
    for validation in (whole, yes_no, day):
        sheet.add_data_validation(validation)

    for offset, target in enumerate(targets):
        row = FIRST_ROW + offset
        entry = inputs.get(target.pk, EntryInput())
        title = ("    " if target.parent_id else "") + target.title
        for col, value in enumerate([target.code, title, _how_to(target)], start=1):
            cell = sheet.cell(row=row, column=col, value=safe_text(value))
            cell.border = BOX
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        used = set(input_fields(target)) | {"note"}
        for name, _header in COLUMNS:
            cell = sheet[f"{COLUMN_OF[name]}{row}"]
            cell.border = BOX
            if name not in used:
                cell.fill = GREY
                continue
            value = getattr(entry, name)
            if name == "done" and value is not None:
                value = "Có" if value else "Không"
            cell.value = safe_text(value)
            cell.fill = INPUT
            cell.protection = Protection(locked=False)
            if name == "done":
                yes_no.add(cell)
            elif name == "done_on":
                cell.number_format = "DD/MM/YYYY"
                day.add(cell)
            elif name != "note":
                whole.add(cell)
            else:
                cell.alignment = Alignment(wrap_text=True, vertical="top")

    widths = [12, 60, 30] + [14] * 9 + [40]
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = f"D{FIRST_ROW}"
    sheet.protection.sheet = True
    sheet.protection.formatCells = False
    sheet.protection.formatColumns = False
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class ParsedSheet:
    inputs: dict[int, EntryInput]
    version: int | None
    errors: list[str]  # "E10: phải là số nguyên không âm", in sheet order
    rows: dict[int, int]  # target id → its row in the sheet

    def cell_of(self, error: FieldError, targets: list[Target]) -> str:
        """Where a rule's error sits in the sheet, e.g. "E10"."""
        target = next((t for t in targets if t.pk == error.target_id), None)
        if target is None or target.pk not in self.rows:
            return "?"
        name = error.field if error.field in COLUMN_OF else input_fields(target)[0]
        return f"{COLUMN_OF[name]}{self.rows[target.pk]}"


class SheetRefused(Refused):
    """The file as a whole is not this unit's sheet for this quarter."""


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _rows(data, last_row: int) -> list[tuple]:
    """The sheet's values, rows 1..last_row and columns A..M, read once as a stream.

    openpyxl's read-only mode parses the sheet's XML row by row; iter_rows stops at last_row,
    so cells placed far below (Z1048576) are never reached.
    """
    check_zip(data, max_unzipped=SHEET_MAX_UNZIPPED, max_members=SHEET_MAX_MEMBERS)
    try:
        book = load_workbook(data, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise SheetRefused(
            _("Không đọc được tệp Excel (%(why)s).") % {"why": exc.__class__.__name__}
        ) from None
    try:
        if not book.worksheets:
            raise SheetRefused(_("Tệp Excel không có trang tính nào."))
        sheet = next((ws for ws in book.worksheets if ws.title == SHEET_TITLE), book.worksheets[0])
        # The size the sheet declares (<dimension>) costs nothing to check; an Excel file states it
        # truthfully, and one that hides it is still read only down to last_row.
        declared_rows, declared_columns = sheet.max_row or 0, sheet.max_column or 0
        if declared_rows > last_row or declared_columns > MAX_COLUMN:
            raise SheetRefused(
                _(
                    "Trang tính có ô đến %(cell)s, vượt phạm vi của mẫu (đến dòng %(rows)s, cột %(column)s); "
                    "hãy xóa các ô ngoài bảng hoặc tải mẫu mới và điền lại."
                )
                % {
                    "cell": f"{get_column_letter(min(max(declared_columns, 1), 16384))}{declared_rows}",
                    "rows": last_row,
                    "column": get_column_letter(MAX_COLUMN),
                }
            )
        try:
            return list(sheet.iter_rows(min_row=1, max_row=last_row, max_col=len(HEADERS), values_only=True))
        except Exception as exc:  # a damaged sheet part surfaces only while it is parsed
            raise SheetRefused(
                _("Không đọc được tệp Excel (%(why)s).") % {"why": exc.__class__.__name__}
            ) from None
    finally:
        book.close()


def _shown(text: str) -> str:
    """A value quoted back in a message: a hostile sheet may hold a megabyte in one cell."""
    return text if len(text) <= 40 else text[:40] + "…"


def _cell(rows: list[tuple], ref: str):
    row, column = coordinate_to_tuple(ref)
    values = rows[row - 1] if row <= len(rows) else ()
    return values[column - 1] if column <= len(values) else None


def read_template(data, *, unit: Unit, period: Period, targets: list[Target]) -> ParsedSheet:
    """Read an uploaded sheet back into figures, or say which cells are wrong."""
    rows = _rows(data, last_row=FIRST_ROW + len(targets) + ROW_MARGIN)
    found_unit = _text(_cell(rows, META_CELLS["unit"]))
    if found_unit != unit.code:
        raise SheetRefused(
            _("Tệp là của đơn vị “%(found)s”, không phải “%(unit)s” (ô %(cell)s).")
            % {"found": _shown(found_unit) or "?", "unit": unit.code, "cell": META_CELLS["unit"]}
        )
    found_period = _text(_cell(rows, META_CELLS["period"]))
    if found_period != period.slug:
        raise SheetRefused(
            _("Tệp là của kỳ “%(found)s”, không phải “%(period)s” (ô %(cell)s).")
            % {"found": _shown(found_period) or "?", "period": period.slug, "cell": META_CELLS["period"]}
        )
    changed_headers = [
        f"{get_column_letter(col)}{HEADER_ROW}"
        for col, header in enumerate(HEADERS, start=1)
        if _text(_cell(rows, f"{get_column_letter(col)}{HEADER_ROW}")) != header
    ]
    if changed_headers:
        raise SheetRefused(
            _("Tiêu đề cột đã bị sửa (ô %(cells)s); hãy tải mẫu mới và điền lại.")
            % {"cells": ", ".join(changed_headers)}
        )
    try:
        version = parse_count(_cell(rows, META_CELLS["version"]))
    except ParseError:
        version = None

    by_code = {t.code: t for t in targets}
    inputs: dict[int, EntryInput] = {}
    found_rows: dict[int, int] = {}
    errors: list[str] = []
    for row in range(FIRST_ROW, len(rows) + 1):
        code = _text(_cell(rows, f"A{row}"))
        if not code:
            continue
        target = by_code.get(code)
        if target is None:
            errors.append(
                f"A{row}: " + _("mã chỉ tiêu “%(code)s” không thuộc báo cáo này") % {"code": _shown(code)}
            )
            continue
        if target.pk in inputs:
            errors.append(f"A{row}: " + _("mã chỉ tiêu “%(code)s” bị lặp") % {"code": code})
            continue
        used = set(input_fields(target))
        entry = EntryInput()
        for name, _header in COLUMNS:
            ref = f"{COLUMN_OF[name]}{row}"
            raw = _cell(rows, ref)
            if name == "note":
                entry.note = unsafe_text(_text(raw))[:2000]
                continue
            if name not in used:
                if _text(raw):
                    errors.append(
                        f"{ref}: "
                        + _("ô này không dùng cho chỉ tiêu %(code)s, hãy để trống") % {"code": code}
                    )
                continue
            try:
                if name == "done":
                    entry.done = parse_yes_no(raw)
                elif name == "done_on":
                    entry.done_on = parse_day(raw)
                else:
                    setattr(entry, name, parse_count(raw))
            except ParseError as exc:
                errors.append(f"{ref}: {exc}")
        inputs[target.pk] = entry.derived(target)
        found_rows[target.pk] = row
    missing = [t.code for t in targets if t.pk not in inputs]
    if missing:
        errors.append(_("Thiếu dòng của chỉ tiêu: %(codes)s") % {"codes": ", ".join(missing)})
    return ParsedSheet(inputs=inputs, version=version, errors=errors, rows=found_rows)


EXPORT_HEADERS = [
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
    # After the columns offices already use: the bloc's own value beside the unit's quota, the
    # quarter's own figure, and a ratio's counts besides its percentage.
    "Chỉ tiêu của khối",
    "Số trong quý",
    "Tử số",
    "Mẫu số",
]
MATRIX_SHEET = "Đơn vị × chỉ tiêu"


def _export_note(line) -> str:
    """Which year a yearly verdict is for, and whether it is still provisional."""
    from targets.progress import provisional_words

    a = line.assessment
    notes = []
    if a.is_verdict and line.target.scope == Target.Scope.YEARLY and line.closing is not None:
        notes.append(f"kết quả năm {line.closing.year}")
    if a.is_provisional:
        notes.append(provisional_words(a.provisional))
    return "; ".join(notes)


def build_dashboard_export(*, unit: Unit, sheets: list, freshness: str = "", matrix=None) -> bytes:
    """One sheet per quarter: the unit's targets as the dashboard shows them, numbers as numbers;
    under the title, how settled the figures are (targets.ledger.Freshness.sentence).

    Like the Word documents, the workbook is a working file of the office: its
    headers are Vietnamese, so the caller builds it with Vietnamese active."""
    book = Workbook()
    book.remove(book.active)
    for period, lines in sheets:
        sheet = book.create_sheet(title=period.slug)
        sheet["A1"] = safe_text(f"{unit.name} – {period.label}")
        sheet["A1"].font = Font(bold=True, size=13)
        sheet["A2"] = safe_text(freshness)
        sheet["A2"].font = Font(italic=True)
        for col, header in enumerate(EXPORT_HEADERS, start=1):
            cell = sheet.cell(row=3, column=col, value=header)
            cell.font = Font(bold=True)
            cell.fill = GREY
            cell.border = BOX
        for row, line in enumerate(lines, start=4):
            a = line.assessment
            target = line.target
            actual = a.actual
            if target.is_count:
                values = [
                    a.target,
                    actual,
                    a.percent,
                    a.expected,
                    str(a.label),
                    a.forecast,
                    a.needed_per_quarter,
                ]
            else:
                values = [target.value, actual, actual, None, str(a.label), None, None]
            values += [line.shortfall, _export_note(line)]
            current = line.current
            values += [
                target.value,
                current.value if target.is_count else None,
                None if target.is_count else current.numerator,
                None if target.is_count else current.denominator,
            ]
            cells = [target.code, ("    " if target.parent_id else "") + target.title] + [
                float(v) if isinstance(v, Decimal) else v for v in values
            ]
            for col, value in enumerate(cells, start=1):
                cell = sheet.cell(row=row, column=col, value=safe_text(value))
                cell.border = BOX
                if isinstance(value, float):
                    cell.number_format = "#,##0.0" if col == 5 else "#,##0"
        for col, width in enumerate([12, 70, 16, 14, 12, 16, 18, 20, 16, 40, 40, 16, 14, 12, 12], start=1):
            sheet.column_dimensions[get_column_letter(col)].width = width
        sheet.freeze_panes = "C4"
    if matrix is not None:
        _matrix_sheet(book, unit, *matrix)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _matrix_sheet(book, unit: Unit, period, targets: list, rows: list) -> None:
    """The units directly below × the targets as of the quarter (targets.matrix): counts as the
    cumulative figure, the quarter's own, the quota, its percentage and the status; ratios as
    numerator, denominator, percentage and status."""
    from targets.progress import STATE_LABELS

    sheet = book.create_sheet(title=MATRIX_SHEET)
    sheet["A1"] = safe_text(f"{unit.name} – các đơn vị trực thuộc – {period.label}")
    sheet["A1"].font = Font(bold=True, size=13)
    headers = ["Đơn vị", "Khối/ngành"]
    for target in targets:
        if target.is_count:
            parts = ["lũy kế", "trong quý", "chỉ tiêu giao", "% chỉ tiêu", "trạng thái"]
        else:
            parts = ["tử số", "mẫu số", "tỷ lệ (%)", "trạng thái"]
        headers += [f"{target.code} {part}" for part in parts]
    for col, header in enumerate(headers, start=1):
        cell = sheet.cell(row=3, column=col, value=header)
        cell.font = Font(bold=True)
        cell.fill = GREY
        cell.border = BOX
    for r, row in enumerate(rows, start=4):
        values = [row.unit.name, row.unit.get_sector_display() if row.unit.sector else ""]
        for target in targets:
            c = row.cells[target.pk]
            percent = float(c.percent) if c.percent is not None else None
            if target.is_count:
                values += [c.figure, c.quarter, float(c.quota) if c.quota else None, percent]
            else:
                values += [c.figure if c.denominator else None, c.denominator or None, percent]
            values.append(str(STATE_LABELS[c.state]))
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=col, value=safe_text(value))
            cell.border = BOX
            if isinstance(value, float):
                cell.number_format = "#,##0.0"
    sheet.column_dimensions["A"].width = 45
    sheet.freeze_panes = "C4"
