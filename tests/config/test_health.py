"""/healthz for the load balancer (liveness) and /healthz?full=1 for readiness (broker, ledger)."""

from datetime import timedelta

import pytest
from django.db import connection

from config import clock

pytestmark = pytest.mark.django_db


def test_readiness_reports_the_ledger_and_is_ready_when_nothing_is_owed(client):
    body = client.get("/healthz?full=1").json()
    assert body["status"] == "ok"
    assert body["ledger"]["pending"] == 0
    assert body["broker"] in ("ok", "eager")


def test_readiness_fails_when_a_change_has_waited_too_long(client, settings):
    from targets.models import Period, RollupChange
    from units.models import Unit

    settings.READINESS_MAX_LAG_S = 60
    period = Period.objects.get(congress__unit__code="duk", year=2025, quarter=2)
    RollupChange.objects.create(
        congress=period.congress,
        unit=Unit.objects.get(code="buu-dien"),
        period=period,
        cause=RollupChange.Cause.SUBMIT,
        created_at=clock.now() - timedelta(minutes=10),
    )
    response = client.get("/healthz?full=1")
    assert response.status_code == 503
    assert response.json()["ledger"]["pending"] == 1
    assert response.json()["ledger"]["oldest_age_s"] >= 600
    assert client.get("/healthz").status_code == 200  # liveness does not depend on the worker


@pytest.mark.django_db(transaction=True)
def test_with_the_database_gone_healthz_answers_503_even_to_a_logged_in_browser(client):
    """The load balancer and a clerk's browser (session cookie) both get 503, never a 500."""
    if connection.vendor != "postgresql":
        pytest.skip("cutting the database off needs a server connection (CI runs PostgreSQL)")
    from django.contrib.auth import get_user_model

    from tests.e2e.services import TcpProxy

    user = get_user_model().objects.create_user("health-check", password="x")
    client.force_login(user)
    proxy = TcpProxy(int(connection.settings_dict["PORT"] or 5432))
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(proxy.port)
    try:
        assert client.get("/healthz").status_code == 200
        proxy.cut()
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["database"].startswith("unavailable")
        assert client.get("/healthz?full=1").status_code == 503
        proxy.restore()
        connection.close()
        assert client.get("/healthz").status_code == 200
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
        proxy.close()
