"""A clerk fills the quarter's report in the browser: strict about bad input, nothing half-saved."""

import pytest

from targets.entries import targets_for
from targets.models import Entry, Period, ProgressReport, Target
from tests.helpers import URL, field, good_figures, state
from units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def nam_tan_uyen():
    return Unit.objects.get(code="kcn-nam-tan-uyen")


@pytest.fixture
def q2():
    return Period.objects.get(congress__unit__code="duk", year=2025, quarter=2)


def test_the_demo_leaves_q2_2025_open_for_nam_tan_uyen(namtanuyen_client):
    html = namtanuyen_client.get(URL).content.decode()
    assert "Báo cáo Quý II/2025" in html
    assert "Chưa bắt đầu" in html
    assert 'name="submit"' in html
    # Every target that concerns the unit this quarter, with its quota and the total so far.
    for code in ("CT01", "CT05", "CT06", "CT06.1", "CT07"):
        assert f">{code} ·" in html or f"{code} ·" in html
    assert "Chỉ tiêu giao cả nhiệm kỳ:" in html
    assert "Lũy kế đã duyệt đến quý trước:" in html


def test_year_end_targets_appear_only_in_the_fourth_quarter(nam_tan_uyen, q2):
    q4 = Period.objects.get(congress=q2.congress, year=2024, quarter=4)
    assert "CT03" not in {t.code for t in targets_for(nam_tan_uyen, q2)}
    assert {"CT02", "CT03", "CT04", "CT08"} <= {t.code for t in targets_for(nam_tan_uyen, q4)}


def test_a_unit_without_a_quota_does_not_report_that_count(q2):
    agency = Unit.objects.get(code="so-xay-dung")
    codes = {t.code for t in targets_for(agency, q2)}
    assert "CT06" in codes
    assert "CT05" not in codes and "CT06.1" not in codes


def test_saving_a_draft_keeps_every_figure_and_the_history(namtanuyen_client, nam_tan_uyen, q2):
    response = namtanuyen_client.post(URL, good_figures(save="1"))
    assert response.status_code == 302
    report = ProgressReport.objects.get(unit=nam_tan_uyen, period=q2)
    assert (report.status, report.version) == ("draft", 1)
    figures = {e.target.code: e for e in report.entries.select_related("target")}
    assert figures["CT06"].value == 5
    assert figures["CT06"].note == "Kết nạp tại 2 chi bộ"
    assert (figures["CT01"].numerator, figures["CT01"].denominator) == (142, 142)
    page = namtanuyen_client.get(URL).content.decode()
    assert "Tạo báo cáo" in page and "Bí thư Đảng ủy KCN Nam Tân Uyên" in page


@pytest.mark.parametrize(
    ("overrides", "field_name", "message"),
    [
        ({"CT06:value": "năm"}, "CT06:value", "Phải là số nguyên không âm"),
        ({"CT06:value": "-3"}, "CT06:value", "Phải là số nguyên không âm"),
        ({"CT06:value": "2.5"}, "CT06:value", "Phải là số nguyên không âm"),
        ({"CT06:value": "1.800"}, "CT06:value", "Phải là số nguyên không âm"),
        ({"CT06:value": "900000"}, "CT06:value", "quá lớn: đơn vị chỉ có"),
        ({"CT01:numerator": "150"}, "CT01:numerator", "tử số (150) không được lớn hơn mẫu số (142)"),
        ({"CT01:denominator": "0", "CT01:numerator": "0"}, "CT01:denominator", "mẫu số phải lớn hơn 0"),
        ({"CT01:denominator": ""}, "CT01:denominator", "cần nhập cả tử số và mẫu số"),
        ({"CT06.1:value": "6"}, "CT06.1:value", "không được lớn hơn chỉ tiêu cha CT06 (5)"),
    ],
)
def test_bad_input_is_answered_next_to_its_field_and_nothing_is_saved(
    namtanuyen_client, nam_tan_uyen, q2, overrides, field_name, message
):
    before = state(nam_tan_uyen, q2)
    data = good_figures(save="1")
    for key, value in overrides.items():
        code, name = key.split(":")
        data[field(code, name)] = value
    response = namtanuyen_client.post(URL, data)
    assert response.status_code == 200
    form = response.context["form"]
    code, name = field_name.split(":")
    assert any(message in error for error in form.errors[field(code, name)]), form.errors
    html = response.content.decode()
    assert "chưa lưu gì" in html  # the summary at the top
    assert state(nam_tan_uyen, q2) == before


def test_submitting_needs_every_figure(namtanuyen_client, nam_tan_uyen, q2):
    data = good_figures(submit="1")
    data[field("CT07", "value")] = ""
    response = namtanuyen_client.post(URL, data)
    assert "chưa gửi được" in response.content.decode()
    report = ProgressReport.objects.get(unit=nam_tan_uyen, period=q2)
    assert report.status == "draft"  # saved as a draft, not sent


def test_submitting_sends_the_report_and_locks_it_for_the_clerk(namtanuyen_client, nam_tan_uyen, q2):
    namtanuyen_client.post(URL, good_figures(submit="1"))
    report = ProgressReport.objects.get(unit=nam_tan_uyen, period=q2)
    assert report.status == "submitted"
    assert not report.late  # past 15/07/2025 but within the extension in force: on time
    before = state(nam_tan_uyen, q2)
    response = namtanuyen_client.post(URL, good_figures(save="1", version=str(report.version)))
    assert "đang chờ Văn phòng duyệt" in response.content.decode()
    assert state(nam_tan_uyen, q2) == before


def test_a_second_save_from_a_stale_page_is_refused_showing_what_changed(
    namtanuyen_client, nam_tan_uyen, q2, client, django_user_model
):
    namtanuyen_client.post(URL, good_figures(save="1"))  # version 1
    # A clerk of the same unit opens the page at version 1 and saves 7 new members.
    from units.models import Membership

    clerk = django_user_model.objects.create_user("clerk-ntu", password="x", first_name="Cán bộ đảng vụ")
    Membership.objects.create(user=clerk, unit=nam_tan_uyen, role=Membership.Role.UNIT_CLERK)
    client.force_login(clerk)
    client.post(URL, good_figures(save="1", version="1", **{field("CT06", "value"): "7"}))
    # The secretary, still on version 1, saves 6: refused, nothing overwritten, the change is shown.
    response = namtanuyen_client.post(
        URL, good_figures(save="1", version="1", **{field("CT06", "value"): "6"})
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Cán bộ đảng vụ" in html
    assert "Số lượng trong quý: 5 → <strong>7</strong>" in html
    assert Entry.objects.get(report__unit=nam_tan_uyen, report__period=q2, target__code="CT06").value == 7
    # Saving again from the refreshed form overwrites knowingly.
    version = response.context["form"].data["version"]
    namtanuyen_client.post(URL, good_figures(save="1", version=str(version), **{field("CT06", "value"): "6"}))
    assert Entry.objects.get(report__unit=nam_tan_uyen, report__period=q2, target__code="CT06").value == 6


def test_the_history_shows_who_changed_what_from_what(namtanuyen_client, nam_tan_uyen, q2):
    namtanuyen_client.post(URL, good_figures(save="1"))
    namtanuyen_client.post(URL, good_figures(save="1", version="1", **{field("CT06", "value"): "8"}))
    html = namtanuyen_client.get(URL).content.decode()
    assert "CT06 · Số lượng trong quý: 5 → 8" in html
    assert "Lưu số liệu" in html


def test_a_field_of_a_target_the_unit_does_not_report_is_ignored(namtanuyen_client, nam_tan_uyen, q2):
    other = Target.objects.get(code="CT03")  # year-end: not in a Q2 report
    namtanuyen_client.post(URL, good_figures(save="1", **{f"t{other.pk}-rating_good": "99"}))
    assert not Entry.objects.filter(report__unit=nam_tan_uyen, report__period=q2, target=other).exists()


def test_a_standing_committee_member_reads_but_cannot_save(standing_client, nam_tan_uyen, q2):
    page = standing_client.get(URL)
    assert page.status_code == 200
    assert 'name="submit"' not in page.content.decode()
    assert standing_client.post(URL, good_figures(save="1")).status_code == 403
    assert not ProgressReport.objects.filter(unit=nam_tan_uyen, period=q2).exists()


def test_an_invalid_quarter_in_the_url_is_not_found(namtanuyen_client):
    assert namtanuyen_client.get("/reports/kcn-nam-tan-uyen/2025-q5/").status_code == 404
    assert namtanuyen_client.get("/reports/kcn-nam-tan-uyen/2030-q1/").status_code == 404
