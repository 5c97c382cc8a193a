"""A one-page brief for a standing committee meeting: per target the figure, its percentage, the status
or verdict, the trend over the last quarter, and the units furthest behind. Built from the dashboard
(targets.dashboard.build), so it says what the dashboard says; rendered as a printable page and as
a Word document (A4, one page)."""

from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from config.formatting import format_number, format_percent, ratio_percent
from targets.dashboard import Dashboard, TargetLine
from targets.documents import status_text
from targets.progress import WORRYING

# The units named as furthest behind per target: enough to act on, few enough for one page.
BEHIND_SHOWN = 3


@dataclass
class BriefRow:
    line: TargetLine
    figure: str
    percent: str
    status: str
    trend: str
    behind: list[str]


def _figure(line: TargetLine) -> tuple[str, str]:
    a, target = line.assessment, line.target
    if target.is_count:
        goal = format_number(a.target) if a.target is not None else "–"
        return f"{format_number(a.actual)}/{goal}", format_percent(
            a.percent
        ) if a.percent is not None else "–"
    current = line.current
    if not current.denominator:
        return "–", "–"
    return f"{format_number(current.numerator)}/{format_number(current.denominator)}", format_percent(
        a.actual
    )


def _trend(line: TargetLine) -> str:
    """Counts: this quarter's figure beside the previous one's; ratios: the percentage then and now."""
    points = line.points
    if len(points) < 2:
        return "–"
    now, before = points[-1], points[-2]
    if line.target.is_count:
        arrow = "↑" if now.value > before.value else "↓" if now.value < before.value else "→"
        return f"{arrow} +{format_number(now.value)} (quý trước +{format_number(before.value)})"
    was, is_ = (
        ratio_percent(before.numerator, before.denominator),
        ratio_percent(now.numerator, now.denominator),
    )
    if was is None or is_ is None:
        return "–"
    arrow = "↑" if is_ > was else "↓" if is_ < was else "→"
    return f"{arrow} {format_percent(is_)} (quý trước {format_percent(was)})"


def _behind(board: Dashboard, line: TargetLine) -> list[str]:
    """The child units furthest behind on this count target: worrying states, lowest share of quota."""
    cells = []
    for row in board.league:
        cell = row.cells.get(line.target.pk)
        if cell is None or cell.state not in WORRYING or not cell.quota:
            continue
        cells.append((cell.actual / cell.quota, row.unit, cell))
    cells.sort(key=lambda item: item[0])
    return [
        f"{unit.display_name} ({format_number(cell.actual)}/{format_number(cell.quota)})"
        for _share, unit, cell in cells[:BEHIND_SHOWN]
    ]


def brief_rows(board: Dashboard) -> list[BriefRow]:
    rows = []
    for line in board.lines:
        if line.target.is_unit_target:
            continue
        figure, percent = _figure(line)
        rows.append(BriefRow(line, figure, percent, status_text(line), _trend(line), _behind(board, line)))
    return rows


def brief_docx(board: Dashboard, rows: list[BriefRow]) -> bytes:
    """The brief as a Word page: A4 portrait, Times New Roman, one table."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(15)
    section.left_margin, section.right_margin = Mm(20), Mm(12)
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(2)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("TÓM TẮT TÌNH HÌNH THỰC HIỆN CÁC CHỈ TIÊU NGHỊ QUYẾT")
    run.bold, run.font.size = True, Pt(14)
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub.add_run(
        f"{board.unit.name} · tính đến hết {board.period.label} · chỉ tính báo cáo đã duyệt"
    ).italic = True
    c = board.completeness
    doc.add_paragraph(
        f"Báo cáo {board.period.label}: {format_number(c.reported)}/{format_number(c.expected)} đơn vị đã được "
        f"duyệt (trễ hạn {format_number(c.late)}), {format_number(c.pending)} chờ duyệt, "
        f"{format_number(c.missing_total)} chưa có. {board.freshness.sentence()}"
    )
    headers = ["Chỉ tiêu", "Kết quả", "Tỷ lệ", "Đánh giá", "Diễn biến", "Đơn vị chậm nhất"]
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    for row in rows:
        target = row.line.target
        cells = table.add_row().cells
        values = [
            f"{target.code} {target.short_title or target.title}",
            row.figure,
            row.percent,
            row.status,
            row.trend,
            "; ".join(row.behind) or "–",
        ]
        for cell, text in zip(cells, values, strict=True):
            cell.paragraphs[0].add_run(text).font.size = Pt(10)
    widths = [Mm(50), Mm(22), Mm(15), Mm(35), Mm(28), Mm(28)]
    for table_row in table.rows:
        for cell, width in zip(table_row.cells, widths, strict=True):
            cell.width = width
    doc.add_paragraph(f"Nguồn: {settings.SITE_NAME}, bảng tổng quan {board.period.label}.").runs[
        0
    ].italic = True
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
