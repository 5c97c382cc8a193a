""" "Gắn với ngành, đơn vị mình": units carry targets of their own sector."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from config.refusals import Refused
from targets.entries import targets_for
from targets.models import Entry, Period, Rollup, Target, TargetProposal
from targets.rollup import rollup_full
from targets.services.proposals import ProposalInput, target_proposal_approve, target_propose
from units.models import Unit

pytestmark = pytest.mark.django_db

SXD = "/units/so-xay-dung/targets/"


def proposal_data(**overrides):
    data = {
        "title": "Số công trình được cấp phép xây dựng trực tuyến",
        "measure": "flow",
        "comparison": "at_least",
        "scope": "term",
        "value": "120",
        "unit_label": "công trình",
        "reason": "Theo kế hoạch của Sở",
    }
    data.update(overrides)
    return data


def test_the_demo_gives_both_units_sector_targets_with_progress_and_a_pending_proposal():
    for code, prefix in (("so-xay-dung", "SXD-"), ("buu-dien", "BD-")):
        own = Target.objects.filter(owner_unit__code=code)
        assert 2 <= own.count() <= 3
        assert all(t.code.startswith(prefix) and t.serves.code == "P02" for t in own)
        last = Entry.objects.filter(target__in=own, report__status="approved").order_by(
            "-report__period__index"
        )
        assert last.first().report.period.label == "Quý I/2025"
    pending = TargetProposal.objects.get(status="pending")
    assert pending.unit.code == "buu-dien" and pending.proposed_by.username == "buudien"
    provincial = Target.objects.get(code="P02")
    assert provincial.resolution.congress.ordinal == 11


def test_a_secretary_proposes_and_the_office_approves(soxaydung_client, office_client):
    response = soxaydung_client.post(SXD, proposal_data(value="120"))
    assert response.status_code == 302
    proposal = TargetProposal.objects.get(title="Số công trình được cấp phép xây dựng trực tuyến")
    assert proposal.status == "pending" and not Target.objects.filter(title=proposal.title).exists()
    office_client.post(f"{SXD}proposals/{proposal.pk}/", {"decision": "approve", "review_comment": "Đồng ý"})
    target = Target.objects.get(title=proposal.title)
    assert (target.owner_unit.code, target.value, target.code) == ("so-xay-dung", Decimal(120), "SXD-04")
    assert target.resolution.congress.ordinal == 7


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"measure": "ratio", "value": "120"}, "value", "Chỉ tiêu tỷ lệ phải từ 0 đến 100%"),
        ({"value": "-5"}, "value", "Giá trị phải là một số không âm"),
        ({"value": "+5"}, "value", "Giá trị phải là một số không âm"),
        ({"value": "١٢"}, "value", "Giá trị phải là một số không âm"),
        ({"value": "1_000"}, "value", "Giá trị phải là một số không âm"),
        ({"first_year": "２０２３"}, "first_year", "Năm phải là số có 4 chữ số"),
        ({"first_year": "+2023"}, "first_year", "Năm phải là số có 4 chữ số"),
        ({"value": "12,5"}, "value", "Chỉ tiêu số lượng phải là số nguyên không âm"),
        ({"value": "mười"}, "value", "Giá trị phải là một số"),
        ({"first_year": "2019", "last_year": "2021"}, "first_year", "Năm phải nằm trong nhiệm kỳ 2020–2025"),
        ({"first_year": "2024", "last_year": "2026"}, "last_year", "Năm phải nằm trong nhiệm kỳ 2020–2025"),
        (
            {"first_year": "2024", "last_year": "2022"},
            "last_year",
            "Năm kết thúc không được trước năm bắt đầu",
        ),
        ({"title": "  "}, "title", "Cần ghi nội dung chỉ tiêu"),
    ],
)
def test_a_proposal_of_the_wrong_kind_is_refused_and_nothing_saved(
    soxaydung_client, overrides, field, message
):
    before = TargetProposal.objects.count()
    response = soxaydung_client.post(SXD, proposal_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in e for e in errors.get(field, []) + errors.get("__all__", [])), errors
    assert "chưa lưu gì" in response.content.decode()
    assert TargetProposal.objects.count() == before


def test_a_unit_target_cannot_serve_a_target_of_another_unit(soxaydung_client):
    other = Target.objects.get(code="BD-01")
    response = soxaydung_client.post(SXD, proposal_data(serves=str(other.pk)))
    assert "serves" in response.context["form"].errors


def test_only_the_units_own_people_propose_and_only_the_office_approves(
    buudien_client, standing_client, office_client, soxaydung_client
):
    assert buudien_client.post(SXD, proposal_data()).status_code == 404
    assert buudien_client.get(SXD).status_code == 404
    assert standing_client.post(SXD, proposal_data()).status_code == 403
    assert office_client.post(SXD, proposal_data()).status_code == 403
    assert not TargetProposal.objects.filter(title=proposal_data()["title"]).exists()
    pending = TargetProposal.objects.get(status="pending")  # buu-dien's
    url = f"/units/buu-dien/targets/proposals/{pending.pk}/"
    assert buudien_client.post(url, {"decision": "approve"}).status_code == 403
    assert soxaydung_client.get(url).status_code == 404
    assert standing_client.get(url).status_code == 200
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_returning_a_proposal_needs_a_comment(office_client):
    pending = TargetProposal.objects.get(status="pending")
    url = f"/units/buu-dien/targets/proposals/{pending.pk}/"
    office_client.post(url, {"decision": "return", "review_comment": ""})
    pending.refresh_from_db()
    assert pending.status == "pending"
    office_client.post(url, {"decision": "return", "review_comment": "Chưa rõ nguồn số liệu"})
    pending.refresh_from_db()
    assert (pending.status, pending.review_comment) == ("returned", "Chưa rõ nguồn số liệu")


def test_an_approved_target_changes_only_through_a_new_proposal_and_history_keeps_both(
    soxaydung, vanphong, soxaydung_client
):
    target = Target.objects.get(code="SXD-01")
    old_value = target.value
    page = soxaydung_client.get(f"{SXD}?change={target.pk}")
    assert page.context["form"].initial["value"] == old_value
    proposal = target_propose(
        unit=target.owner_unit,
        user=soxaydung,
        target=target,
        data=ProposalInput(title=target.title, measure="flow", value=Decimal(50), unit_label="đồ án"),
    )
    target.refresh_from_db()
    assert target.value == old_value  # nothing changes before approval
    with pytest.raises(Refused):  # one pending change at a time
        target_propose(
            unit=target.owner_unit,
            user=soxaydung,
            target=target,
            data=ProposalInput(title=target.title, measure="flow", value=Decimal(60)),
        )
    target_proposal_approve(proposal=proposal, user=vanphong)
    target.refresh_from_db()
    assert target.value == 50
    values = list(target.history.order_by("history_date").values_list("value", flat=True))
    assert values[0] == old_value and values[-1] == 50
    detail = soxaydung_client.get(f"{SXD}proposals/{proposal.pk}/").content.decode()
    assert "Lịch sử chỉ tiêu SXD-01" in detail


def test_unit_targets_appear_in_the_units_report_form_and_template_only(soxaydung_client, buudien_client):
    sxd, bd = Unit.objects.get(code="so-xay-dung"), Unit.objects.get(code="buu-dien")
    q1 = Period.objects.get(congress__unit__code="duk", year=2025, quarter=1)
    assert {"SXD-01", "SXD-02"} <= {t.code for t in targets_for(sxd, q1)}
    assert not any(t.code.startswith("SXD") for t in targets_for(bd, q1))
    assert not any(
        t.code.startswith("SXD") for t in targets_for(Unit.objects.get(code="kcn-nam-tan-uyen"), q1)
    )
    # Its cells may feed it.
    cell = Unit.objects.filter(path__startswith=sxd.path, depth=sxd.depth + 1).first()
    assert "SXD-01" in {t.code for t in targets_for(cell, q1)}
    sheet = load_workbook(
        io.BytesIO(soxaydung_client.get("/reports/so-xay-dung/2025-q1/template.xlsx").content)
    ).active
    codes = {sheet.cell(row=r, column=1).value for r in range(9, sheet.max_row + 1)}
    assert {"SXD-01", "SXD-02", "CT06"} <= codes
    html = soxaydung_client.get("/reports/so-xay-dung/2025-q1/").content.decode()
    assert "SXD-02 · Tỷ lệ hồ sơ cấp giấy phép xây dựng" in html


def test_the_units_dashboard_shows_its_own_targets_with_status(soxaydung_client, buudien_client):
    board = soxaydung_client.get("/dashboard/so-xay-dung/?as_of=2025-q1").context["board"]
    own = {line.target.code: line for line in board.lines if line.target.is_unit_target}
    assert set(own) == {"SXD-01", "SXD-02", "SXD-03"}
    assert own["SXD-01"].goal.value == 40
    assert own["SXD-01"].assessment.actual > 0
    assert own["SXD-02"].current.denominator > 0
    other = buudien_client.get("/dashboard/buu-dien/?as_of=2025-q1").context["board"]
    assert not any(line.target.code.startswith("SXD") for line in other.lines)
    export = load_workbook(
        io.BytesIO(soxaydung_client.get("/dashboard/so-xay-dung/export.xlsx?as_of=2025-q1").content)
    )
    assert "SXD-01" in {c.value for c in export["2025-q1"]["A"]}


def test_a_unit_target_never_changes_a_bloc_or_sibling_figure():
    congress = Unit.objects.get(code="duk").congresses.get(ordinal=7)
    bloc_rows = sorted(
        Rollup.objects.filter(unit__code__in=["duk", "buu-dien"]).values_list(
            "unit_id", "target_id", "period_id", "cumulative", "numerator", "denominator"
        )
    )
    # More figures for a unit target, in an approved report, then a full rebuild.
    entry = Entry.objects.filter(target__code="SXD-01", report__status="approved").first()
    entry.value += 25
    entry.save()
    rollup_full(congress)
    assert (
        sorted(
            Rollup.objects.filter(unit__code__in=["duk", "buu-dien"]).values_list(
                "unit_id", "target_id", "period_id", "cumulative", "numerator", "denominator"
            )
        )
        == bloc_rows
    )
    assert not Rollup.objects.filter(unit__code="duk", target__owner_unit__isnull=False).exists()
    assert Rollup.objects.filter(unit__code="so-xay-dung", target__code="SXD-01").exists()


def test_the_office_sees_per_unit_counts_and_what_serves_a_target(office_client, standing_client):
    response = office_client.get("/unit-targets/")
    html = response.content.decode()
    assert "Đảng bộ Sở Xây dựng" in html and "Đảng bộ Bưu điện tỉnh Bình Dương" in html
    assert "3 chỉ tiêu riêng" in html
    assert "Đề xuất chờ duyệt (1)" in html
    p02 = Target.objects.get(code="P02")
    filtered = standing_client.get(f"/unit-targets/?serves={p02.pk}")
    rows = filtered.context["rows"]
    assert {t.code for row in rows for t, _ in row["targets"]} == {
        "SXD-01",
        "SXD-02",
        "SXD-03",
        "BD-01",
        "BD-02",
        "BD-03",
    }
    assert "Đề xuất chờ duyệt" not in filtered.content.decode()  # the standing committee reviews nothing
    assert standing_client.get("/unit-targets/?serves=99999").status_code == 404
    assert standing_client.get("/unit-targets/?serves=abc").status_code == 404


def test_the_resolution_page_shows_the_chain_province_bloc_units(office_client, buudien_client):
    html = office_client.get("/resolution/").content.decode()
    assert "Chuỗi chỉ tiêu: tỉnh → khối → đơn vị" in html
    chain = html[html.index('id="target-chain"') :]
    assert chain.index("P01") < chain.index("CT06")
    assert chain.index("P02") < chain.index("SXD-01") and "BD-03" in chain
    # A secretary sees the chain through their own unit only.
    own = buudien_client.get("/resolution/").content.decode()
    assert "BD-01" in own and "SXD-01" not in own


def test_a_proposal_for_a_ratio_may_be_approved_and_reported(soxaydung, vanphong):
    unit = Unit.objects.get(code="so-xay-dung")
    proposal = target_propose(
        unit=unit,
        user=soxaydung,
        data=ProposalInput(
            title="Tỷ lệ cán bộ được tập huấn BIM",
            measure="ratio",
            value=Decimal("90.5"),
            numerator_label="Số cán bộ đã tập huấn",
            denominator_label="Tổng số cán bộ",
            first_year=2023,
            last_year=2025,
        ),
    )
    target = target_proposal_approve(proposal=proposal, user=vanphong)
    q1_2022 = Period.objects.get(congress=target.resolution.congress, year=2022, quarter=1)
    q1_2024 = Period.objects.get(congress=target.resolution.congress, year=2024, quarter=1)
    assert target not in targets_for(unit, q1_2022)  # outside the years it covers
    assert target in targets_for(unit, q1_2024)


def test_a_new_count_target_of_a_unit_with_cells_reads_no_data_until_a_figure_is_approved(
    soxaydung, vanphong
):
    """Roll-up rows exist for every quarter (zeros included): that alone is not data."""
    from targets.dashboard import own_target_states
    from targets.progress import State

    unit = Unit.objects.get(code="so-xay-dung")
    assert unit.rolls_up  # it has cells, so its own targets are read from roll-up rows
    proposal = target_propose(unit=unit, user=soxaydung, data=ProposalInput(**_count_input()))
    target = target_proposal_approve(proposal=proposal, user=vanphong)
    rollup_full(target.resolution.congress)
    periods = list(Period.objects.filter(congress=target.resolution.congress).order_by("index"))
    as_of = next(p for p in periods if (p.year, p.quarter) == (2025, 1))
    assert Rollup.objects.filter(target=target, unit=unit, period=as_of).exists()
    target = Target.objects.select_related("owner_unit").get(pk=target.pk)
    assert own_target_states([target], as_of, periods)[target.pk].state == State.NO_DATA
    # The unit's other own targets, reported since 2023, do have data.
    reported = Target.objects.select_related("owner_unit").filter(owner_unit=unit).exclude(pk=target.pk)
    states = own_target_states(list(reported), as_of, periods)
    assert states and all(s.state != State.NO_DATA for s in states.values())


def _count_input():
    return dict(
        title="Số hồ sơ cấp phép trực tuyến",
        measure="flow",
        value=Decimal(120),
        unit_label="hồ sơ",
        first_year=2023,
        last_year=2025,
    )
