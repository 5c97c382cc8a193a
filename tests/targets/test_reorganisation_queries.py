"""The reorganisation screens read a constant number of queries, whatever the number of units moved:
the demo's split moves 137 organisations."""

import pytest

from targets.devtools.demo import reorganise_demo
from units.models import ReorgEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def split(db):
    reorganise_demo()
    return ReorgEvent.objects.get(decision_number="1337-QĐ/TU")


@pytest.mark.parametrize(
    ("url", "most"),
    [
        ("/reorganisation/", 25),
        ("/reorganisation/{pk}/", 40),
        ("/reorganisation/{pk}/quotas/", 40),
        ("/units/?as_of=2024-01-01", 20),
        ("/units/?as_of=2025-01-01", 20),
        ("/units/khoi-dn/", 25),
        ("/terms/", 30),
    ],
)
def test_each_screen_reads_a_bounded_number_of_queries(
    office_client, split, django_assert_max_num_queries, url, most
):
    with django_assert_max_num_queries(most):
        response = office_client.get(url.format(pk=split.pk))
    assert response.status_code == 200


def test_the_preview_of_a_large_move_is_bounded_too(office_client, split, django_assert_max_num_queries):
    from units.models import Unit

    khoi_dn = Unit.objects.get(code="khoi-dn")
    data = {
        "units": [khoi_dn.pk],
        "into": Unit.objects.get(code="khoi-cq").pk,
        "decision_number": "02-QĐ/TU",
        "decision_date": "2025-02-01",
        "issuing_body": "Tỉnh ủy Bình Dương",
        "effective_on": "2025-02-01",
        "step": "preview",
    }
    # The preview applies the absorption (then rolls it back): moving 78 units in the tree costs about
    # twenty queries each (treebeard's path rewrites, placements, paths read afresh); what the preview
    # adds to describe them is a few queries in all.
    with django_assert_max_num_queries(25 * 78 + 100):
        response = office_client.post("/reorganisation/new/absorb/", data)
    assert response.status_code == 200, response.content.decode()[:3000]
    assert len(response.context["preview"].moved) == 78
