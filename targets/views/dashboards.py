"""Dashboards of a unit as of a quarter, and their export."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from config.clock import today
from resolutions.terms import terms_of
from resolutions.tracking import settled_study, study_coverage
from targets import ledger
from targets.brief import brief_docx, brief_rows
from targets.confidence import board_voices
from targets.dashboard import build, children_of, league, lines_by_quarter, study_figures
from targets.documents import DOCX_TYPE
from targets.entries import (
    unit_scope_targets,
)
from targets.matrix import by_sector, unit_matrix
from targets.models import Period
from targets.progress import state_legend
from targets.views._common import (
    XLSX_TYPE,
    as_of_period,
    latest_period,
)
from targets.xlsx import build_dashboard_export
from units.access import Action, check, home_units, visible_ancestors
from units.models import Unit

STUDY_ROWS = 15  # the dashboard lists the units least advanced in study; the study page lists all
# The league table and the heat map show this many units below a page (a province has hundreds of
# grassroots organisations): the page's cost depends on the units it shows. The export has them all.
CHILDREN_PAGE = 50
MISSING_NAMES = 100  # names of units without an approved report listed on the page; the count says the rest


def _dashboard_unit(request, code: str | None) -> tuple[Unit, Period]:
    """The unit and the quarter the page is "as of"; a unit the user saw in the tree of that quarter
    (not today's) may be read for it (units.access.can)."""
    if code is None:
        tops = home_units(request.user, Action.VIEW)
        if not tops:
            raise Http404("no unit")
        return tops[0], as_of_period(request, tops[0])
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise Http404("no such unit")
    as_of = as_of_period(request, unit)
    return check(request.user, unit, Action.VIEW, quarter=as_of), as_of


def dashboard(request, code=None):

    unit, as_of = _dashboard_unit(request, code)
    congress = as_of.congress
    sort = request.GET.get("sort", "share")
    descending = request.GET.get("dir") == "desc"
    board = build(unit, as_of, congress.unit_id, sort=sort, descending=descending)
    # Study coverage as of the chosen quarter, on its tree: sessions held after it do not count yet.
    study_total, study = settled_study(unit, as_of, board.children)
    study.sort(key=lambda item: (item[1].percent is None, item[1].percent or 0))
    ancestors = visible_ancestors(request.user, unit)
    other_terms = [
        (c, latest_period(c)) for c in terms_of(unit) if c.pk != congress.pk and c.held_from <= today()
    ]
    matrix_targets = [line.target for line in board.lines if not line.target.is_unit_target]
    active = [c for c in board.children if c.is_active_between(as_of.starts_on, as_of.ends_on)]
    matrix = unit_matrix(active, matrix_targets, as_of, board.league) if active else []
    sectors = by_sector(matrix, matrix_targets)  # over every unit below, not only the page's
    # One page of units for the league table and the heat map, in the league's order.
    order = [row.unit.pk for row in board.league] or [row.unit.pk for row in matrix]
    page = Paginator(order, CHILDREN_PAGE).get_page(request.GET.get("page"))
    on_page = set(page.object_list)
    rows_of = {row.unit.pk: row for row in matrix}
    return render(
        request,
        "targets/dashboard.html",
        {
            "board": board,
            "unit": unit,
            "ancestors": ancestors,
            "other_terms": [(c, p) for c, p in other_terms if p is not None],
            "sort": sort,
            "descending": descending,
            "study": study[:STUDY_ROWS],
            "study_total": study_total,
            "study_figures": study_figures(board.lines, study_total, as_of),
            "voices": board_voices(unit, as_of, board.children),
            "matrix": matrix,
            "matrix_targets": matrix_targets,
            "sectors": sectors,
            "children_page": page,
            "league_page": [row for row in board.league if row.unit.pk in on_page],
            "matrix_page": [rows_of[pk] for pk in page.object_list if pk in rows_of],
            "missing_shown": board.completeness.missing[:MISSING_NAMES],
            "missing_more": max(0, len(board.completeness.missing) - MISSING_NAMES),
            "cell": _cell_facts(unit, congress, as_of) if unit.kind == Unit.Kind.CHI_BO_TRUC_THUOC else None,
            "legend": state_legend(),
            "study_more": max(0, len(study) - STUDY_ROWS),
            "export_url": (
                reverse("targets:dashboard_unit_export", args=[unit.code])
                if code
                else reverse("targets:dashboard_export")
            )
            + f"?as_of={as_of.slug}",
        },
    )


# The latest study sessions a cell's page lists; the study page has them all.
CELL_SESSIONS = 10


def _cell_facts(unit: Unit, congress, as_of) -> dict:
    """A cell (chi bộ trực thuộc) does not report on its own: its members, study sessions and plan,
    and the grassroots organisation whose reports carry its figures."""
    from resolutions.models import PlanDocument, StudySession

    grassroots = (
        Unit.objects.filter(path__in=unit.ancestor_paths()[:-1], kind__in=Unit.GRASSROOTS_KINDS)
        .order_by("-depth")
        .first()
    )
    sessions = list(
        StudySession.objects.filter(
            unit=unit, resolution__congress=congress, held_on__lte=as_of.ends_on
        ).order_by("-held_on")[:CELL_SESSIONS]
    )
    plans = list(PlanDocument.objects.filter(unit=unit, resolution__congress=congress).order_by("-issued_on"))
    return {
        "grassroots": grassroots,
        "sessions": sessions,
        "plans": plans,
        "coverage": study_coverage(unit, congress, until=as_of.ends_on),
    }


def dashboard_export(request, code=None):

    unit, as_of = _dashboard_unit(request, code)
    congress = as_of.congress
    periods = list(Period.objects.filter(congress=congress).order_by("index"))
    # Vietnamese whatever the screen's language: the workbook's headers and words are the office's.
    with translation.override("vi"):
        targets = unit_scope_targets(unit, congress)
        sheets = lines_by_quarter(unit, targets, periods, as_of, congress.unit_id)
        resolution_targets = [t for t in targets if not t.is_unit_target]
        children = [
            c for c in children_of(unit, as_of) if c.is_active_between(as_of.starts_on, as_of.ends_on)
        ]
        rows, _shown, _principal = league(
            unit, resolution_targets, periods, as_of, congress.unit_id, children
        )
        matrix = (as_of, resolution_targets, unit_matrix(children, resolution_targets, as_of, rows))
        content = build_dashboard_export(
            unit=unit,
            sheets=sheets,
            freshness=ledger.freshness(unit, congress).sentence(),
            matrix=matrix if children else None,
        )
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="tong-hop-{unit.code}-{as_of.slug}.xlsx"'
    return response


def brief(request, code=None):
    """A one-page A4 brief for a standing committee meeting; ?format=docx downloads it as Word."""
    unit, as_of = _dashboard_unit(request, code)
    with translation.override("vi"):
        board = build(unit, as_of, as_of.congress.unit_id)
        rows = brief_rows(board)
        if request.GET.get("format") == "docx":
            response = HttpResponse(brief_docx(board, rows), content_type=DOCX_TYPE)
            response["Content-Disposition"] = f'attachment; filename="tom-tat-{unit.code}-{as_of.slug}.docx"'
            return response
    return render(
        request,
        "targets/brief.html",
        {"board": board, "rows": rows, "unit": unit, "ancestors": visible_ancestors(request.user, unit)},
    )
