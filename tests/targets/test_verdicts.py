"""Right words for every figure on the dashboard: verdicts once a period is over, statuses that agree
with their forecast, a league table that says why, and the study figure as of the chosen quarter."""

import math
from decimal import Decimal

import pytest

from config.formatting import format_number
from resolutions.models import StudySession
from targets.dashboard import build, open_reports
from targets.models import DeadlineExtension, Period, ProgressReport, Target
from targets.progress import VERDICTS, WORRYING, State
from targets.services.reports import report_approve
from tests.helpers import DEMO_TODAY
from units.models import Unit

pytestmark = pytest.mark.django_db


def bloc_board(slug):
    bloc = Unit.objects.get(code="duk")
    year, quarter = slug.split("-q")
    period = Period.objects.get(congress__unit=bloc, year=int(year), quarter=int(quarter))
    return build(bloc, period, bloc.pk)


def line_of(board, code):
    return next(x for x in board.lines if x.target.code == code)


def still_open_in_q2_2025():
    """What the demo leaves open in its last quarter: awaiting review, returned, and extended."""
    q2 = Period.objects.get(year=2025, quarter=2)
    sent = ProgressReport.objects.filter(period=q2, status__in=["submitted", "returned"]).count()
    extended = (
        DeadlineExtension.objects.filter(period=q2, until__gte=DEMO_TODAY)
        .exclude(unit__reports__period=q2)
        .count()
    )
    return sent + extended


# --- At and after the end of the term ------------------------------------------------------------


def test_at_the_end_of_the_term_every_target_gets_a_verdict_with_its_shortfall(office_client):
    response = office_client.get("/dashboard/?as_of=2025-q2")
    board = response.context["board"]
    html = response.content.decode()
    for line in board.lines:
        assert line.assessment.state in VERDICTS, (line.target.code, line.assessment.state)
    ct06 = line_of(board, "CT06").assessment
    assert ct06.state == State.MISSED
    assert f"còn thiếu {format_number(1800 - ct06.actual)} đảng viên" in html
    # The forecast column no longer repeats the final figure, and nothing is "needed per quarter".
    assert ct06.forecast is None and ct06.needed_per_quarter is None
    table = html[html.index('id="target-table"') : html.index("</table>", html.index('id="target-table"'))]
    assert "hết kỳ" in table
    for word in ("Có nguy cơ", "Chậm tiến độ", "Đúng tiến độ", "Đã đạt"):
        assert f">{word}</span>" not in table


def test_a_verdict_is_provisional_while_reports_of_the_last_quarter_are_open(office_client):
    html = office_client.get("/dashboard/?as_of=2025-q2").content.decode()
    board = bloc_board("2025-q2")
    expected = still_open_in_q2_2025()
    assert expected > 0
    assert board.provisional == expected
    assert line_of(board, "CT06").assessment.is_provisional
    assert f"Kết quả cuối kỳ còn tạm tính: {expected} báo cáo Quý II/2025" in html
    # A yearly rating judged on 2024 is final: its year closed long ago.
    assert not line_of(board, "CT03").assessment.is_provisional


def test_a_unit_without_children_is_provisional_until_its_report_is_approved(
    vanphong, django_capture_on_commit_callbacks
):
    q2 = Period.objects.get(year=2025, quarter=2)
    report = ProgressReport.objects.filter(period=q2, status="submitted", unit__numchild=0).first()
    unit = report.unit
    assert open_reports(unit, [q2], today=DEMO_TODAY) == {q2.pk: 1}
    with django_capture_on_commit_callbacks(execute=True):  # the ledger settles on commit
        report_approve(unit=unit, period=q2, user=vanphong, expected_version=report.version)
    assert open_reports(unit, [q2], today=DEMO_TODAY) == {q2.pk: 0}
    # Before the quarter's deadline every report not yet approved may still come.
    other = ProgressReport.objects.filter(period=q2, status="draft", unit__numchild=0).first().unit
    assert open_reports(other, [q2], today=q2.deadline) == {q2.pk: 1}
    assert open_reports(other, [q2], today=DEMO_TODAY) == {q2.pk: 0}


def test_a_yearly_target_gets_its_verdict_once_its_year_is_over():
    during = bloc_board("2023-q3")
    year_end = bloc_board("2023-q4")
    ct03 = Target.objects.get(code="CT03")
    assert ct03.scope == Target.Scope.YEARLY
    # Through Q3 the figure is 2022's rating: a verdict on 2022.
    assert line_of(during, "CT03").closing.year == 2022
    assert line_of(during, "CT03").assessment.state in VERDICTS
    # At Q4/2023 the 2023 rating is in: a verdict on 2023; the term's counts are still running.
    assert line_of(year_end, "CT03").closing.year == 2023
    assert line_of(year_end, "CT03").assessment.state in VERDICTS
    assert line_of(year_end, "CT06").assessment.state not in VERDICTS
    assert line_of(year_end, "CT06").closing is None


def test_the_last_quarter_but_one_still_reads_statuses_and_needs_whole_numbers():
    board = bloc_board("2025-q1")
    for code in ("CT05", "CT06", "CT06.1", "CT07"):
        a = line_of(board, code).assessment
        assert a.state not in VERDICTS
        if a.state != State.ACHIEVED:
            # One quarter left: everything missing, in whole members or organisations.
            assert a.needed_per_quarter == math.ceil(a.target - a.actual)
            assert a.needed_per_quarter == a.needed_per_quarter.to_integral_value()


# --- Status and forecast -------------------------------------------------------------------------


def test_no_status_on_the_dashboard_contradicts_its_forecast():
    bloc = Unit.objects.get(code="duk")
    periods = list(Period.objects.filter(congress__unit=bloc).order_by("index"))
    on_track = 0
    for period in periods[:-1]:
        board = build(bloc, period, bloc.pk)
        for line in board.lines:
            a = line.assessment
            if line.target.is_count and a.state == State.ON_TRACK:
                on_track += 1
                assert a.forecast >= a.target, (period.slug, line.target.code)
        for row in board.league:
            for cell in row.cells.values():
                if cell.state == State.ON_TRACK and cell.forecast is not None:
                    assert cell.forecast >= cell.quota, (period.slug, row.unit.code)
    assert on_track > 0


def test_the_dashboard_explains_each_status_with_its_threshold(office_client):
    html = office_client.get("/dashboard/?as_of=2025-q1").content.decode()
    legend = html[html.index('id="state-legend"') : html.index("</details>", html.index('id="state-legend"'))]
    for word in ("Đã đạt", "Đúng tiến độ", "Có nguy cơ", "Chậm tiến độ", "Vượt", "Đạt", "Không đạt"):
        assert word in legend
    assert "80% mức dự kiến" in legend and "5 điểm phần trăm" in legend


# --- League table ---------------------------------------------------------------------------------


def test_the_league_names_its_principal_target_and_why_a_unit_is_behind(office_client):
    response = office_client.get("/dashboard/?as_of=2025-q1&sort=share&dir=desc")
    board = response.context["board"]
    html = response.content.decode()
    assert board.league_principal.code == "CT06"
    assert "% chỉ tiêu chính (CT06)" in html
    behind = [r for r in board.league if r.state in WORRYING]
    assert behind
    for row in behind:
        assert row.reasons, row.unit.code
        assert all(row.cells[t.pk].state == row.state for t in row.reasons)
    # A unit far beyond its principal quota but behind on another target says which one.
    ahead_but_behind = next(r for r in behind if r.share and r.share > 100)
    reason = ahead_but_behind.reasons[0]
    assert reason.pk != board.league_principal.pk
    assert f'<abbr title="{reason.short_title}">{reason.code}</abbr>' in html


# --- Study --------------------------------------------------------------------------------------------


def test_study_coverage_is_computed_as_of_the_chosen_quarter(office_client):
    early = office_client.get("/dashboard/?as_of=2020-q3").context
    late = office_client.get("/dashboard/?as_of=2025-q2").context
    q3_2020 = Period.objects.get(year=2020, quarter=3)
    held_by_then = StudySession.objects.filter(held_on__lte=q3_2020.ends_on).count()
    assert early["study_total"].sessions == held_by_then
    assert late["study_total"].sessions == StudySession.objects.count() > held_by_then
    children_sessions = sum(c.sessions for _u, c in early["study"])
    assert children_sessions <= held_by_then


def test_the_official_study_figure_is_the_study_target_and_the_sessions_are_its_source(office_client):
    response = office_client.get("/dashboard/?as_of=2025-q2")
    figures = response.context["study_figures"]
    html = response.content.decode()
    ct01 = line_of(response.context["board"], "CT01")
    assert (figures.studied, figures.members) == (ct01.current.numerator, ct01.current.denominator)
    assert f"{format_number(ct01.current.numerator)}/{format_number(ct01.current.denominator)}" in html
    assert "Theo các báo cáo đã duyệt (chỉ tiêu CT01)" in html
    assert "Nguồn: các buổi học tập, quán triệt ghi nhận đến hết Quý II/2025" in html
    sessions = response.context["study_total"]
    assert figures.difference == ct01.current.numerator - sessions.studied != 0
    assert f"cao hơn số tính từ các buổi học tập {format_number(abs(figures.difference))} đảng viên" in html


def test_the_study_figures_agree_without_a_difference_sentence():
    from resolutions.tracking import StudyCoverage
    from targets.dashboard import StudyFigures

    line = line_of(bloc_board("2025-q2"), "CT01")
    same = StudyCoverage(
        members=line.current.denominator, studied=line.current.numerator, sessions=3, non_members=0
    )
    figures = StudyFigures(line, same, line.closing)
    assert figures.difference == 0 and figures.difference_sentence() == ""
    assert Decimal(figures.studied) == Decimal(line.current.numerator)
