"""Builds the Word templates kept in templates/docx/, in the Party's document format.

The templates are ordinary .docx files with docxtpl (Jinja) tags: the office
can open them in Word, change the wording, fonts or layout, and save them
back without touching code. This module only creates them the first time
(`python manage.py doc_templates`); it never overwrites an edited template
unless told to (--force).

Format (Hướng dẫn 36-HD/VPTW): "ĐẢNG CỘNG SẢN VIỆT NAM" top right, Times New
Roman 15 bold with a rule under it; superior body (14, upper) and issuing body
(14, upper, bold) top left, then "*"; number and symbol (14); place and date in
italics; type of document 16 bold; summary 14 bold; body 14, justified; A4.
No bracketed placeholders: every section holds a sentence the unit can keep
or replace.
"""

from pathlib import Path

from django.conf import settings
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

FONT = "Times New Roman"
TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "docx"
PLAN_TEMPLATE = TEMPLATE_DIR / "ke_hoach_trien_khai.docx"
SUMMARY_TEMPLATE = TEMPLATE_DIR / "bao_cao_so_ket.docx"


def _base_document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    top, bottom, left, right = settings.DOC_MARGINS_MM
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    fonts = normal.element.rPr.rFonts if normal.element.rPr is not None else None
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        normal.element.get_or_add_rPr().append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    normal.paragraph_format.space_after = Pt(3)
    normal.paragraph_format.line_spacing = 1.15
    return doc


def _p(
    container,
    text="",
    *,
    size=14,
    bold=False,
    italic=False,
    underline=False,
    align=None,
    indent=False,
    space_after=None,
):
    paragraph = container.add_paragraph()
    if align is None and indent:
        align = WD_ALIGN_PARAGRAPH.JUSTIFY  # body text is justified
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(10)
    if space_after is not None:
        paragraph.paragraph_format.space_after = Pt(space_after)
    if text:
        run = paragraph.add_run(text)
        run.font.name = FONT
        run.font.size = Pt(size)
        run.bold, run.italic, run.underline = bold, italic, underline
    return paragraph


def _widths(table, widths_mm: list[float]) -> None:
    """Fixed column widths that Word and LibreOffice both honour (grid and cells)."""
    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _header(doc, number_line: str) -> None:
    """Issuing body top left, national Party header top right (36-HD/VPTW)."""
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    # Wider than the text (centred, 5 mm into each margin): the bloc's committee fits on two lines on the
    # left, "ĐẢNG CỘNG SẢN VIỆT NAM" (15 pt bold) and the blank date line on one line each on the right.
    _widths(table, [84, 86])
    left, right = table.rows[0].cells
    left.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = left.paragraphs[0].add_run("{{ superior_name }}")
    run.font.size = Pt(14)
    _p(left, "{{ issuer_name }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _p(left, "*", align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _p(left, number_line, align=WD_ALIGN_PARAGRAPH.CENTER)
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = right.paragraphs[0].add_run("ĐẢNG CỘNG SẢN VIỆT NAM")
    run.font.size, run.bold, run.underline = Pt(15), True, True
    _p(right, "")
    _p(right, "{{ place_date }}", italic=True, align=WD_ALIGN_PARAGRAPH.RIGHT)


def _signature(doc, recipients: list[str]) -> None:
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, [80, 80])
    left, right = table.rows[0].cells
    run = left.paragraphs[0].add_run("Nơi nhận:")
    run.bold, run.italic, run.underline = True, True, True
    run.font.size = Pt(12)
    for line in recipients:
        _p(left, line, size=11, space_after=0)
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = right.paragraphs[0].add_run("{{ signature_on_behalf }}")
    run.bold = True
    run.font.size = Pt(14)
    _p(right, "{{ signature_title }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for _ in range(3):
        _p(right, "")
    _p(right, "{{ signer_name }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)


def _grid(doc, headers: list[str], cells: list[str], widths_mm: list[int]) -> None:
    """A bordered table whose middle row repeats once per item (docxtpl {%tr %} tags)."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for i, header in enumerate(headers):
        cell = table.rows[0].cells[i]
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = cell.paragraphs[0].add_run(header)
        run.bold, run.font.size = True, Pt(12)
    table.rows[1].cells[0].paragraphs[0].add_run("{%tr for row in rows %}")
    for i, text in enumerate(cells):
        run = table.rows[2].cells[i].paragraphs[0].add_run(text)
        run.font.size = Pt(12)
    table.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    _widths(table, widths_mm)


def _optional(doc, name: str, **style) -> None:
    """A paragraph that is left out when the context's value is empty (docxtpl {%p if %} tags)."""
    _p(doc, f"{{%p if {name} %}}")
    _p(doc, f"{{{{ {name} }}}}", **style)
    _p(doc, "{%p endif %}")


def _excerpts(doc, name: str) -> None:
    """The units' own words for one narrative section, each paragraph led by the unit's name."""
    _p(doc, f"{{%p for item in {name} %}}")
    _p(doc, "{{r item.text }}", indent=True)
    _p(doc, "{%p endfor %}")


PLAN_TASKS = [
    (
        "3.1. Về chính trị, tư tưởng:",
        "Thường xuyên nắm bắt tư tưởng của cán bộ, đảng viên, người lao động; đẩy mạnh học tập và làm theo "
        "tư tưởng, đạo đức, phong cách Hồ Chí Minh gắn với nhiệm vụ của {{ issuer_short }}.",
    ),
    (
        "3.2. Về tổ chức, cán bộ và phát triển đảng viên:",
        "Nâng cao chất lượng sinh hoạt chi bộ; quan tâm bồi dưỡng quần chúng ưu tú, phấn đấu hoàn thành "
        "các chỉ tiêu phát triển đảng viên, tổ chức đảng được giao.",
    ),
    (
        "3.3. Về kiểm tra, giám sát và kỷ luật đảng:",
        "Thực hiện chương trình kiểm tra, giám sát hằng năm, trong đó có việc thực hiện Nghị quyết; kịp "
        "thời phát hiện, xử lý vi phạm.",
    ),
    (
        "3.4. Về lãnh đạo thực hiện nhiệm vụ chính trị của đơn vị:",
        "Lãnh đạo {{ issuer_short }} hoàn thành nhiệm vụ chính trị được giao; gắn kết quả thực hiện nhiệm "
        "vụ chính trị với đánh giá, xếp loại tổ chức đảng và đảng viên cuối năm.",
    ),
    (
        "3.5. Về công tác dân vận, lãnh đạo các đoàn thể:",
        "Lãnh đạo công đoàn, đoàn thanh niên và các đoàn thể hoạt động hiệu quả; phát huy vai trò của các "
        "đoàn thể trong giới thiệu quần chúng ưu tú cho Đảng.",
    ),
]


def build_plan_template(path: Path = PLAN_TEMPLATE) -> Path:
    doc = _base_document()
    _header(doc, "Số      -KH/{{ issuer_symbol }}")
    _p(doc, "")
    _p(doc, "KẾ HOẠCH", size=16, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _p(
        doc,
        "triển khai thực hiện Nghị quyết Đại hội đại biểu {{ congress_organisation }} lần thứ {{ congress_ordinal }}, "
        "nhiệm kỳ {{ congress_term }}",
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        space_after=0,
    )
    _p(doc, "-----", align=WD_ALIGN_PARAGRAPH.CENTER)
    _p(
        doc,
        "Căn cứ Nghị quyết Đại hội đại biểu {{ congress_organisation }} lần thứ {{ congress_ordinal }}, nhiệm kỳ "
        "{{ congress_term }};",
        indent=True,
    )
    _optional(doc, "basis_plan", indent=True)
    _p(doc, "{{ issuer_committee }} xây dựng Kế hoạch triển khai thực hiện Nghị quyết như sau:", indent=True)
    _p(doc, "I. MỤC ĐÍCH, YÊU CẦU", bold=True)
    _p(
        doc,
        "1. Tổ chức quán triệt sâu rộng Nghị quyết đến toàn thể cán bộ, đảng viên, người lao động; cụ thể hóa "
        "Nghị quyết gắn với nhiệm vụ chính trị của {{ issuer_short }}.",
        indent=True,
    )
    _p(
        doc,
        "2. Xác định rõ chỉ tiêu, nhiệm vụ, giải pháp, thời gian thực hiện và trách nhiệm của từng tổ chức, "
        "cá nhân; tạo sự thống nhất trong nhận thức và hành động để hoàn thành các chỉ tiêu Nghị quyết đề ra.",
        indent=True,
    )
    _p(doc, "II. NỘI DUNG", bold=True)
    _p(doc, "1. Tổ chức học tập, quán triệt Nghị quyết", bold=True)
    _p(
        doc,
        "Phấn đấu {{ study_target }} đảng viên ({{ members }} đảng viên) được nghiên cứu, học tập, quán triệt "
        "Nghị quyết; đưa Nghị quyết đến từng cán bộ, công nhân lao động. Hình thức: học tập tập trung, kết hợp "
        "trực tuyến khi cần; đảng viên vắng được học bù; mỗi buổi học được ghi nhận để theo dõi kết quả.",
        indent=True,
    )
    _p(doc, "2. Các chỉ tiêu", bold=True)
    _p(
        doc,
        "Chỉ tiêu của Đảng bộ Khối và chỉ tiêu được giao cho {{ issuer_short }} trong nhiệm kỳ:",
        indent=True,
    )
    _grid(
        doc,
        ["STT", "Chỉ tiêu", "Của Đảng bộ Khối", "Giao đơn vị", "Ghi chú"],
        ["{{ row.number }}", "{{ row.title }}", "{{ row.bloc }}", "{{ row.unit }}", "{{ row.note }}"],
        [12, 72, 28, 28, 20],
    )
    _p(doc, "")
    _p(doc, "3. Nhiệm vụ, giải pháp", bold=True)
    for heading, text in PLAN_TASKS:
        _p(doc, heading, italic=True)
        _p(doc, text, indent=True)
    _p(doc, "III. TỔ CHỨC THỰC HIỆN", bold=True)
    _p(doc, "1. Phân công: {{ assignment_line }}", indent=True)
    _p(doc, "2. Chế độ báo cáo: {{ reporting_line }}", indent=True)
    _p(doc, "")
    _signature(doc, ["- {{ recipients_report }},", "- {{ recipients_below }},", "- {{ archive }}."])
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


def build_summary_template(path: Path = SUMMARY_TEMPLATE) -> Path:
    doc = _base_document()
    _header(doc, "Số      -BC/{{ issuer_symbol }}")
    _p(doc, "")
    _p(doc, "BÁO CÁO", size=16, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _p(doc, "{{ report_title }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _p(doc, "-----", align=WD_ALIGN_PARAGRAPH.CENTER)
    _p(doc, "Số liệu tính đến hết {{ as_of }}, chỉ tính các báo cáo đã được duyệt.", italic=True, indent=True)
    _p(doc, "{{ freshness_line }}", italic=True, indent=True)
    _optional(doc, "provisional_line", italic=True, indent=True)
    _p(doc, "I. ĐẶC ĐIỂM TÌNH HÌNH", bold=True)
    _p(doc, "{{ situation_line }}", indent=True)
    _p(doc, "{{ situation_note }}", indent=True)
    _p(doc, "II. KẾT QUẢ THỰC HIỆN", bold=True)
    _p(doc, "1. Công tác học tập, quán triệt Nghị quyết", bold=True)
    _p(doc, "{{ study_line }}", indent=True)
    _optional(doc, "study_source_line", indent=True)
    _p(doc, "2. Kết quả thực hiện các chỉ tiêu", bold=True)
    _grid(
        doc,
        ["STT", "Nội dung chỉ tiêu", "Chỉ tiêu", "Kết quả", "Tỷ lệ", "Đánh giá"],
        [
            "{{ row.number }}",
            "{{ row.title }}",
            "{{ row.target }}",
            "{{ row.achieved }}",
            "{{ row.percent }}",
            "{{ row.status }}",
        ],
        [13, 47, 22, 26, 16, 36],
    )
    _p(doc, "")
    _p(doc, "{%p if target_voices %}")
    _p(doc, "Đánh giá của các đơn vị theo từng chỉ tiêu:", italic=True, indent=True)
    _p(doc, "{%p for t in target_voices %}")
    _p(doc, "{{ t.heading }}", bold=True, indent=True)
    _p(doc, "{%p for line in t.lines %}")
    _p(doc, "{{ line }}", indent=True)
    _p(doc, "{%p endfor %}")
    _p(doc, "{%p endfor %}")
    _p(doc, "{%p endif %}")
    _p(doc, "3. Các đơn vị trực thuộc", bold=True)
    _p(doc, "{%p if units_line %}")
    _p(doc, "{{ units_line }}", indent=True)
    _p(doc, "{%p else %}")
    _p(doc, "{{ ahead_line }}", indent=True)
    _p(doc, "{{ behind_line }}", indent=True)
    _p(doc, "{%p endif %}")
    _p(doc, "4. Công tác báo cáo", bold=True)
    _p(doc, "{{ completeness_line }}", indent=True)
    _p(doc, "5. Ban hành kế hoạch thực hiện Nghị quyết", bold=True)
    _p(doc, "{{ plans_line }}", indent=True)
    _p(doc, "III. ĐÁNH GIÁ CHUNG", bold=True)
    _p(doc, "1. Ưu điểm", italic=True)
    _p(doc, "{{ strengths_line }}", indent=True)
    _excerpts(doc, "achievements")
    _optional(doc, "strengths_note", indent=True)
    _p(doc, "2. Hạn chế, nguyên nhân", italic=True)
    _p(doc, "{{ shortcomings_line }}", indent=True)
    _excerpts(doc, "shortcomings")
    _excerpts(doc, "causes")
    _optional(doc, "shortcomings_note", indent=True)
    _p(doc, "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI", bold=True)
    _p(doc, "{{ next_tasks_line }}", indent=True)
    _excerpts(doc, "next_tasks")
    _p(doc, "V. KIẾN NGHỊ, ĐỀ XUẤT CỦA CÁC ĐƠN VỊ", bold=True)
    _p(doc, "{{ recommendations_line }}", indent=True)
    _excerpts(doc, "recommendations")
    _p(doc, "")
    _signature(doc, ["- {{ recipients_above }} (b/c),", "- {{ recipients_below }},", "- {{ archive }}."])
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path
