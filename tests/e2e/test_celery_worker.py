"""With a real Celery worker on Redis, an approval shows on the bloc dashboard within seconds.

Runs where REDIS_URL is set and the tests use PostgreSQL (as in CI); the
worker is a separate process that reads the test database.

The worker does not see the tests' clock (time-machine patches this process
only); under `make test-future` it inherits libfaketime and runs years ahead.
That is harmless: everything that depends on the date (the report's deadline
and extension) is decided here, in the test process, and the worker only
recomputes roll-ups, which depend on approved figures, never on the date.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.helpers import URL, good_figures

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker():
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: no broker for a real worker (CI sets it)")
    if connection.vendor != "postgresql":
        pytest.skip("a worker process cannot see an in-memory SQLite test database; CI runs PostgreSQL")
    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env["REDIS_URL"] = settings.REDIS_URL
    import redis

    # No stale tasks from earlier runs, queued or left unacknowledged (acks_late): a worker whose clock
    # runs ahead (make test-future) would otherwise redeliver an old run's unacked task at once.
    redis.Redis.from_url(settings.REDIS_URL).delete("celery", "unacked", "unacked_index")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    ready = False
    lines = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if "ready." in line:
            ready = True
            break
        if process.poll() is not None:
            break
    if not ready:
        process.kill()
        pytest.fail("the Celery worker did not start:\n" + "".join(lines[-30:]))
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def demo():
    """The demo again, before the personas are looked up: an earlier transactional test
    (a race, a database outage) flushed the database. Loading it is idempotent."""
    from tests.helpers import restore_demo

    restore_demo()


def test_an_approval_reaches_the_bloc_dashboard_within_10_seconds(
    worker, demo, office_client, namtanuyen_client
):
    from config.celery import app

    assert not app.conf.task_always_eager
    before = office_client.get("/dashboard/?as_of=2025-q2").context["board"]
    ct06 = next(x for x in before.lines if x.target.code == "CT06").assessment.actual
    namtanuyen_client.post(URL, good_figures(submit="1"))
    version = office_client.get(URL).context["review_form"].initial["version"]  # the version reviewed
    approved_at = time.monotonic()
    office_client.post(URL + "review/", {"decision": "approve", "version": version})
    while time.monotonic() - approved_at < 10:
        board = office_client.get("/dashboard/?as_of=2025-q2").context["board"]
        if next(x for x in board.lines if x.target.code == "CT06").assessment.actual == ct06 + 5:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the approval did not reach the bloc dashboard within 10 s")
    print(f"approval visible on the bloc dashboard after {time.monotonic() - approved_at:.2f}s")
