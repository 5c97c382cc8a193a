"""`make prod` ends in `honcho start`: the Procfile's web, worker and beat come up together
against PostgreSQL and Redis, and stop together. Runs where REDIS_URL is set (CI)."""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.ops import gunicorn

pytestmark = [pytest.mark.worker, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]


def test_honcho_starts_web_worker_and_beat_from_the_procfile(tmp_path):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: no broker for the worker (CI sets it)")
    if connection.vendor != "postgresql":
        pytest.skip("the processes share a PostgreSQL database (CI runs it; set DATABASE_URL)")
    db = connection.settings_dict
    port = gunicorn.free_port()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        gunicorn.PRODUCTION,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        REDIS_URL=settings.REDIS_URL,
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        WORKER_CONCURRENCY="1",
        BEAT_SCHEDULE=str(tmp_path / "beat-schedule"),
        PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "honcho", "--no-colour", "-e", str(tmp_path / "none.env"), "start"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline:
            text = "".join(lines)
            if health is None:
                with contextlib.suppress(OSError):
                    health = gunicorn.Browser(port).get("/healthz")
            if health and "ready." in text and "beat: Starting" in text:
                break
            time.sleep(0.3)
        text = "".join(lines)
        assert health and health[0] == 200 and '"database": "ok"' in health[1], text[-3000:]
        assert "ready." in text, text[-3000:]  # the Celery worker
        assert "beat: Starting" in text, text[-3000:]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    reader.join(5)
    with pytest.raises(OSError):
        gunicorn.Browser(port).get("/healthz")  # web stopped with the rest
