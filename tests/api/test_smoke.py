import pytest

pytestmark = pytest.mark.django_db


def test_smoke(api_as, vanphong, namtanuyen):
    office = api_as(vanphong)
    for url in [
        "/api/units/",
        "/api/units/duk/",
        "/api/units/duk/figures/",
        "/api/units/duk/completeness/?quarter=2025-q2",
        "/api/congresses/",
        "/api/resolutions/",
        "/api/targets/",
        "/api/quotas/",
        "/api/reports/?quarter=2025-q2",
        "/api/reports/kcn-nam-tan-uyen/2025-q2/",
        "/api/reports/buu-dien/2025-q1/history/",
        "/api/schema/",
    ]:
        r = office.get(url)
        print(url, r.status_code, str(r.content[:300], "utf-8", "replace"))
        assert r.status_code == 200
