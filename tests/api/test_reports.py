"""Quarterly reports through the API: the screens' rules, refusals and concurrency, with If-Match."""

import pytest

from targets.models import Entry, ProgressReport
from tests.helpers import state
from units.models import Unit

pytestmark = pytest.mark.django_db

REPORT = "/api/reports/kcn-nam-tan-uyen/2025-q2/"
FIGURES = [
    {"target": "CT01", "numerator": 142, "denominator": 142},
    {"target": "CT05", "value": 1},
    {"target": "CT06", "value": 5, "note": "Kết nạp tại 2 chi bộ"},
    {"target": "CT06.1", "value": 2},
    {"target": "CT07", "value": 0},
]


def _state():
    unit = Unit.objects.get(code="kcn-nam-tan-uyen")
    report = ProgressReport.objects.filter(unit=unit, period__year=2025, period__quarter=2).first()
    return state(unit, report.period if report else None) if report else (None, Entry.objects.count())


def ct06(client, as_of="2025-q2", unit="duk"):
    body = client.get(f"/api/units/{unit}/figures/?as_of={as_of}&target=CT06").json()
    return body, body["figures"][0]


def test_a_figure_sent_and_approved_through_the_api_shows_settled_on_the_dashboard_and_in_the_api(
    api_as, namtanuyen, vanphong, office_client, django_capture_on_commit_callbacks
):
    clerk, office = api_as(namtanuyen), api_as(vanphong)
    _body, before = ct06(office)
    dashboard_before = office_client.get("/dashboard/?as_of=2025-q2").context["board"]

    read = clerk.get(REPORT)
    assert read.status_code == 200 and read["ETag"] == '"v0"'
    saved = clerk.put(REPORT + "entries/", {"entries": FIGURES}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert saved.status_code == 200, saved.json()
    assert saved.json()["status"] == "draft" and saved["ETag"] == '"v1"'
    sent = clerk.post(REPORT + "submit/", HTTP_IF_MATCH=saved["ETag"])
    assert sent.status_code == 200, sent.json()
    assert sent.json()["status"] == "submitted"
    assert sent.json()["message"].startswith("Đã gửi báo cáo Quý II/2025")

    with django_capture_on_commit_callbacks(execute=True):
        approved = office.post(
            REPORT + "approve/", {"comment": "Đạt"}, format="json", HTTP_IF_MATCH=office.get(REPORT)["ETag"]
        )
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"

    body, after = ct06(office)
    assert after["achieved"] == before["achieved"] + 5
    assert body["freshness"]["settled"] is True
    assert body["freshness"]["settled_until"] is not None
    assert "Đã tổng hợp mọi báo cáo được duyệt" in body["freshness"]["sentence"]
    dashboard = office_client.get("/dashboard/?as_of=2025-q2").context["board"]
    line = next(x for x in dashboard.lines if x.target.code == "CT06")
    before_line = next(x for x in dashboard_before.lines if x.target.code == "CT06")
    assert line.assessment.actual == before_line.assessment.actual + 5 == after["achieved"]
    assert dashboard.freshness.settled
    history = office.get(REPORT + "history/").json()
    assert [e["what"] for e in history][:3] == ["Duyệt báo cáo: Đạt", "Gửi báo cáo", "Tạo báo cáo"]


def test_a_write_without_if_match_is_refused_with_428_and_writes_nothing(api_as, namtanuyen):
    before = _state()
    response = api_as(namtanuyen).put(REPORT + "entries/", {"entries": FIGURES}, format="json")
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    assert _state() == before


def test_a_stale_write_gets_412_with_what_changed(api_as, namtanuyen):
    first, second = api_as(namtanuyen, "a"), api_as(namtanuyen, "b")
    tag = first.get(REPORT)["ETag"]
    assert (
        first.put(REPORT + "entries/", {"entries": FIGURES}, format="json", HTTP_IF_MATCH=tag).status_code
        == 200
    )
    changed = [{"target": "CT06", "value": 7, "note": "x"}]
    version_1 = second.get(REPORT)["ETag"]
    assert (
        second.put(
            REPORT + "entries/", {"entries": changed}, format="json", HTTP_IF_MATCH=version_1
        ).status_code
        == 200
    )
    before = _state()
    stale = first.put(
        REPORT + "entries/",
        {"entries": [{"target": "CT06", "value": 9}]},
        format="json",
        HTTP_IF_MATCH='"v1"',
    )
    assert stale.status_code == 412
    body = stale.json()
    assert body["current_version"] == 2 and stale["ETag"] == '"v2"'
    assert {"target": "CT06", "field": "value", "old": 5, "new": 7} in body["changes"]
    assert "sau khi anh/chị mở trang" in body["detail"]
    assert _state() == before


def test_a_review_of_a_version_not_read_is_412(api_as, namtanuyen, vanphong):
    clerk, office = api_as(namtanuyen), api_as(vanphong)
    saved = clerk.put(REPORT + "entries/", {"entries": FIGURES}, format="json", HTTP_IF_MATCH='"v0"')
    clerk.post(REPORT + "submit/", HTTP_IF_MATCH=saved["ETag"])
    before = _state()
    response = office.post(REPORT + "approve/", {}, format="json", HTTP_IF_MATCH=saved["ETag"])
    assert response.status_code == 412
    assert response.json()["current_version"] == 2
    assert _state() == before


def test_bad_figures_answer_400_with_the_forms_words_per_field(api_as, namtanuyen):
    before = _state()
    response = api_as(namtanuyen).put(
        REPORT + "entries/",
        {
            "entries": [
                {"target": "CT06", "value": "1.5"},
                {"target": "CT01", "numerator": 150, "denominator": 142},
            ]
        },
        format="json",
        HTTP_IF_MATCH='"v0"',
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["entries.CT06.value"] == [
        "Phải là số nguyên không âm: chỉ nhập chữ số, không dùng chữ, dấu trừ, dấu chấm hay dấu phẩy."
    ]
    response = api_as(namtanuyen, "b").put(
        REPORT + "entries/",
        {
            "entries": [
                {"target": "CT01", "numerator": 150, "denominator": 142},
                {"target": "CT06.1", "value": 3},
            ]
        },
        format="json",
        HTTP_IF_MATCH='"v0"',
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Số liệu chưa hợp lệ; chưa lưu gì. Xem các lỗi bên dưới."
    assert body["errors"]["entries.CT01.numerator"] == ["tử số (150) không được lớn hơn mẫu số (142)"]
    assert _state() == before


def test_a_target_not_in_the_report_and_a_field_it_does_not_use_are_refused(api_as, namtanuyen):
    response = api_as(namtanuyen).put(
        REPORT + "entries/",
        {"entries": [{"target": "NO-SUCH", "value": 1}, {"target": "CT06", "numerator": 1}]},
        format="json",
        HTTP_IF_MATCH='"v0"',
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["entries.NO-SUCH.target"] == ["Có chỉ tiêu không thuộc báo cáo của đơn vị; không lưu gì."]
    assert "entries.CT06.numerator" in errors


def test_submitting_an_incomplete_report_is_refused_as_on_screen(api_as, namtanuyen):
    clerk = api_as(namtanuyen)
    saved = clerk.put(REPORT + "entries/", {"entries": FIGURES[2:3]}, format="json", HTTP_IF_MATCH='"v0"')
    response = clerk.post(REPORT + "submit/", HTTP_IF_MATCH=saved["ETag"])
    assert response.status_code == 400
    assert response.json()["detail"] == "Báo cáo còn thiếu số liệu; chưa gửi."
    assert response.json()["errors"]["entries.CT05.value"] == ["cần nhập trước khi gửi báo cáo"]


def test_returning_needs_a_reason_in_the_forms_words(api_as, namtanuyen, vanphong):
    clerk, office = api_as(namtanuyen), api_as(vanphong)
    saved = clerk.put(REPORT + "entries/", {"entries": FIGURES}, format="json", HTTP_IF_MATCH='"v0"')
    sent = clerk.post(REPORT + "submit/", HTTP_IF_MATCH=saved["ETag"])
    response = office.post(REPORT + "return/", {"comment": " "}, format="json", HTTP_IF_MATCH=sent["ETag"])
    assert response.status_code == 400
    assert response.json()["errors"]["comment"] == ["Cần ghi rõ lý do trả lại để đơn vị sửa."]
    returned = office.post(
        REPORT + "return/", {"comment": "Sửa CT06"}, format="json", HTTP_IF_MATCH=sent["ETag"]
    )
    assert returned.status_code == 200 and returned.json()["status"] == "returned"


def test_the_second_of_a_double_submit_says_it_was_already_sent(api_as, namtanuyen):
    clerk = api_as(namtanuyen)
    saved = clerk.put(REPORT + "entries/", {"entries": FIGURES}, format="json", HTTP_IF_MATCH='"v0"')
    clerk.post(REPORT + "submit/", HTTP_IF_MATCH=saved["ETag"])
    again = clerk.post(REPORT + "submit/", HTTP_IF_MATCH=saved["ETag"])
    assert again.status_code == 200
    assert again.json()["message"].startswith("Báo cáo đã được gửi lúc")


def test_the_standing_committee_reads_but_may_not_write(api_as, thuongvu):
    client = api_as(thuongvu)
    assert client.get(REPORT).status_code == 200
    before = _state()
    response = client.put(REPORT + "entries/", {"entries": FIGURES}, format="json", HTTP_IF_MATCH='"v0"')
    assert response.status_code == 403
    assert response.json()["detail"] == "Anh/chị không có quyền thực hiện thao tác này."
    assert _state() == before


def test_malformed_json_is_a_400_in_vietnamese(api_as, namtanuyen):
    response = api_as(namtanuyen).generic(
        "PUT", REPORT + "entries/", "{not json", content_type="application/json", HTTP_IF_MATCH='"v0"'
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Nội dung gửi lên không đọc được")


def test_a_stale_submit_gets_412_with_what_changed_and_sends_nothing(api_as, namtanuyen):
    first, second = api_as(namtanuyen, "a"), api_as(namtanuyen, "b")
    saved = first.put(REPORT + "entries/", {"entries": FIGURES}, format="json", HTTP_IF_MATCH='"v0"')
    second.put(
        REPORT + "entries/",
        {"entries": [{"target": "CT06", "value": 6}]},
        format="json",
        HTTP_IF_MATCH=saved["ETag"],
    )
    before = _state()
    response = first.post(REPORT + "submit/", HTTP_IF_MATCH=saved["ETag"])
    assert response.status_code == 412
    assert {"target": "CT06", "field": "value", "old": 5, "new": 6} in response.json()["changes"]
    assert _state() == before


def test_the_admin_lists_tokens_without_their_keys(client, namtanuyen, django_user_model):
    from api.services import token_create

    _token, key = token_create(user=namtanuyen, name="Phần mềm đơn vị")
    client.force_login(django_user_model.objects.create_superuser("quantri", "q@example.org", "demo1234"))
    page = client.get("/admin/api/apitoken/")
    assert page.status_code == 200
    assert "Phần mềm đơn vị" in page.content.decode() and key not in page.content.decode()


def test_the_reports_words_and_confidence_are_written_and_read_through_the_api(api_as, namtanuyen):
    """Narrative and confidence go through report_save as on the screen: a confidence that differs from
    the computed status without a reason is refused in the form's words and nothing is written."""
    from targets.confidence import computed_readings
    from targets.entries import targets_for
    from targets.models import Confidence, Period, Target

    unit = Unit.objects.get(code="kcn-nam-tan-uyen")
    q2 = Period.objects.get(congress__unit__code="duk", year=2025, quarter=2)
    ct06 = Target.objects.get(code="CT06")
    reading = computed_readings(unit, q2, targets_for(unit, q2))[ct06.pk]
    other = Confidence.UNLIKELY if reading != Confidence.UNLIKELY else Confidence.ON_TRACK
    clerk = api_as(namtanuyen)
    tag = clerk.get(REPORT)["ETag"]
    words = {"achievements": "Kết nạp 5 đảng viên.", "recommendations": "Đề nghị hỗ trợ kinh phí bồi dưỡng."}
    figures = [dict(row) for row in FIGURES]
    figures[2]["confidence"] = other

    before = _state()
    refused = clerk.put(
        REPORT + "entries/", {"entries": figures, "narrative": words}, format="json", HTTP_IF_MATCH=tag
    )
    assert refused.status_code == 400, refused.json()
    assert "cần ghi lý do vì khác với đánh giá theo số liệu" in str(refused.json())
    assert _state() == before

    figures[2]["confidence_reason"] = "Hai doanh nghiệp lớn tạm dừng tuyển dụng."
    saved = clerk.put(
        REPORT + "entries/", {"entries": figures, "narrative": words}, format="json", HTTP_IF_MATCH=tag
    )
    assert saved.status_code == 200, saved.json()
    body = clerk.get(REPORT).json()
    assert body["narrative"]["achievements"] == "Kết nạp 5 đảng viên."
    assert body["narrative"]["causes"] == ""
    row = next(e for e in body["entries"] if e["target"] == "CT06")
    assert (row["confidence"], row["confidence_reason"]) == (
        other,
        "Hai doanh nghiệp lớn tạm dừng tuyển dụng.",
    )
    # A later save that sends neither keeps both.
    again = clerk.put(
        REPORT + "entries/",
        {"entries": [{"target": "CT06", "value": 4}]},
        format="json",
        HTTP_IF_MATCH=saved["ETag"],
    )
    assert again.status_code == 200, again.json()
    body = clerk.get(REPORT).json()
    assert body["narrative"]["achievements"] == "Kết nạp 5 đảng viên."
    assert next(e for e in body["entries"] if e["target"] == "CT06")["confidence"] == other
