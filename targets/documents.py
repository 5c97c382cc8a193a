"""Word documents filled from the figures: the implementation-plan template and the periodic report.

Both are rendered with docxtpl from the templates in templates/docx/ (which the
office may edit in Word); the figures come from the same functions as the
dashboards, so a report says exactly what the dashboard says. Party documents
are always in Vietnamese, with Vietnamese numbers, whatever language the
person who downloads them reads the site in: everything is built and rendered
with Vietnamese active. docs/documents.md describes the format.
"""

import re
from dataclasses import dataclass
from datetime import date
from io import BytesIO

from django.conf import settings
from django.db.models import Sum
from django.utils import translation
from docx.shared import Mm
from docxtpl import DocxTemplate, RichText

from config.formatting import format_number, format_percent, roman
from resolutions.models import PlanDocument
from resolutions.terms import congress_for
from resolutions.tracking import plans_status, study_coverage
from targets.confidence import SENT, TargetVoices, voices
from targets.dashboard import (
    TargetLine,
    completeness,
    league,
    missing_units,
    study_figures,
    target_lines,
)
from targets.doc_templates import PLAN_TEMPLATE, SUMMARY_TEMPLATE
from targets.entries import unit_scope_targets
from targets.ledger import freshness
from targets.models import Allocation, Period, ProgressReport, Target
from targets.progress import WORRYING, State
from units.models import Unit

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCUMENT_LANGUAGE = "vi"
CELLS = (Unit.Kind.CHI_BO_CO_SO, Unit.Kind.CHI_BO_TRUC_THUOC)
# Điều lệ Đảng: a cell of nine members or more elects a cell committee (chi ủy); a smaller one
# only a secretary, so its documents are issued by the cell itself. Unit.members counts
# probationary members too, so this is an approximation the office can correct in Word.
CELL_COMMITTEE_MEMBERS = 9


def party_date(day: date, place: str | None = None) -> str:
    """ "Thủ Dầu Một, ngày 03 tháng 4 năm 2021": a leading zero for days below 10 and months 1–2."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place or settings.DOC_PLACE}, ngày {day.day:02d} tháng {month} năm {day.year}"


def blank_date(place: str | None = None) -> str:
    """The date line left for the signer: "Thủ Dầu Một, ngày … tháng … năm …"."""
    return f"{place or settings.DOC_PLACE}, ngày … tháng … năm …"


def quarter_words(period: Period) -> str:
    """ "quý II/2025": the quarter in upper-case Roman numerals, whatever the case of the sentence."""
    return f"quý {roman(period.quarter)}/{period.year}"


# --- Names of the issuing body ---------------------------------------------------------------------


def _committee_name(name: str) -> str:
    """Documents are issued by the committee: "Đảng bộ Sở Xây dựng" → "Đảng ủy Sở Xây dựng",
    "Đảng bộ tỉnh Bình Dương" → "Tỉnh ủy Bình Dương"."""
    name = re.sub(r"^Đảng bộ tỉnh ", "Tỉnh ủy ", name)
    return re.sub(r"^Đảng bộ ", "Đảng ủy ", name)


def _organisation_name(name: str) -> str:
    """The party organisation a committee leads: "Đảng ủy Khu công nghiệp X" → "Đảng bộ Khu công
    nghiệp X", "Tỉnh ủy Bình Dương" → "Đảng bộ tỉnh Bình Dương"."""
    name = re.sub(r"^Tỉnh ủy ", "Đảng bộ tỉnh ", name)
    return re.sub(r"^Đảng ủy ", "Đảng bộ ", name)


def _province(unit: Unit) -> str | None:
    """ "tỉnh Bình Dương", from the organisation above the unit's congress ("Đảng bộ tỉnh Bình Dương")."""
    congress = congress_for(unit)
    above = congress.parent if congress else None
    match = re.match(r"^Đảng bộ ((?:tỉnh|thành phố) .+)$", above.organisation_name) if above else None
    return match[1] if match else None


def _within_province(name: str, province: str | None) -> str:
    """Inside the province, "tỉnh" stands for it: "… doanh nghiệp tỉnh Bình Dương" → "… doanh nghiệp tỉnh"
    (36-HD/VPTW's examples name "HUYỆN ỦY ĐỊNH HÓA" under "ĐẢNG BỘ TỈNH THÁI NGUYÊN")."""
    if not province:
        return name
    word = "thành phố" if province.startswith("thành phố") else "tỉnh"
    return re.sub(rf"\s{re.escape(province)}$", f" {word}", name)


def _issuing_body(unit: Unit, province: str | None) -> tuple[str, str]:
    """(the body named in the text, the signature's "T/M …") for a unit's documents."""
    name = _within_province(unit.name, province)
    if unit.kind in CELLS:
        if unit.members >= CELL_COMMITTEE_MEMBERS:
            return f"Chi ủy {name}", "T/M CHI ỦY"
        return name, "T/M CHI BỘ"
    committee = _committee_name(name)
    if unit.has_standing_committee:
        return f"Ban Thường vụ {committee}", "T/M BAN THƯỜNG VỤ"
    return committee, "T/M ĐẢNG ỦY"


def _symbol(unit: Unit) -> str:
    """The issuer's part of the number: ĐU for a party committee, CB for a cell, ĐUK for the bloc."""
    if unit.kind == Unit.Kind.BLOC:
        return "ĐUK"
    if unit.kind in CELLS:
        return "CB"
    return "ĐU"


def _units_below(unit: Unit) -> str:
    """Who receives the document below the issuer, by the kinds of units directly under it."""
    kinds = set(
        Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).values_list("kind", flat=True)
    )
    if not kinds:
        return "Các đảng viên trong chi bộ" if unit.kind in CELLS else "Các đảng viên"
    if kinds & set(Unit.GRASSROOTS_KINDS):
        return "Các đảng bộ, chi bộ cơ sở trực thuộc"
    if kinds == {Unit.Kind.CHI_BO_TRUC_THUOC}:
        return "Các chi bộ trực thuộc"
    if kinds == {Unit.Kind.DANG_BO_BO_PHAN}:
        return "Các đảng bộ bộ phận trực thuộc"
    return "Các đảng bộ bộ phận, chi bộ trực thuộc"


def _issuer_names(unit: Unit) -> dict:
    """The header, signature and recipients of a unit's documents (36-HD/VPTW, docs/documents.md).

    Top left: the superior named as a party organisation ("ĐẢNG BỘ TỈNH BÌNH
    DƯƠNG" above the bloc, "ĐẢNG BỘ KHỐI … TỈNH" above a unit), then the
    issuing committee ("ĐẢNG ỦY SỞ XÂY DỰNG"; a cell names itself). The body
    named in the text and the signature follow whether the unit has a standing
    committee.
    """
    province = _province(unit)
    parent = Unit.objects.get_parent(unit) if unit.depth > 1 else None
    if parent is not None:
        superior = _organisation_name(_within_province(parent.name, province))
        superior_body, _sign = _issuing_body(parent, province)
    else:
        congress = congress_for(unit)
        above = congress.parent if congress else None
        superior = above.organisation_name if above else "Đảng bộ tỉnh"
        superior_body = f"Ban Thường vụ {_committee_name(superior)}" if above else "Ban Thường vụ Tỉnh ủy"
    name = _within_province(unit.name, province)
    issuer = name if unit.kind in CELLS else _committee_name(name)
    body, on_behalf = _issuing_body(unit, province)
    return {
        "superior_name": superior.upper(),
        "issuer_name": issuer.upper(),
        "issuer_symbol": _symbol(unit),
        "issuer_short": unit.display_name,
        "issuer_committee": body,
        "signature_on_behalf": on_behalf,
        "signature_title": "BÍ THƯ",
        "signer_name": "",
        "recipients_above": superior_body,
        "recipients_below": _units_below(unit),
        "place_date": blank_date(),
        "archive": "Lưu chi bộ" if unit.kind in CELLS else "Lưu Văn phòng",
        "_parent": parent,
        "_province": province,
    }


def _render(template_path, context: dict) -> bytes:
    """Fill a template with Vietnamese active.

    Every render also sets each section to A4 and to the margins of
    DOC_MARGINS_MM, so margins changed in the template in Word are overridden
    (docs/documents.md).
    """
    with translation.override(DOCUMENT_LANGUAGE):
        document = DocxTemplate(str(template_path))
        document.render({k: v for k, v in context.items() if not k.startswith("_")}, autoescape=True)
    top, bottom, left, right = settings.DOC_MARGINS_MM
    for section in document.docx.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
        section.left_margin, section.right_margin = Mm(left), Mm(right)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _value_text(target: Target, value) -> str:
    if value is None:
        return "–"
    if target.is_percent:
        return (
            "≥ " if target.comparison == Target.Comparison.AT_LEAST and value < 100 else ""
        ) + format_percent(value)
    return format_number(value) + (f" {target.unit_label}" if target.unit_label else "")


# --- Implementation-plan template -----------------------------------------------------------


def plan_rows(unit: Unit, congress) -> list[dict]:
    """The bloc's targets with this unit's quotas, then the unit's own targets."""
    targets = unit_scope_targets(unit, congress)
    quotas = {
        a.target_id: a.value
        for a in Allocation.objects.filter(unit=unit, target__in=targets, year__isnull=True)
    }
    rows = []
    for target in targets:
        if target.is_unit_target:
            if target.owner_unit_id != unit.pk:
                continue
            bloc, own = "–", _value_text(target, target.value)
            note = "Chỉ tiêu riêng của đơn vị"
        else:
            bloc = _value_text(target, target.value)
            if target.is_count:
                own = _value_text(target, quotas[target.pk]) if target.pk in quotas else "–"
            else:
                own = _value_text(target, target.value)
            note = "Hằng năm" if target.scope == Target.Scope.YEARLY else ""
        rows.append(
            {
                "title": ("– " if target.parent_id else "") + target.title,
                "bloc": bloc,
                "unit": own,
                "note": note,
                "code": target.code,
            }
        )
    for i, row in enumerate(rows, start=1):
        row["number"] = i
    return rows


def _basis_plan(unit: Unit, parent: Unit | None, congress, names: dict) -> str:
    """ "Căn cứ Kế hoạch số 15-KH/ĐUK ngày 01/9/2020 của …": the plan of the level above, from the
    plan registry when it is registered, else with its number and date left blank; none for the
    organisation whose congress adopted the resolution."""
    if parent is None or congress is None or congress.unit_id == unit.pk:
        return ""
    above = PlanDocument.objects.filter(unit=parent, resolution__congress=congress).first()
    number = above.number if above else f"…-KH/{_symbol(parent)}"
    day = f"{above.issued_on.day:02d}/{above.issued_on.month}/{above.issued_on.year}" if above else "…"
    return (
        f"Căn cứ Kế hoạch số {number} ngày {day} của {names['recipients_above']} "
        "về triển khai thực hiện Nghị quyết;"
    )


def _reporting_line(unit: Unit, parent: Unit | None) -> str:
    days = settings.REPORT_DEADLINE_DAYS
    if parent is None:
        return (
            f"Các tổ chức cơ sở đảng trực thuộc báo cáo tiến độ thực hiện hằng quý về Văn phòng Đảng ủy Khối "
            f"chậm nhất {days} ngày sau khi kết thúc quý; Văn phòng tổng hợp, báo cáo Ban Thường vụ; "
            "sơ kết, tổng kết theo hướng dẫn."
        )
    receiver = (
        "Văn phòng Đảng ủy Khối" if parent.kind == Unit.Kind.BLOC else f"{_committee_name(parent.name)}"
    )
    return (
        f"Báo cáo tiến độ thực hiện hằng quý gửi {receiver} chậm nhất {days} ngày sau khi kết thúc quý; "
        "báo cáo sơ kết, tổng kết theo hướng dẫn."
    )


def _assignment_line(unit: Unit, names: dict) -> str:
    on_behalf = names["signature_on_behalf"]
    if on_behalf == "T/M CHI BỘ":
        return (
            "Đồng chí Bí thư chi bộ chịu trách nhiệm chung; phân công đảng viên theo dõi, đôn đốc từng chỉ "
            "tiêu và báo cáo kết quả tại các kỳ sinh hoạt chi bộ."
        )
    members = {
        "T/M CHI ỦY": "các đồng chí chi ủy viên",
        "T/M BAN THƯỜNG VỤ": "các đồng chí ủy viên Ban Thường vụ",
    }.get(on_behalf, "các đồng chí đảng ủy viên")
    return (
        f"Đồng chí Bí thư chịu trách nhiệm chung; {members} chỉ đạo thực hiện theo lĩnh vực được phân công; "
        "kết quả được báo cáo tại các kỳ họp thường kỳ."
    )


def plan_template(unit: Unit, today: date) -> bytes:
    with translation.override(DOCUMENT_LANGUAGE):
        congress = congress_for(unit)
        study = next((t for t in unit_scope_targets(unit, congress) if t.fed_by_study), None)
        members = unit.subtree().aggregate(s=Sum("members"))["s"] or 0
        names = _issuer_names(unit)
        parent = names["_parent"]
        context = {
            **names,
            "congress_organisation": congress.organisation_name,
            "congress_ordinal": congress.ordinal_roman,
            "congress_term": congress.term_label,
            "basis_plan": _basis_plan(unit, parent, congress, names),
            "study_target": format_percent(study.value) if study else "100%",
            "members": format_number(members),
            "rows": plan_rows(unit, congress),
            "assignment_line": _assignment_line(unit, names),
            "reporting_line": _reporting_line(unit, parent),
            # The bloc's own plan reports to the level above; a unit's to the bloc or its own superior.
            "recipients_report": f"{names['recipients_above']} (b/c)",
        }
        return _render(PLAN_TEMPLATE, context)


# --- The periodic report ----------------------------------------------------------------------

PERIOD_SPEC = re.compile(r"(?:(?P<year>[0-9]{4})(?:-(?P<part>q[1-4]|h1|9m))?|(?P<word>midterm|term))")


@dataclass(frozen=True)
class ReportPeriod:
    slug: str
    title: str  # "quý II/2023", "6 tháng đầu năm 2023", …
    as_of: Period


def report_period(congress, slug: str) -> ReportPeriod | None:
    """2023-q2, 2023-h1, 2023-9m, 2023, midterm or term → the quarter the report counts up to."""
    match = PERIOD_SPEC.fullmatch(slug or "")
    if not match:
        return None
    periods = list(Period.objects.filter(congress=congress).order_by("index"))
    if not periods:
        return None
    if match["word"] == "term":
        return ReportPeriod(slug, f"tổng kết nhiệm kỳ {congress.term_label}", periods[-1])
    if match["word"] == "midterm":
        middle = periods[len(periods) // 2 - 1]
        return ReportPeriod(slug, f"sơ kết giữa nhiệm kỳ {congress.term_label}", middle)
    year = int(match["year"])
    part = match["part"]
    quarter = {"q1": 1, "q2": 2, "q3": 3, "q4": 4, "h1": 2, "9m": 3, None: 4}[part]
    period = next((p for p in periods if p.year == year and p.quarter == quarter), None)
    if period is None:
        return None
    titles = {
        "h1": f"sơ kết 6 tháng đầu năm {year}",
        "9m": f"kết quả 9 tháng năm {year}",
        None: f"tổng kết năm {year}",
    }
    title = titles.get(part) or f"kết quả {quarter_words(period)}"
    return ReportPeriod(slug, title, period)


def status_text(line: TargetLine) -> str:
    """The assessment column: the status or verdict, what is missing, and whether it is provisional."""
    a = line.assessment
    word = str(a.label)
    if a.is_verdict and line.target.scope == Target.Scope.YEARLY and line.closing is not None:
        word += f" (năm {line.closing.year})"
    parts = [word]
    if (a.is_verdict or a.state in WORRYING) and line.shortfall:
        parts.append(line.shortfall)
    text = ", ".join(parts)
    if a.is_provisional:
        text += " (tạm tính)"  # how many reports are still open is said once, above the table
    return text


def _assessment_text(line) -> tuple[str, str, str]:
    a, target = line.assessment, line.target
    if target.is_count:
        goal = _value_text(target, a.target) if a.target is not None else "–"
        return goal, format_number(a.actual), format_percent(a.percent) if a.percent is not None else "–"
    if line.current.denominator:
        achieved = f"{format_number(line.current.numerator)}/{format_number(line.current.denominator)}"
        return _value_text(target, target.value), achieved, format_percent(a.actual)
    return _value_text(target, target.value), "–", "–"


def _situation_line(unit: Unit, expected: int, members: int, spec: ReportPeriod) -> str:
    """How large the organisation is: the grassroots organisations expected to report, or its cells."""
    as_of = quarter_words(spec.as_of)
    if not unit.rolls_up:
        return f"Đến hết {as_of}, {unit.name} có {format_number(members)} đảng viên."
    if unit.is_grassroots:
        cells = Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).count()
        return (
            f"Đến hết {as_of}, {unit.name} có {format_number(cells)} chi bộ trực thuộc với "
            f"{format_number(members)} đảng viên."
        )
    return (
        f"Đến hết {as_of}, {unit.name} có {format_number(expected)} tổ chức cơ sở đảng với "
        f"{format_number(members)} đảng viên."
    )


def _codes(lines: list[TargetLine], with_shortfall: bool = False) -> str:
    parts = []
    for line in lines:
        text = line.target.code
        if with_shortfall and line.shortfall:
            text += f" ({line.shortfall})"
        parts.append(text)
    return ", ".join(parts)


GOOD_STATES = (State.EXCEEDED, State.MET, State.ACHIEVED, State.ON_TRACK)


def _strengths_line(lines: list[TargetLine], finished: bool) -> str:
    good = [x for x in lines if x.assessment.state in GOOD_STATES]
    judged = [x for x in lines if x.assessment.state != State.NO_TARGET]
    verb = "đạt hoặc vượt" if finished else "đã đạt, vượt hoặc đúng tiến độ"
    if not good:
        return f"Chưa có chỉ tiêu nào {verb} (trong {len(judged)} chỉ tiêu)."
    return f"{len(good)}/{len(judged)} chỉ tiêu {verb}: {_codes(good)}."


def _shortcomings_line(lines: list[TargetLine], finished: bool) -> str:
    bad = [x for x in lines if x.assessment.state in WORRYING]
    if not bad:
        return "Không có chỉ tiêu nào không đạt, chậm tiến độ hoặc có nguy cơ không đạt."
    parts = []
    for line in bad:
        words = [str(line.assessment.label).lower()] + ([line.shortfall] if line.shortfall else [])
        parts.append(f"{line.target.code} ({', '.join(words)})")
    what = "không đạt" if finished else "chưa đạt yêu cầu"
    return f"{len(bad)} chỉ tiêu {what}: {'; '.join(parts)}."


def _next_tasks_line(lines: list[TargetLine], finished: bool, missing: int, provisional: int) -> str:
    bad = [x for x in lines if x.assessment.state in WORRYING]
    sentences = []
    if provisional:
        sentences.append(
            f"Hoàn thành việc duyệt, tổng hợp {format_number(provisional)} báo cáo còn chờ duyệt hoặc còn hạn "
            "gửi để chốt kết quả cuối kỳ."
        )
    if finished:
        if bad:
            sentences.append(
                f"Đánh giá nguyên nhân các chỉ tiêu không đạt ({_codes(bad)}) để rút kinh nghiệm khi xây dựng "
                "chỉ tiêu của kỳ tiếp theo."
            )
    else:
        counts = [x for x in bad if x.target.is_count and x.assessment.needed_per_quarter]
        if bad:
            sentences.append(
                "Tập trung lãnh đạo, chỉ đạo các chỉ tiêu chậm tiến độ, có nguy cơ không đạt: "
                + ", ".join(
                    f"{x.target.code} (cần thêm {format_number(x.assessment.needed_per_quarter)} "
                    f"{x.target.unit_label} mỗi quý)".replace("  ", " ")
                    if x in counts
                    else x.target.code
                    for x in bad
                )
                + "."
            )
    if missing:
        sentences.append(
            f"Đôn đốc {format_number(missing)} tổ chức cơ sở đảng chưa có báo cáo được duyệt hoàn thành báo cáo."
        )
    if not sentences:
        sentences.append("Tiếp tục duy trì, phát huy kết quả các chỉ tiêu đã đạt.")
    return " ".join(sentences)


# A unit's section is quoted whole up to this length; the office edits the draft in Word anyway.
EXCERPT_MAX = 3000


def _excerpt(text: str, limit: int = EXCERPT_MAX) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _named(unit: Unit, text: str, pending: bool = False) -> list[RichText]:
    """A unit's words as paragraphs (one per line it wrote: justified text and line breaks do not
    mix in Word), the first led by the unit's name in bold."""
    lines = [line.strip() for line in _excerpt(text).splitlines() if line.strip()]
    out = []
    for number, line in enumerate(lines):
        rich = RichText()
        if number == 0:
            rich.add(unit.name + (" (báo cáo chờ duyệt)" if pending else "") + ": ", bold=True)
        rich.add(line)
        out.append(rich)
    return out


def narrative_excerpts(unit: Unit, period: Period) -> dict[str, list[dict]]:
    """Per narrative section, the words of every report sent in the subtree for the quarter, by unit."""
    reports = (
        ProgressReport.objects.filter(period=period, status__in=SENT, unit__path__startswith=unit.path)
        .select_related("unit")
        .order_by("unit__path")
    )
    out: dict[str, list[dict]] = {name: [] for name in ProgressReport.NARRATIVE_FIELDS}
    for report in reports:
        pending = report.status != ProgressReport.Status.APPROVED
        for name in ProgressReport.NARRATIVE_FIELDS:
            text = getattr(report, name).strip()
            if text:
                out[name] += [
                    {"text": rich, "unit": report.unit.name} for rich in _named(report.unit, text, pending)
                ]
    return out


def _voice_lines(voice: TargetVoices) -> list[str]:
    """The units' confidence grouped (on track, at risk, unlikely, each with reasons), then their notes."""
    lines = []
    for _value, label, said in voice.grouped():
        names = "; ".join(s.unit.name + (f" ({s.reason})" if s.reason else "") for s in said)
        lines.append(f"Đơn vị tự đánh giá “{label}” ({format_number(len(said))}): {names}.")
    for s in voice.said:
        if s.note.strip():
            lines.append(f"{s.unit.name}: {_excerpt(s.note, 1000)}")
    return lines


def _target_voices(lines: list[TargetLine], rows: list[dict], said: dict[int, TargetVoices]) -> list[dict]:
    out = []
    for line, row in zip(lines, rows, strict=True):
        voice = said.get(line.target.pk)
        if voice is None or not voice.said:
            continue
        figures = f"{row['achieved']}/{row['target']}"
        if row["percent"] != "–":
            figures += f" ({row['percent']})"
        out.append(
            {
                "heading": f"{line.target.code} · {line.target.short_title or line.target.title}: {figures}; "
                f"{row['status']}.",
                "lines": _voice_lines(voice),
            }
        )
    return out


def summary_context(unit: Unit, spec: ReportPeriod, today: date) -> dict:
    """Every figure of the report, from the dashboard's own functions, in Vietnamese."""
    with translation.override(DOCUMENT_LANGUAGE):
        return _summary_context(unit, spec)


def _summary_context(unit: Unit, spec: ReportPeriod) -> dict:
    congress = spec.as_of.congress
    periods = list(Period.objects.filter(congress=congress).order_by("index"))
    targets = unit_scope_targets(unit, congress)
    lines = target_lines(unit, targets, periods, spec.as_of, congress.unit_id, charts=False)
    finished = spec.as_of.index >= len(periods)
    rows = []
    for number, line in enumerate(lines, start=1):
        goal, achieved, percent = _assessment_text(line)
        rows.append(
            {
                "number": number,
                "code": line.target.code,
                "title": ("– " if line.target.parent_id else "") + line.target.title,
                "target": goal,
                "achieved": achieved,
                "percent": percent,
                "status": status_text(line),
            }
        )
    children, _shown, _principal = league(
        unit, [t for t in targets if not t.is_unit_target], periods, spec.as_of, congress.unit_id
    )
    ahead_states = (State.EXCEEDED, State.MET, State.ACHIEVED, State.ON_TRACK)
    ahead = [r.unit.display_name for r in children if r.state in ahead_states]
    behind = [
        f"{r.unit.display_name} ({', '.join(t.code for t in r.reasons)})"
        for r in children
        if r.state in (State.OFF_TRACK, State.MISSED)
    ]
    done = completeness(unit, spec.as_of)
    missing = missing_units(unit, spec.as_of)
    missing_names = ", ".join(u.name for u in missing)
    plans = plans_status(unit, congress)
    study = study_figures(lines, study_coverage(unit, congress, spec.as_of.ends_on), spec.as_of)
    provisional = max((x.assessment.provisional for x in lines if x.closing == spec.as_of), default=0)
    members = unit.subtree().aggregate(s=Sum("members"))["s"] or 0
    as_of = quarter_words(spec.as_of)
    names = _issuer_names(unit)
    excerpts = narrative_excerpts(unit, spec.as_of)
    target_voices = _target_voices(lines, rows, voices(unit, spec.as_of))
    return {
        **names,
        **excerpts,
        "target_voices": target_voices,
        "recommendations_line": (
            f"Tổng hợp kiến nghị, đề xuất của {format_number(len(excerpts['recommendations']))} đơn vị trong "
            f"báo cáo {as_of}:"
            if excerpts["recommendations"]
            else f"Các đơn vị không có kiến nghị, đề xuất trong báo cáo {as_of}."
        ),
        "report_title": f"{spec.title[0].upper()}{spec.title[1:]} thực hiện Nghị quyết Đại hội đại biểu "
        f"{congress.organisation_name} lần thứ {congress.ordinal_roman}, nhiệm kỳ {congress.term_label}",
        "as_of": as_of,
        "provisional_line": (
            f"Kết quả cuối kỳ còn tạm tính: {format_number(provisional)} báo cáo {as_of} còn chờ duyệt hoặc còn "
            "hạn gửi; các kết quả ghi “tạm tính” có thể thay đổi."
            if provisional
            else ""
        ),
        "rows": rows,
        "situation_line": _situation_line(unit, done.expected, members, spec),
        "situation_note": "Những thuận lợi, khó khăn của đơn vị trong kỳ không được nêu trong báo cáo này.",
        "units_line": (
            ""
            if children
            else (
                "Các tổ chức đảng trực thuộc không được giao chỉ tiêu riêng; kết quả được tính chung cho "
                f"{unit.name}."
                if unit.rolls_up
                else "Đơn vị không có tổ chức đảng trực thuộc."
            )
        ),
        "ahead_line": (
            f"Các đơn vị {'đạt hoặc vượt' if finished else 'đã đạt hoặc đúng tiến độ'} các chỉ tiêu được giao "
            f"({len(ahead)}): {', '.join(ahead)}."
            if ahead
            else f"Chưa có đơn vị nào {'đạt' if finished else 'đạt hoặc đúng tiến độ'} các chỉ tiêu được giao."
        ),
        "behind_line": (
            f"Các đơn vị {'không đạt chỉ tiêu được giao' if finished else 'chậm tiến độ'} ({len(behind)}; trong "
            f"ngoặc là chỉ tiêu {'chưa đạt' if finished else 'chậm tiến độ'}): {', '.join(behind)}."
            if behind
            else f"Không có đơn vị {'không đạt chỉ tiêu được giao' if finished else 'chậm tiến độ'}."
        ),
        "completeness_line": (
            f"{format_number(done.reported)}/{format_number(done.expected)} đơn vị có báo cáo {as_of} "
            f"được duyệt (đúng hạn {format_number(done.on_time)}, trễ hạn {format_number(done.late)}); "
            f"{format_number(done.pending)} báo cáo chờ duyệt"
            + (f"; chưa có báo cáo được duyệt: {missing_names}." if missing else ".")
        ),
        "plans_line": (
            f"{format_number(plans.issued)}/{format_number(plans.expected)} đơn vị đã ban hành kế hoạch thực hiện "
            f"Nghị quyết ({format_number(plans.late)} ban hành sau hạn {plans.deadline:%d/%m/%Y})"
            + (f"; chưa ban hành: {', '.join(u.name for u in plans.missing)}." if plans.missing else ".")
        ),
        "study_line": study.official_sentence(),
        "study_source_line": " ".join(
            s for s in (study.source_sentence() if study.line else "", study.difference_sentence()) if s
        ),
        "strengths_line": _strengths_line(lines, finished),
        "strengths_note": ""
        if excerpts["achievements"]
        else "Các ưu điểm khác trong lãnh đạo, chỉ đạo không được nêu trong báo cáo này.",
        "shortcomings_line": _shortcomings_line(lines, finished),
        "shortcomings_note": ""
        if excerpts["causes"]
        else "Nguyên nhân của các hạn chế không được nêu trong báo cáo này.",
        "next_tasks_line": _next_tasks_line(lines, finished, len(missing), provisional),
        "freshness_line": freshness(unit, congress).sentence(),
    }


def summary_report(unit: Unit, spec: ReportPeriod, today: date) -> bytes:
    context = summary_context(unit, spec, today)
    return _render(SUMMARY_TEMPLATE, context)
