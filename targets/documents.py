"""Word documents filled from the figures: the implementation-plan template and the periodic report.

Both are rendered with docxtpl from the templates in templates/docx/ (which the
office may edit in Word); the figures come from the same functions as the
dashboards, so a report says exactly what the dashboard says.
"""

import re
from dataclasses import dataclass
from datetime import date
from io import BytesIO

from django.conf import settings
from django.db.models import Sum
from docx.shared import Mm
from docxtpl import DocxTemplate

from config.formatting import format_number, format_percent
from resolutions.terms import congress_for
from resolutions.tracking import plans_status, study_coverage
from targets.dashboard import completeness, league, missing_units, target_lines
from targets.doc_templates import PLAN_TEMPLATE, SUMMARY_TEMPLATE
from targets.entries import unit_scope_targets
from targets.ledger import freshness
from targets.models import Allocation, Period, Target
from targets.progress import State
from units.models import Unit

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def party_date(day: date, place: str | None = None) -> str:
    """ "Thủ Dầu Một, ngày 03 tháng 4 năm 2021": a leading zero for days below 10 and months 1–2."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place or settings.DOC_PLACE}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _symbol(unit: Unit) -> str:
    """The issuer's part of the number: ĐU for a party committee, CB for a cell, ĐUK for the bloc."""
    if unit.kind == Unit.Kind.BLOC:
        return "ĐUK"
    if unit.kind in (Unit.Kind.CHI_BO_CO_SO, Unit.Kind.CHI_BO_TRUC_THUOC):
        return "CB"
    return "ĐU"


def _committee(unit: Unit) -> str:
    if unit.kind == Unit.Kind.BLOC:
        return "BAN THƯỜNG VỤ"
    if unit.kind in (Unit.Kind.CHI_BO_CO_SO, Unit.Kind.CHI_BO_TRUC_THUOC):
        return "CHI BỘ"
    return "ĐẢNG ỦY"


def _issuer_names(unit: Unit) -> dict:
    parent = Unit.objects.get_parent(unit) if unit.depth > 1 else None
    if parent is not None:
        superior = _committee_name(parent.name)
    else:
        congress = congress_for(unit)
        above = congress.parent if congress else None
        superior = _committee_name(above.organisation_name) if above else "Tỉnh ủy"
    issuer = _committee_name(unit.name)
    committee = _committee(unit)
    return {
        "superior_name": superior.upper(),
        "issuer_name": issuer.upper(),
        "issuer_symbol": _symbol(unit),
        "issuer_short": unit.display_name,
        "issuer_committee": ("Ban Thường vụ " if committee != "CHI BỘ" else "") + issuer,
        "signature_on_behalf": f"T/M {committee}",
        "signature_title": "BÍ THƯ",
        "signer_name": "",
        "recipients_below": "Các chi bộ trực thuộc" if unit.numchild else "Các đảng viên trong chi bộ",
        "recipients_above": "Ban Thường vụ Đảng ủy khối" if unit.depth > 1 else "Ban Thường vụ Tỉnh ủy",
    }


def _committee_name(name: str) -> str:
    """Documents are issued by the committee: "Đảng bộ Sở Xây dựng" → "Đảng ủy Sở Xây dựng",
    "Đảng bộ tỉnh Bình Dương" → "Tỉnh ủy Bình Dương"."""
    name = re.sub(r"^Đảng bộ tỉnh ", "Tỉnh ủy ", name)
    return re.sub(r"^Đảng bộ ", "Đảng ủy ", name)


def _render(template_path, context: dict) -> bytes:
    document = DocxTemplate(str(template_path))
    document.render(context, autoescape=True)
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
    for number, target in enumerate(targets, start=1):
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
                "number": number,
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


def plan_template(unit: Unit, today: date) -> bytes:
    congress = congress_for(unit)
    study = next((t for t in unit_scope_targets(unit, congress) if t.fed_by_study), None)
    members = unit.subtree().aggregate(s=Sum("members"))["s"] or 0
    context = {
        **_issuer_names(unit),
        "place_date": f"{settings.DOC_PLACE}, ngày    tháng    năm {today.year}",
        "congress_organisation": congress.organisation_name,
        "congress_ordinal": congress.ordinal_roman,
        "congress_term": congress.term_label,
        "study_target": format_percent(study.value) if study else "100%",
        "members": format_number(members),
        "rows": plan_rows(unit, congress),
        "report_days": settings.REPORT_DEADLINE_DAYS,
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
    title = titles.get(part) or f"kết quả {period.label.lower()}"
    return ReportPeriod(slug, title, period)


def _assessment_text(line) -> tuple[str, str, str]:
    a, target = line.assessment, line.target
    if target.is_count:
        goal = _value_text(target, a.target) if a.target is not None else "–"
        return goal, format_number(a.actual), format_percent(a.percent) if a.percent is not None else "–"
    if line.current.denominator:
        achieved = f"{format_number(line.current.numerator)}/{format_number(line.current.denominator)}"
        return _value_text(target, target.value), achieved, format_percent(a.actual)
    return _value_text(target, target.value), "–", "–"


def summary_context(unit: Unit, spec: ReportPeriod, today: date) -> dict:
    """Every figure of the report, from the dashboard's own functions."""
    congress = spec.as_of.congress
    periods = list(Period.objects.filter(congress=congress).order_by("index"))
    targets = unit_scope_targets(unit, congress)
    lines = target_lines(unit, targets, periods, spec.as_of, congress.unit_id, charts=False)
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
                "status": str(line.assessment.label),
            }
        )
    children, _shown = league(
        unit, [t for t in targets if not t.is_unit_target], periods, spec.as_of, congress.unit_id
    )
    ahead = [r.unit.display_name for r in children if r.state in (State.ACHIEVED, State.ON_TRACK)]
    behind = [r.unit.display_name for r in children if r.state == State.OFF_TRACK]
    done = completeness(unit, spec.as_of)
    missing = missing_units(unit, spec.as_of)
    missing_names = ", ".join(u.name for u in missing)
    plans = plans_status(unit, congress)
    study = study_coverage(unit, congress, spec.as_of.ends_on)
    return {
        **_issuer_names(unit),
        "place_date": party_date(today),
        "report_title": f"{spec.title[0].upper()}{spec.title[1:]} thực hiện Nghị quyết Đại hội đại biểu "
        f"{congress.organisation_name} lần thứ {congress.ordinal_roman}, nhiệm kỳ {congress.term_label}",
        "as_of": spec.as_of.label,
        "rows": rows,
        "ahead_line": (
            f"Các đơn vị đạt hoặc đúng tiến độ ({len(ahead)}): {', '.join(ahead)}."
            if ahead
            else "Chưa có đơn vị nào đạt hoặc đúng tiến độ."
        ),
        "behind_line": (
            f"Các đơn vị chậm tiến độ ({len(behind)}): {', '.join(behind)}."
            if behind
            else "Không có đơn vị chậm tiến độ."
        ),
        "completeness_line": (
            f"{format_number(done.reported)}/{format_number(done.expected)} đơn vị có báo cáo {spec.as_of.label} "
            f"được duyệt (đúng hạn {format_number(done.on_time)}, trễ hạn {format_number(done.late)}); "
            f"{format_number(done.pending)} báo cáo chờ duyệt"
            + (f"; chưa có báo cáo được duyệt: {missing_names}." if missing else ".")
        ),
        "plans_line": (
            f"{format_number(plans.issued)}/{format_number(plans.expected)} đơn vị đã ban hành kế hoạch thực hiện "
            f"Nghị quyết ({format_number(plans.late)} ban hành sau hạn {plans.deadline:%d/%m/%Y})"
            + (f"; chưa ban hành: {', '.join(u.name for u in plans.missing)}." if plans.missing else ".")
        ),
        "study_line": study.sentence(),
        "freshness_line": freshness(unit, congress).sentence(),
    }


def summary_report(unit: Unit, spec: ReportPeriod, today: date) -> bytes:
    context = summary_context(unit, spec, today)
    return _render(SUMMARY_TEMPLATE, context)
