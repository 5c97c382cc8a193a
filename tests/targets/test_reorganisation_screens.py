"""The office records reorganisation events on screens: a preview that saves nothing, a confirm that
applies what the preview said (once, and not after things changed), refusals in Vietnamese, quotas
redistributed side by side, a timeline per unit and the tree as of a date."""

from datetime import date

import pytest

from targets.models import Allocation, ProgressReport, QuotaRedistribution, RollupChange, Target
from targets.services import reorganisation
from units.models import Placement, ReorgEvent, Succession, Unit
from units.services import Decision

pytestmark = pytest.mark.django_db

DECISION = {
    "decision_number": "1402-QĐ/TU",
    "decision_date": "2025-01-10",
    "issuing_body": "Tỉnh ủy Bình Dương",
    "effective_on": "2025-01-10",
}


def state():
    return (
        ReorgEvent.objects.count(),
        Placement.objects.count(),
        Succession.objects.count(),
        Unit.objects.count(),
        RollupChange.objects.count(),
        Allocation.objects.count(),
    )


def transfer_data(**extra):
    cell = Unit.objects.get(code="so-xay-dung-cb01")
    post = Unit.objects.get(code="buu-dien")
    return {"unit": cell.pk, "new_parent": post.pk, **DECISION, **extra}


def test_the_preview_saves_nothing_and_says_what_moves(office_client):
    before = state()
    response = office_client.post("/reorganisation/new/transfer/", {**transfer_data(), "step": "preview"})
    assert response.status_code == 200
    assert state() == before
    shown = response.context["preview"]
    [move] = shown.moved
    assert move.code == "so-xay-dung-cb01" and move.after == "Đảng bộ Bưu điện tỉnh Bình Dương"
    assert move.before == "Đảng bộ Sở Xây dựng"
    assert move.reports == ProgressReport.objects.filter(unit__code="so-xay-dung-cb01").count()
    page = response.content.decode()
    assert "Chưa có gì được lưu" in page and "Xác nhận ghi nhận" in page


def test_confirming_applies_what_the_preview_said_once(office_client):
    preview = office_client.post("/reorganisation/new/transfer/", {**transfer_data(), "step": "preview"})
    shown = preview.context["preview"]
    confirm = {
        **transfer_data(),
        "step": "confirm",
        "fingerprint": shown.fingerprint,
        "token": preview.context["token"],
    }
    response = office_client.post("/reorganisation/new/transfer/", confirm)
    event = ReorgEvent.objects.get(decision_number="1402-QĐ/TU")
    assert response.status_code == 302 and response["Location"] == f"/reorganisation/{event.pk}/"
    cell = Unit.objects.get(code="so-xay-dung-cb01")
    assert cell.path.startswith(Unit.objects.get(code="buu-dien").path)
    assert reorganisation.describe(event).moved == shown.moved
    # A second click on the same confirm lands on the event already recorded.
    again = office_client.post("/reorganisation/new/transfer/", confirm)
    assert again.status_code == 302 and again["Location"] == f"/reorganisation/{event.pk}/"
    assert ReorgEvent.objects.filter(decision_number="1402-QĐ/TU").count() == 1
    page = office_client.get(f"/reorganisation/{event.pk}/").content.decode()
    assert "1402-QĐ/TU" in page and "Chi bộ 01" in page


def test_a_stale_preview_is_shown_afresh_and_nothing_is_applied(office_client, vanphong):
    preview = office_client.post("/reorganisation/new/transfer/", {**transfer_data(), "step": "preview"})
    # Meanwhile someone else moves the same cell elsewhere.
    reorganisation.transfer(
        unit=Unit.objects.get(code="so-xay-dung-cb01"),
        new_parent=Unit.objects.get(code="kcn-nam-tan-uyen"),
        decision=Decision("1400-QĐ/TU", date(2025, 1, 5), "Tỉnh ủy Bình Dương", date(2025, 1, 5)),
        user=vanphong,
    )
    before = state()
    response = office_client.post(
        "/reorganisation/new/transfer/",
        {
            **transfer_data(),
            "step": "confirm",
            "fingerprint": preview.context["preview"].fingerprint,
            "token": preview.context["token"],
        },
    )
    assert response.status_code == 200 and response.context["stale"]
    assert "Dữ liệu đã thay đổi" in response.content.decode()
    assert state() == before
    assert response.context["preview"].moved[0].before == "Đảng ủy Khu công nghiệp Nam Tân Uyên"


def test_refusals_are_in_vietnamese_and_save_nothing(office_client):
    before = state()
    bad = office_client.post(
        "/reorganisation/new/transfer/", {**transfer_data(decision_number="QĐ 1402"), "step": "preview"}
    )
    assert "Số quyết định phải có dạng “1337-QĐ/TU”" in bad.content.decode()
    same = office_client.post(
        "/reorganisation/new/transfer/",
        {**transfer_data(new_parent=Unit.objects.get(code="so-xay-dung").pk), "step": "preview"},
    )
    assert "Đơn vị đã trực thuộc" in same.content.decode()
    late = office_client.post(
        "/reorganisation/new/transfer/",
        {**transfer_data(decision_date="2025-02-01"), "step": "preview"},
    )
    assert "Ngày có hiệu lực không được trước ngày ký quyết định." in late.content.decode()
    assert state() == before


@pytest.mark.parametrize("persona", ["standing_client", "namtanuyen_client"])
def test_only_the_office_records_events(request, persona):
    client = request.getfixturevalue(persona)
    assert client.get("/reorganisation/").status_code == 404
    assert (
        client.post("/reorganisation/new/transfer/", {**transfer_data(), "step": "preview"}).status_code
        == 404
    )


def merge_two(office_client):
    a, b = sorted(
        Unit.objects.filter(depth=2, sector=Unit.Sector.NON_STATE_ENTERPRISE, allocations__isnull=False)
        .distinct()
        .order_by("code")[:2],
        key=lambda u: u.code,
    )
    data = {
        "units": [a.pk, b.pk],
        "code": "demo-hop-nhat",
        "name": "Đảng bộ Công ty hợp nhất mẫu",
        "kind": Unit.Kind.DANG_BO_CO_SO,
        **DECISION,
    }
    preview = office_client.post("/reorganisation/new/merge/", {**data, "step": "preview"})
    assert preview.status_code == 200, preview.content.decode()[:2000]
    response = office_client.post(
        "/reorganisation/new/merge/",
        {**data, "step": "confirm", "fingerprint": preview.context["preview"].fingerprint, "token": "t1"},
    )
    event = ReorgEvent.objects.get(decision_number="1402-QĐ/TU")
    assert response["Location"] == f"/reorganisation/{event.pk}/quotas/"
    return event, a, b, preview.context["preview"]


def test_a_merge_preview_shows_the_quotas_to_redistribute(office_client):
    _event, a, b, shown = merge_two(office_client)
    ct06 = next(line for line in shown.quota_lines if line.target.code == "CT06")
    old = {
        a.code: Allocation.objects.get(unit=a, target=ct06.target, year=None).value,
        b.code: Allocation.objects.get(unit=b, target=ct06.target, year=None).value,
    }
    assert ct06.before == old and ct06.after == {"demo-hop-nhat": sum(old.values())}


def test_quotas_that_do_not_add_up_are_refused_without_a_reason(office_client):
    event, a, b, _shown = merge_two(office_client)
    page = office_client.get(f"/reorganisation/{event.pk}/quotas/")
    form = page.context["form"]
    data = {f.html_name: f.value() for _line, fields in form.rows() for f in fields}
    ct06 = Target.objects.get(code="CT06", owner_unit__isnull=True)
    key = f"q-{ct06.pk}-demo-hop-nhat"
    data[key] = str(int(data[key]) + 5)
    refused = office_client.post(f"/reorganisation/{event.pk}/quotas/", data)
    assert refused.status_code == 200
    assert "khác tổng cũ" in refused.content.decode()
    assert not QuotaRedistribution.objects.filter(event=event).exists()
    assert not Allocation.objects.filter(unit__code="demo-hop-nhat").exists()
    saved = office_client.post(
        f"/reorganisation/{event.pk}/quotas/", {**data, "reason": "Theo Quyết định 1402-QĐ/TU giao thêm 5."}
    )
    assert saved.status_code == 302
    line = QuotaRedistribution.objects.get(event=event, target=ct06)
    assert (
        line.reason == "Theo Quyết định 1402-QĐ/TU giao thêm 5." and line.after_total == line.before_total + 5
    )
    assert (
        Allocation.objects.get(unit__code="demo-hop-nhat", target=ct06, year=None).value == line.after_total
    )


def test_a_sub_count_above_its_parent_is_refused(office_client):
    event, *_ = merge_two(office_client)
    form = office_client.get(f"/reorganisation/{event.pk}/quotas/").context["form"]
    data = {f.html_name: f.value() for _line, fields in form.rows() for f in fields}
    sub = Target.objects.get(code="CT06.1", owner_unit__isnull=True)
    data[f"q-{sub.pk}-demo-hop-nhat"] = "9999"
    response = office_client.post(f"/reorganisation/{event.pk}/quotas/", {**data, "reason": "x"})
    assert "không được lớn hơn chỉ tiêu CT06" in response.content.decode()


def test_a_split_form_assigns_each_cell_to_a_new_unit(office_client):
    unit = Unit.objects.get(code="buu-dien")
    cells = list(Unit.objects.filter(path__startswith=unit.path, depth=3).order_by("path"))
    chooser = office_client.get("/reorganisation/new/split/").content.decode()
    assert "Tiếp tục" in chooser and 'value="buu-dien"' in chooser
    form = office_client.get("/reorganisation/new/split/?unit=buu-dien")
    assert "Đảng bộ Bưu điện tỉnh Bình Dương (buu-dien)" in form.content.decode()
    assert [f"child_{c.pk}" in form.content.decode() for c in cells] == [True] * len(cells)
    data = {
        "split_unit": "buu-dien",
        "unit": unit.pk,
        "part1_code": "buu-dien-a",
        "part1_name": "Bưu điện A",
        "part2_code": "buu-dien-b",
        "part2_name": "Bưu điện B",
        **DECISION,
    }
    data.update({f"child_{c.pk}": "1" if i == 0 else "2" for i, c in enumerate(cells)})
    preview = office_client.post("/reorganisation/new/split/", {**data, "step": "preview"})
    shown = preview.context["preview"]
    assert {m.code for m in shown.created} == {"buu-dien-a", "buu-dien-b"}
    assert [m.code for m in shown.ended] == ["buu-dien"]
    assert len(shown.moved) == len(cells)
    assert not Unit.objects.filter(code="buu-dien-a").exists()
    assert '<input type="hidden" name="split_unit" value="buu-dien">' in preview.content.decode()


def test_the_unit_page_shows_its_timeline(office_client, vanphong):
    reorganisation.end(
        unit=Unit.objects.get(code="so-xay-dung-cb01"),
        decision=Decision("1401-QĐ/TU", date(2025, 1, 5), "Tỉnh ủy Bình Dương", date(2025, 1, 5)),
        user=vanphong,
    )
    page = office_client.get("/units/so-xay-dung-cb01/").content.decode()
    assert "Quá trình sắp xếp tổ chức" in page and "1401-QĐ/TU" in page and "kết thúc hoạt động" in page
    assert "1401-QĐ/TU" in office_client.get("/units/so-xay-dung/").content.decode()  # the parent's too


def test_the_tree_as_of_a_date_shows_where_units_sat_then(office_client, vanphong):
    reorganisation.transfer(
        unit=Unit.objects.get(code="so-xay-dung-cb01"),
        new_parent=Unit.objects.get(code="buu-dien"),
        decision=Decision("1400-QĐ/TU", date(2025, 1, 5), "Tỉnh ủy Bình Dương", date(2025, 1, 5)),
        user=vanphong,
    )

    def parent_of(day):
        forest = office_client.get(f"/units/?as_of={day}").context["forest"]
        stack = [(item, None) for item in forest]
        while stack:
            item, parent = stack.pop()
            if item["unit"].code == "so-xay-dung-cb01":
                return parent
            stack += [(child, item["unit"].code) for child in item["children"]]
        return "absent"

    assert parent_of("2024-12-31") == "so-xay-dung"
    assert parent_of("2025-01-05") == "buu-dien"
    assert parent_of("2019-01-01") == "absent"  # before the demo's units began
    assert office_client.get("/units/?as_of=31/13/2024").status_code == 200


def test_a_secretary_sees_only_their_subtree_in_the_tree_of_a_past_day(buudien_client):
    forest = buudien_client.get("/units/?as_of=2024-01-01").context["forest"]
    assert [item["unit"].code for item in forest] == ["buu-dien"]
    assert {c["unit"].code for c in forest[0]["children"]} == {
        "buu-dien-cb01",
        "buu-dien-cb02",
        "buu-dien-cb03",
    }
