"""Lists and figures cost a fixed number of queries, whatever the page size or the size of the tree."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(captured)


@pytest.mark.parametrize(
    "path",
    [
        "/api/units/?page_size={n}",
        "/api/reports/?page_size={n}",
        "/api/reports/?quarter=2025-q2&page_size={n}",
        "/api/quotas/?page_size={n}",
        "/api/targets/?page_size={n}",
    ],
)
def test_a_list_costs_the_same_for_ten_rows_as_for_five_hundred(api_as, vanphong, path):
    client = api_as(vanphong)
    queries(client, path.format(n=1))  # the token's first use writes last_used_at
    small, large = queries(client, path.format(n=10)), queries(client, path.format(n=500))
    assert small == large, (small, large)
    assert large <= 14


@pytest.mark.parametrize(
    "path",
    [
        "/api/units/duk/figures/?as_of=2025-q2",
        "/api/units/duk/completeness/?quarter=2025-q2",
        "/api/reports/buu-dien/2025-q1/",
        "/api/reports/buu-dien/2025-q1/history/",
        "/api/units/duk/",
    ],
)
def test_figures_and_reports_cost_a_bounded_number_of_queries(
    api_as, vanphong, path, django_assert_max_num_queries
):
    client = api_as(vanphong)
    client.get("/api/congresses/")
    with django_assert_max_num_queries(40):
        assert client.get(path).status_code == 200
