"""The bloc office reviews: approve, return with a comment, reopen a quarter after its deadline."""

from datetime import timedelta

import pytest
from django.utils import timezone

from targets.models import DeadlineExtension, Entry, Period, ProgressReport, Target
from tests.helpers import URL, good_figures, state
from units.models import Membership, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def q2():
    return Period.objects.get(congress__unit__code="duk", year=2025, quarter=2)


@pytest.fixture
def submitted(namtanuyen_client, q2):
    namtanuyen_client.post(URL, good_figures(submit="1"))
    report = ProgressReport.objects.get(unit__code="kcn-nam-tan-uyen", period=q2)
    assert report.status == "submitted"
    return report


def test_the_review_queue_lists_submitted_reports_oldest_first(office_client, submitted):
    response = office_client.get("/reports/")
    queue = response.context["queue"]
    assert submitted in queue
    assert [r.submitted_at for r in queue] == sorted(r.submitted_at for r in queue)
    assert all(r.status == "submitted" for r in queue)


def test_returning_needs_a_comment(office_client, submitted):
    office_client.post(URL + "review/", {"decision": "return", "comment": "  ", "version": submitted.version})
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_a_returned_report_goes_back_to_the_clerk_with_the_comment(
    office_client, namtanuyen_client, submitted
):
    office_client.post(
        URL + "review/",
        {"decision": "return", "comment": "Kiểm tra lại số kết nạp CT06", "version": submitted.version},
    )
    submitted.refresh_from_db()
    assert submitted.status == "returned"
    page = namtanuyen_client.get(URL).content.decode()
    assert "Kiểm tra lại số kết nạp CT06" in page
    assert 'name="submit"' in page
    namtanuyen_client.post(
        URL,
        good_figures(
            submit="1",
            version=str(submitted.version),
            **{f"t{Target.objects.get(code='CT06').pk}-value": "6"},
        ),
    )
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert Entry.objects.get(report=submitted, target__code="CT06").value == 6


def test_an_approved_report_is_read_only_for_everyone(office_client, namtanuyen_client, submitted):
    office_client.post(URL + "review/", {"decision": "approve", "comment": "", "version": submitted.version})
    submitted.refresh_from_db()
    assert submitted.status == "approved"
    page = namtanuyen_client.get(URL).content.decode()
    assert "Báo cáo đã được duyệt" in page
    assert 'name="submit"' not in page and 'name="save"' not in page
    assert "disabled" in page
    before = state(submitted.unit, submitted.period)
    response = namtanuyen_client.post(URL, good_figures(save="1", version=str(submitted.version)))
    assert "đã được duyệt nên không thể sửa" in response.content.decode()
    assert state(submitted.unit, submitted.period) == before


def test_a_clerk_cannot_approve_their_own_report(namtanuyen_client, submitted):
    assert namtanuyen_client.post(URL + "review/", {"decision": "approve"}).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_the_standing_committee_cannot_approve(standing_client, submitted):
    assert standing_client.post(URL + "review/", {"decision": "approve"}).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


@pytest.fixture
def late_draft(q2, django_user_model):
    """A Q2/2025 draft of a demo unit past its deadline, and a clerk for that unit."""
    report = ProgressReport.objects.filter(period=q2, status="draft").select_related("unit").first()
    clerk = django_user_model.objects.create_user("clerk-late", password="x")
    Membership.objects.create(user=clerk, unit=report.unit, role=Membership.Role.UNIT_CLERK)
    return report, clerk


def test_after_the_deadline_a_unit_cannot_save_or_submit(late_draft, client):
    report, clerk = late_draft
    client.force_login(clerk)
    url = f"/reports/{report.unit.code}/2025-q2/"
    page = client.get(url).content.decode()
    assert "Đã khóa do quá hạn" in page
    assert 'name="submit"' not in page
    before = state(report.unit, report.period)
    data = {"version": str(report.version), "submit": "1"}
    response = client.post(url, data)
    assert "Đã quá hạn báo cáo (15/07/2025)" in response.content.decode()
    assert state(report.unit, report.period) == before


def test_a_report_sent_within_the_extension_the_office_granted_is_not_late(late_draft, client, office_client):
    report, clerk = late_draft
    url = f"/reports/{report.unit.code}/2025-q2/"
    until = timezone.localdate() + timedelta(days=7)
    version = report.version
    office_client.post(url + "reopen/", {"until": until.isoformat(), "reason": "", "version": version})
    assert not DeadlineExtension.objects.filter(unit=report.unit, period=report.period).exists()
    office_client.post(
        url + "reopen/",
        {"until": until.isoformat(), "reason": "Đơn vị mới kiện toàn cấp ủy", "version": version},
    )
    extension = DeadlineExtension.objects.get(unit=report.unit, period=report.period)
    assert (extension.until, extension.reason) == (until, "Đơn vị mới kiện toàn cấp ủy")
    client.force_login(clerk)
    page = client.get(url)
    assert 'name="submit"' in page.content.decode()
    form = page.context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    for name in form.fields:
        if name.startswith("t") and not data.get(name) and not name.endswith("note"):
            data[name] = "yes" if name.endswith("-done") else "1"
    data["submit"] = "1"
    client.post(url, data)
    report.refresh_from_db()
    assert report.status == "submitted"
    # Sent after the quarter's own deadline (15/07/2025) but within the extension in force.
    assert not report.late
    page = client.get(url).content.decode()
    assert "gửi trong thời hạn gia hạn" in page
    assert "trễ hạn" not in page


def test_reopening_an_approved_report_hands_it_back_to_the_unit(office_client, q2):
    report = ProgressReport.objects.filter(period=q2, status="approved").select_related("unit").first()
    url = f"/reports/{report.unit.code}/2025-q2/"
    until = timezone.localdate() + timedelta(days=3)
    office_client.post(
        url + "reopen/", {"until": until.isoformat(), "reason": "Sửa số đảng viên", "version": report.version}
    )
    report.refresh_from_db()
    assert report.status == "returned"
    assert report.review_comment == "Sửa số đảng viên"


def test_the_status_grid_shows_every_state_in_words(office_client):
    html = office_client.get("/reports/").content.decode()
    for word in ("Đã duyệt", "Chờ duyệt", "Bị trả lại", "Quá hạn"):
        assert word in html, word
    rows = office_client.get("/reports/").context["rows"]
    assert len(rows) == 137
    nam_tan_uyen = next(r for r in rows if r.unit.code == "kcn-nam-tan-uyen")
    assert nam_tan_uyen.cells[-1].status == "not_started"


def test_the_clerk_home_lists_the_open_quarter_with_its_deadline(namtanuyen_client):
    response = namtanuyen_client.get("/")
    html = response.content.decode()
    assert "Báo cáo quý cần thực hiện" in html
    assert "Quý II/2025" in html
    assert "Nhập báo cáo" in html
    codes = {row.unit.code for row in response.context["my_rows"]}
    assert codes == {"kcn-nam-tan-uyen"}


def test_the_office_home_shows_the_queue(office_client):
    response = office_client.get("/")
    assert "Báo cáo chờ duyệt" in response.content.decode()
    assert response.context["queue_total"] == ProgressReport.objects.filter(status="submitted").count()


def test_lists_run_a_fixed_number_of_queries(office_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        office_client.get("/reports/?all=1")
    with django_assert_max_num_queries(20):
        office_client.get("/")


# --- An approval pins the version the reviewer saw ------------------------------------------


def _version_on_page(client):
    return client.get(URL).context["review_form"].initial["version"]


@pytest.mark.parametrize("decision", ["approve", "return"])
def test_a_review_from_an_old_tab_is_refused_when_the_unit_changed_the_figures_since(
    office_client, namtanuyen_client, q2, decision
):
    ct06 = f"t{Target.objects.get(code='CT06').pk}-value"
    namtanuyen_client.post(URL, good_figures(submit="1", **{ct06: "2"}))
    old_tab = _version_on_page(office_client)  # the office opens the report: CT06 = 2
    # In another tab the office approves, then reopens; the unit changes 2 to 50 and sends it again.
    office_client.post(URL + "review/", {"decision": "approve", "version": old_tab})
    report = ProgressReport.objects.get(unit__code="kcn-nam-tan-uyen", period=q2)
    until = (timezone.localdate() + timedelta(days=3)).isoformat()
    office_client.post(URL + "reopen/", {"until": until, "reason": "Xem lại", "version": report.version})
    report.refresh_from_db()
    namtanuyen_client.post(URL, good_figures(submit="1", version=str(report.version), **{ct06: "50"}))
    report.refresh_from_db()
    assert (report.status, Entry.objects.get(report=report, target__code="CT06").value) == ("submitted", 50)
    before = state(report.unit, report.period)

    response = office_client.post(
        URL + "review/", {"decision": decision, "comment": "Đã xem", "version": old_tab}
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "sau khi anh/chị mở trang" in html
    assert "CT06 · Số lượng trong quý: 2 → <strong>50</strong>" in html
    assert state(report.unit, report.period) == before  # 50 is not official, nothing written
    # The refreshed page carries the version now shown: approving it is a knowing decision.
    assert response.context["review_form"].initial["version"] == report.version
    office_client.post(URL + "review/", {"decision": "approve", "version": report.version})
    report.refresh_from_db()
    assert report.status == "approved"


def test_a_review_without_the_version_shown_is_refused(office_client, submitted):
    before = state(submitted.unit, submitted.period)
    page = office_client.post(URL + "review/", {"decision": "approve"}, follow=True).content.decode()
    assert "hãy tải lại trang" in page
    assert state(submitted.unit, submitted.period) == before


# --- Separation of duties ------------------------------------------------------------------


@pytest.fixture
def office_with_unit_role(vanphong, q2):
    """vanphong holding a unit role on kcn-nam-tan-uyen, as an old grant could have left it
    (the admin now refuses to give one: tests/test_admin.py)."""
    Membership.objects.create(
        user=vanphong, unit=Unit.objects.get(code="kcn-nam-tan-uyen"), role=Membership.Role.UNIT_CLERK
    )
    return vanphong


@pytest.fixture
def second_office_client(client, django_user_model):
    colleague = django_user_model.objects.create_user("vanphong2", first_name="Văn phòng (2)")
    Membership.objects.create(
        user=colleague, unit=Unit.objects.get(code="duk"), role=Membership.Role.BLOC_OFFICE
    )
    client.force_login(colleague)
    return client


def test_the_office_cannot_approve_a_report_it_sent_itself(
    office_with_unit_role, office_client, second_office_client, q2
):
    office_client.post(URL, good_figures(submit="1"))
    report = ProgressReport.objects.get(unit__code="kcn-nam-tan-uyen", period=q2)
    assert (report.status, report.submitted_by) == ("submitted", office_with_unit_role)
    page = office_client.get(URL).content.decode()
    assert 'value="approve"' not in page
    assert "không tự duyệt được" in page
    before = state(report.unit, report.period)
    answer = office_client.post(
        URL + "review/", {"decision": "approve", "version": report.version}, follow=True
    ).content.decode()
    assert "Anh/chị đã gửi hoặc đã nhập số liệu của báo cáo này nên không tự duyệt được" in answer
    assert state(report.unit, report.period) == before
    # Another officer of the office approves it.
    second_office_client.post(URL + "review/", {"decision": "approve", "version": report.version})
    report.refresh_from_db()
    assert report.status == "approved"


def test_entering_the_figures_is_enough_to_be_barred_from_approving_them(
    office_with_unit_role, office_client, namtanuyen_client, q2
):
    office_client.post(URL, good_figures(save="1"))  # the office types the figures
    report = ProgressReport.objects.get(unit__code="kcn-nam-tan-uyen", period=q2)
    namtanuyen_client.post(URL, good_figures(submit="1", version=str(report.version)))  # the unit sends
    report.refresh_from_db()
    assert (report.status, report.submitted_by.username) == ("submitted", "namtanuyen")
    office_client.post(URL + "review/", {"decision": "approve", "version": report.version})
    report.refresh_from_db()
    assert report.status == "submitted"


def test_returning_ones_own_report_is_allowed(office_with_unit_role, office_client, q2):
    office_client.post(URL, good_figures(submit="1"))
    report = ProgressReport.objects.get(unit__code="kcn-nam-tan-uyen", period=q2)
    office_client.post(
        URL + "review/", {"decision": "return", "comment": "Gửi nhầm", "version": report.version}
    )
    report.refresh_from_db()
    assert report.status == "returned"


def test_a_one_person_office_may_allow_self_approval(office_with_unit_role, office_client, q2, settings):
    settings.ALLOW_SELF_APPROVAL = True
    office_client.post(URL, good_figures(submit="1"))
    report = ProgressReport.objects.get(unit__code="kcn-nam-tan-uyen", period=q2)
    office_client.post(URL + "review/", {"decision": "approve", "version": report.version})
    report.refresh_from_db()
    assert (report.status, report.reviewed_by) == ("approved", office_with_unit_role)


def test_the_office_approves_what_the_units_sent_in_the_demo(office_client, q2):
    report = ProgressReport.objects.filter(period=q2, status="submitted").select_related("unit").first()
    url = f"/reports/{report.unit.code}/2025-q2/"
    assert 'value="approve"' in office_client.get(url).content.decode()
    office_client.post(url + "review/", {"decision": "approve", "version": report.version})
    report.refresh_from_db()
    assert report.status == "approved"
