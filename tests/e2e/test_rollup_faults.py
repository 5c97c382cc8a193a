"""Faults against the real services: the broker refusing or hung, the worker killed mid-settle,
the database gone for longer than the task retries. In each case the approval answers normally,
the dashboard says figures are being settled, and once the fault is over the roll-up equals a
full rebuild with no nightly job.

Runs where the tests use PostgreSQL and redis-server is installed (as in CI).
"""

import shutil
import time

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from tests.e2e.services import CeleryProcess, RedisServer, TcpProxy
from tests.helpers import URL, good_figures, shown_version

pytestmark = [pytest.mark.worker, pytest.mark.faults, pytest.mark.django_db(transaction=True)]

# Wait this long for the figures to converge; they do in a few seconds with a 2-second sweep.
CONVERGE_S = 60
# A request that meets a dead or hung broker answers within its ~2 s timeouts; 10 s means it hung.
HUNG_S = 10


def _snapshot():
    from targets.models import Rollup, RollupUnit

    return (
        sorted(
            Rollup.objects.values_list(
                "unit_id",
                "target_id",
                "period_id",
                "value",
                "cumulative",
                "numerator",
                "denominator",
                "reporting",
                "carried",
            )
        ),
        sorted(
            RollupUnit.objects.values_list("unit_id", "period_id", "expected", "on_time", "late", "pending")
        ),
    )


def _pending() -> int:
    from targets.models import RollupChange

    return RollupChange.objects.filter(settled_at__isnull=True).count()


def _wait_until_settled(timeout: float = CONVERGE_S) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if _pending() == 0:
            return time.monotonic() - started
        time.sleep(0.25)
    pytest.fail(f"{_pending()} changes still pending after {timeout} s")


def _assert_equal_to_a_full_rebuild():
    from resolutions.models import Congress
    from targets.rollup import rollup_full

    settled = _snapshot()
    rollup_full(Congress.objects.get(unit__code="duk"))
    assert _snapshot() == settled


def _bloc_ct06(client) -> int:
    board = client.get("/dashboard/?as_of=2025-q2").context["board"]
    return next(x for x in board.lines if x.target.code == "CT06").assessment.actual


@pytest.fixture
def faults(tmp_path, monkeypatch):
    """A Redis of the test's own as the broker of this process and of the workers it starts."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker processes need a database they can share: CI runs PostgreSQL")
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    from config.celery import app
    from tests.helpers import restore_demo

    redis = RedisServer()
    redis.start()
    previous = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = redis.url
    app.conf.task_always_eager = False
    app._pool = None  # the publisher's connection pool is per broker URL
    app.amqp._producer_pool = None
    monkeypatch.setattr(settings, "REDIS_URL", redis.url)
    monkeypatch.setattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    restore_demo()
    db = connection.settings_dict
    processes = []

    class Faults:
        broker = redis

        def start(self, kind, *, db_port=None, **env):
            process = CeleryProcess(
                kind,
                {
                    "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db_port or db['PORT']}/{db['NAME']}",
                    "REDIS_URL": redis.url,
                    "ROLLUP_SWEEP_SECONDS": "2",
                    **env,
                },
                tmp_path,
            )
            process.start()
            processes.append(process)
            return process

    yield Faults()
    for process in processes:
        process.stop()
    redis.stop()
    app.conf.broker_url, app.conf.task_always_eager = previous
    app._pool = None
    app.amqp._producer_pool = None


def test_with_the_broker_down_or_hung_approvals_answer_and_the_figures_converge_after(
    faults, office_client, namtanuyen_client
):
    before = _bloc_ct06(office_client)
    faults.broker.stop()  # refuses connections
    started = time.monotonic()
    response = namtanuyen_client.post(URL, good_figures(submit="1"))
    assert response.status_code == 302 and time.monotonic() - started < HUNG_S
    faults.broker.start()
    faults.broker.pause()  # accepts, never answers
    version = shown_version(office_client)
    started = time.monotonic()
    response = office_client.post(URL + "review/", {"decision": "approve", "version": version})
    waited = time.monotonic() - started
    assert response.status_code == 302 and waited < HUNG_S
    assert "Đã duyệt báo cáo" in office_client.get(URL).content.decode()
    page = office_client.get("/dashboard/?as_of=2025-q2")
    assert not page.context["board"].freshness.settled
    assert "1 báo cáo đã duyệt đang được tổng hợp" in page.content.decode()
    assert _bloc_ct06(office_client) == before  # not yet counted, and the page says so
    assert office_client.get("/healthz?full=1").status_code == 503
    print(f"approval answered in {waited:.2f} s with the broker hung")

    faults.broker.resume()
    faults.start("worker")
    faults.start("beat")
    print(f"settled {_wait_until_settled():.1f} s after the broker came back")
    assert _bloc_ct06(office_client) == before + 5
    assert office_client.get("/dashboard/?as_of=2025-q2").context["board"].freshness.settled
    _assert_equal_to_a_full_rebuild()


def test_a_worker_killed_in_the_middle_of_a_settle_leaves_nothing_half_done(
    faults, office_client, namtanuyen_client
):
    from resolutions.models import Congress
    from targets.rollup import LOCK_NAMESPACE

    before = _bloc_ct06(office_client)
    congress = Congress.objects.get(unit__code="duk")
    worker = faults.start("worker")
    db = connection.settings_dict
    blocker = psycopg2.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"])
    blocker.autocommit = True
    with blocker.cursor() as cursor:
        # Hold the term's roll-up lock: the worker's settle starts, writes nothing yet, and waits here.
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, congress.pk])
        namtanuyen_client.post(URL, good_figures(submit="1"))
        office_client.post(URL + "review/", {"decision": "approve", "version": shown_version(office_client)})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = %s",
                [congress.pk],
            )
            if cursor.fetchone()[0]:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the worker never reached the settle")
        worker.kill()  # kill -9 in the middle of the settle's transaction
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, congress.pk])
    blocker.close()
    assert _pending() >= 1 and _bloc_ct06(office_client) == before
    faults.start("worker")
    faults.start("beat")
    _wait_until_settled()
    assert _bloc_ct06(office_client) == before + 5
    _assert_equal_to_a_full_rebuild()


def test_after_a_database_outage_longer_than_the_retries_the_figures_converge(
    faults, office_client, namtanuyen_client
):
    before = _bloc_ct06(office_client)
    proxy = TcpProxy(int(connection.settings_dict["PORT"] or 5432))
    try:
        worker = faults.start("worker", db_port=proxy.port, SETTLE_RETRY_WINDOW_S="3")
        faults.start("beat")
        proxy.cut()  # the worker's database is gone
        namtanuyen_client.post(URL, good_figures(submit="1"))
        office_client.post(URL + "review/", {"decision": "approve", "version": shown_version(office_client)})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(
            "unreachable for too long" in line for line in worker.lines
        ):
            time.sleep(0.5)
        assert any("unreachable for too long" in line for line in worker.lines), "".join(worker.lines[-20:])
        assert _pending() >= 1 and _bloc_ct06(office_client) == before
        proxy.restore()
        _wait_until_settled()
    finally:
        proxy.close()
    assert _bloc_ct06(office_client) == before + 5
    _assert_equal_to_a_full_rebuild()
