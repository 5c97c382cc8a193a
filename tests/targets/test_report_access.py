"""Every report URL, asked by every persona: the other units' data stays out of reach.

Unit A is kcn-nam-tan-uyen (secretary: namtanuyen); unit B is buu-dien
(secretary: buudien), who must not even learn that A's pages exist.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from targets.models import Attachment, Entry, ProgressReport, Target
from tests import files
from tests.helpers import URL, good_figures, state
from units.models import Membership

pytestmark = pytest.mark.django_db

PERSONAS = ["office_client", "standing_client", "namtanuyen_client", "buudien_client"]

# (method, path under A's report, expected status per persona)
MATRIX = [
    (
        "get",
        "",
        {"office_client": 200, "standing_client": 200, "namtanuyen_client": 200, "buudien_client": 404},
    ),
    (
        "get",
        "template.xlsx",
        {"office_client": 200, "standing_client": 200, "namtanuyen_client": 200, "buudien_client": 404},
    ),
    (
        "post",
        "",
        {"office_client": 403, "standing_client": 403, "namtanuyen_client": 302, "buudien_client": 404},
    ),
    (
        "post",
        "review/",
        {"office_client": 302, "standing_client": 403, "namtanuyen_client": 403, "buudien_client": 404},
    ),
    (
        "post",
        "reopen/",
        {"office_client": 302, "standing_client": 403, "namtanuyen_client": 403, "buudien_client": 404},
    ),
    (
        "post",
        "upload/",
        {"office_client": 403, "standing_client": 403, "namtanuyen_client": 400, "buudien_client": 404},
    ),
    (
        "post",
        "upload/confirm/",
        {"office_client": 403, "standing_client": 403, "namtanuyen_client": 302, "buudien_client": 404},
    ),
    (
        "post",
        "files/",
        {"office_client": 403, "standing_client": 403, "namtanuyen_client": 302, "buudien_client": 404},
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "suffix", "expected"), MATRIX)
def test_each_persona_gets_exactly_its_rights_on_unit_a(request, persona, method, suffix, expected):
    client = request.getfixturevalue(persona)
    data = good_figures(save="1") if (method, suffix) == ("post", "") else {"decision": "approve"}
    response = getattr(client, method)(URL + suffix, data) if method == "post" else client.get(URL + suffix)
    assert response.status_code == expected[persona], (persona, method, suffix)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_list_pages_answer_everyone_with_only_their_units(request, persona):
    client = request.getfixturevalue(persona)
    response = client.get("/reports/")
    assert response.status_code == 200
    html = response.content.decode()
    if persona == "buudien_client":
        assert "kcn-nam-tan-uyen" not in html
        assert "Đảng ủy Khu công nghiệp Nam Tân Uyên" not in html


def test_unit_b_cannot_reach_a_file_of_unit_a_through_its_own_url(namtanuyen_client, buudien_client):
    namtanuyen_client.post(URL, good_figures(save="1"))
    pdf = SimpleUploadedFile("bien-ban.pdf", files.pdf())
    namtanuyen_client.post(URL + "files/", {"file": pdf})
    attachment = Attachment.objects.get(report__unit__code="kcn-nam-tan-uyen")
    assert namtanuyen_client.get(URL + f"files/{attachment.pk}/").status_code == 200
    assert buudien_client.get(URL + f"files/{attachment.pk}/").status_code == 404
    assert buudien_client.get(f"/reports/buu-dien/2025-q2/files/{attachment.pk}/").status_code == 404
    assert buudien_client.post(f"/reports/buu-dien/2025-q2/files/{attachment.pk}/delete/").status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_a_target_id_from_elsewhere_in_post_data_writes_nothing(buudien_client):
    """B's clerk posts to B's own report, slipping in A's figures by target id: ignored."""
    before = Entry.objects.count()
    other_target = Target.objects.get(code="CT05")  # B (a state enterprise) holds no quota of it
    response = buudien_client.post(
        "/reports/buu-dien/2025-q2/",
        {
            "version": "999",
            f"t{other_target.pk}-value": "3",
            "save": "1",
        },
    )
    assert response.status_code in (200, 409)
    assert Entry.objects.count() == before


def test_an_upload_token_of_unit_a_cannot_be_spent_on_unit_b(namtanuyen, buudien, client):
    """Even one person holding both units cannot move a previewed sheet to the other unit."""
    Membership.objects.create(
        user=namtanuyen, unit=buudien.memberships.first().unit, role=Membership.Role.UNIT_SECRETARY
    )
    client.force_login(namtanuyen)
    b_report = ProgressReport.objects.filter(
        unit__code="buu-dien", period__year=2025, period__quarter=2
    ).first()
    before = state(b_report.unit, b_report.period)
    session = client.session
    session["xlsx-upload:kcn-nam-tan-uyen:2025-q2:tok"] = {"version": 0, "inputs": {}}
    session.save()
    response = client.post("/reports/buu-dien/2025-q2/upload/confirm/", {"token": "tok"}, follow=True)
    assert "Phiên tải tệp đã hết hạn" in response.content.decode()
    assert state(b_report.unit, b_report.period) == before


def test_an_unknown_decision_changes_nothing(office_client, namtanuyen_client):
    namtanuyen_client.post(URL, good_figures(submit="1"))
    office_client.post(URL + "review/", {"decision": "delete"})
    assert (
        ProgressReport.objects.get(unit__code="kcn-nam-tan-uyen", period__year=2025, period__quarter=2).status
        == "submitted"
    )
