"""Every API endpoint, every method, each persona against units that are not theirs: nothing returned,
nothing written (units.access decides, as for the screens: an unseen unit answers 404).

The bloc office and the standing committee see the whole demo bloc, so the matrix adds another bloc
beside it, with its own congress, target, quota and a report waiting for review; the unit secretaries
are also held to their siblings and to the bloc above them.
"""

from datetime import timedelta

import pytest

from config import clock
from resolutions.models import Congress, Resolution
from targets.models import (
    Allocation,
    DeadlineExtension,
    Entry,
    ProgressReport,
    RollupChange,
    Target,
)
from targets.periods import periods_ensure
from tests.api.conftest import token_client
from tests.factories import CongressFactory, ResolutionFactory, TargetFactory, UnitFactory
from units.models import Unit

pytestmark = pytest.mark.django_db

METHODS = ["get", "post", "put", "patch", "delete"]
QUARTER = "2025-q2"
# Units each persona must not reach: the other bloc and its cell for all; siblings and the bloc above
# for the unit secretaries.
FOREIGN = {
    "vanphong": ["khoi-khac", "khac-co-so"],
    "thuongvu": ["khoi-khac", "khac-co-so"],
    "namtanuyen": ["khoi-khac", "khac-co-so", "duk", "buu-dien", "so-xay-dung"],
    "buudien": ["khoi-khac", "khac-co-so", "duk", "kcn-nam-tan-uyen", "so-xay-dung"],
    "soxaydung": ["khoi-khac", "khac-co-so", "duk", "kcn-nam-tan-uyen", "buu-dien"],
}
UNIT_ENDPOINTS = [
    "/api/units/{code}/",
    "/api/units/{code}/figures/",
    f"/api/units/{{code}}/figures/?as_of={QUARTER}",
    f"/api/units/{{code}}/completeness/?quarter={QUARTER}",
    "/api/units/?under={code}",
    "/api/quotas/?under={code}",
    "/api/reports/?under={code}",
    f"/api/reports/{{code}}/{QUARTER}/",
    f"/api/reports/{{code}}/{QUARTER}/history/",
    f"/api/reports/{{code}}/{QUARTER}/entries/",
    f"/api/reports/{{code}}/{QUARTER}/submit/",
    f"/api/reports/{{code}}/{QUARTER}/approve/",
    f"/api/reports/{{code}}/{QUARTER}/return/",
]


@pytest.fixture
def other_bloc(db):
    """A second bloc, its cell, congress, target K01, a quota, and the cell's report awaiting review."""
    bloc = UnitFactory(code="khoi-khac", name="Đảng bộ Khối Khác", kind=Unit.Kind.BLOC, members=0)
    cell = UnitFactory(parent=bloc, code="khac-co-so", name="Chi bộ Khác Cơ Sở", members=30)
    congress = CongressFactory(unit=bloc, organisation_name="Đảng bộ Khối Khác")
    target = TargetFactory(
        resolution=ResolutionFactory(congress=congress, title="Nghị quyết Khối Khác"), code="K01"
    )
    Allocation.objects.create(target=target, unit=cell, value=12)
    period = next(p for p in periods_ensure(congress) if p.slug == QUARTER)
    DeadlineExtension.objects.create(
        unit=cell, period=period, until=clock.today() + timedelta(days=30), reason="x"
    )
    report = ProgressReport.objects.create(
        unit=cell, period=period, status=ProgressReport.Status.SUBMITTED, version=3, submitted_at=clock.now()
    )
    Entry.objects.create(report=report, target=target, value=4, note="Khác")
    return {"bloc": bloc, "cell": cell, "congress": congress, "target": target, "report": report}


def written():
    """Everything an API write could touch."""
    return (
        list(ProgressReport.objects.order_by("pk").values_list("pk", "status", "version")),
        list(Entry.objects.order_by("pk").values_list("pk", "value", "numerator", "denominator", "note")),
        ProgressReport.history.count(),
        Entry.history.count(),
        RollupChange.objects.count(),
        DeadlineExtension.objects.count(),
    )


def leaks(response, code: str) -> bool:
    """Does the answer name the unit, or anything of the other bloc?"""
    text = response.content.decode()
    names = {code, Unit.objects.get(code=code).name}
    if code in ("khoi-khac", "khac-co-so"):
        names |= {"khoi-khac", "khac-co-so", "Khối Khác", "K01", "Khác Cơ Sở"}
    return any(name in text for name in names)


def call(client, method, url, version):
    if method == "get":  # a GET's data would replace the query string of the URL
        return client.get(url, HTTP_IF_MATCH=f'"v{version}"')
    body = {"comment": "x", "entries": [{"target": "K01", "value": 1}, {"target": "CT06", "value": 1}]}
    return getattr(client, method)(url, body, format="json", HTTP_IF_MATCH=f'"v{version}"')


@pytest.mark.parametrize("persona", list(FOREIGN))
def test_no_persona_reaches_a_unit_not_theirs_through_any_endpoint_or_method(persona, other_bloc):
    from django.contrib.auth import get_user_model

    client = token_client(get_user_model().objects.get(username=persona))
    before = written()
    seen = 0
    for code in FOREIGN[persona]:
        version = (
            ProgressReport.objects.filter(unit__code=code, period__year=2025, period__quarter=2)
            .values_list("version", flat=True)
            .first()
            or 0
        )
        for template in UNIT_ENDPOINTS:
            url = template.format(code=code)
            for method in METHODS:
                # The version is the real one: a refusal must not come from a stale If-Match.
                response = call(client, method, url, version)
                assert response.status_code in (404, 405), (persona, method, url, response.status_code)
                assert not leaks(response, code), (persona, method, url, response.content[:200])
                seen += 1
    assert written() == before
    assert seen == len(FOREIGN[persona]) * len(UNIT_ENDPOINTS) * len(METHODS)


@pytest.mark.parametrize("persona", list(FOREIGN))
def test_lists_and_term_endpoints_hold_nothing_of_another_bloc(persona, other_bloc):
    from django.contrib.auth import get_user_model

    client = token_client(get_user_model().objects.get(username=persona))
    congress, target = other_bloc["congress"], other_bloc["target"]
    resolution = Resolution.objects.get(congress=congress)
    before = written()
    for url in [
        "/api/units/?page_size=500",
        "/api/congresses/",
        "/api/resolutions/",
        "/api/targets/?page_size=500",
        f"/api/targets/?congress={congress.pk}",
        "/api/targets/?target=K01",
        "/api/quotas/?target=K01",
        "/api/reports/?target=K01",
        f"/api/reports/?quarter={QUARTER}&page_size=500",
        "/api/reports/?status=submitted&page_size=500",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not leaks(response, "khac-co-so"), url
    for url in [
        f"/api/congresses/{congress.pk}/",
        f"/api/resolutions/{resolution.pk}/",
        f"/api/targets/{target.pk}/",
    ]:
        for method in METHODS:
            response = call(client, method, url, 0)
            assert response.status_code in (404, 405), (method, url)
            assert not leaks(response, "khac-co-so"), (method, url)
    assert written() == before
    assert Congress.objects.filter(pk=congress.pk).exists() and Target.objects.filter(pk=target.pk).exists()


def test_the_other_blocs_own_office_does_reach_it(other_bloc):
    """The matrix is not vacuous: the same calls from the other bloc's office do answer."""
    from tests.factories import UserFactory
    from units.models import Membership

    office = UserFactory(username="van-phong-khac")
    Membership.objects.create(user=office, unit=other_bloc["bloc"], role=Membership.Role.BLOC_OFFICE)
    client = token_client(office)
    assert client.get(f"/api/reports/khac-co-so/{QUARTER}/").json()["entries"][0]["value"] == 4
    assert client.get("/api/reports/?target=K01").json()["count"] == 1
    assert client.get("/api/quotas/?under=khoi-khac").json()["count"] == 1
    approved = client.post(
        f"/api/reports/khac-co-so/{QUARTER}/approve/", {}, format="json", HTTP_IF_MATCH='"v3"'
    )
    assert approved.status_code == 200, approved.json()


def test_an_unknown_token_and_no_credentials_answer_401(db):
    from rest_framework.test import APIClient

    anonymous = APIClient()
    assert anonymous.get("/api/units/").status_code == 401
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer rt_not-a-key")
    response = anonymous.get("/api/units/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Khóa API không hợp lệ hoặc đã bị thu hồi."
