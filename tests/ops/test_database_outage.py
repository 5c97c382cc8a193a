"""When the database restarts or fails, clerks meet a reconnect or a clear 503, never a lost save.

These run a real gunicorn (persistent connections, health checks, DEBUG off)
against the test database and really cut its connections with
pg_terminate_backend; on SQLite the PostgreSQL ones skip, saying why.
"""

import json
import threading
import time
from datetime import timedelta

import psycopg2
import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from targets.models import ProgressReport
from tests.helpers import URL, field, good_figures, state
from tests.ops import gunicorn

pytestmark = pytest.mark.django_db(transaction=True)
APP = "ops-outage-test"  # the application_name of gunicorn's connections, to find them


def _dsn():
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _admin():
    db = connection.settings_dict
    conn = psycopg2.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432)
    conn.autocommit = True
    return conn


def _backends(admin, waiting=False):
    with admin.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()"
            + (" AND wait_event_type = 'Lock'" if waiting else ""),
            [APP],
        )
        return [row[0] for row in cursor.fetchall()]


def _terminate(admin, pids):
    with admin.cursor() as cursor:
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """collectstatic once: with DEBUG off, pages name their static files through the manifest."""
    import os
    import subprocess
    import sys

    root = tmp_path_factory.mktemp("static")
    env = {**os.environ, **gunicorn.PRODUCTION, "STATIC_ROOT": str(root)}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=gunicorn.ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    return root


@pytest.fixture
def server(static_root):
    if connection.vendor != "postgresql":
        pytest.skip("cutting a live connection needs PostgreSQL (CI runs it; set DATABASE_URL)")
    from tests.helpers import restore_demo

    restore_demo()
    # gunicorn reads the machine's clock (moved years ahead by `make test-future`), not this process's
    # fixed one: the demo's open quarter stays open for it as it does for the tests.
    from time_machine import escape_hatch

    from targets.models import DeadlineExtension

    machine_today = escape_hatch.datetime.datetime.now().date()
    DeadlineExtension.objects.filter(
        unit__code="kcn-nam-tan-uyen", period__year=2025, period__quarter=2
    ).update(until=machine_today + timedelta(days=30))
    process, port = gunicorn.start(
        f"{_dsn()}?application_name={APP}",
        extra={"CONN_MAX_AGE": "600", "STATIC_ROOT": str(static_root)},
    )
    yield port
    gunicorn.stop(process)


def _signed_in(port, username):
    """A browser with a session of `username` (made through Django's own login, signed with
    gunicorn's key so that gunicorn accepts it)."""
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings

    client = Client()
    with override_settings(SECRET_KEY=gunicorn.PRODUCTION["SECRET_KEY"]):
        client.force_login(get_user_model().objects.get(username=username))
    # gunicorn reads the real clock, this process may run a moved one: the session must not
    # look expired to gunicorn whatever this process thinks the time is.
    key = client.cookies["sessionid"].value
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(days=3650))
    browser = gunicorn.Browser(port)
    browser.cookies["sessionid"] = key
    return browser


def test_after_the_database_drops_every_connection_the_next_page_is_served(server):
    clerk = _signed_in(server, "namtanuyen")
    assert clerk.get(URL)[0] == 200
    admin = _admin()
    before = _backends(admin)
    assert before, "gunicorn keeps its connection between requests (CONN_MAX_AGE)"
    _terminate(admin, before)  # what a restart or a failover does to the open connections

    status, text = clerk.get(URL)
    assert status == 200, text[:500]
    after = _backends(admin)
    assert after and not set(after) & set(before)  # the health check opened a new connection
    admin.close()


def test_a_save_cut_off_mid_transaction_answers_503_says_nothing_was_saved_and_keeps_nothing(server):
    from units.models import Unit

    clerk = _signed_in(server, "namtanuyen")
    status, _ = clerk.post_form(URL, good_figures())
    assert status == 302
    report = ProgressReport.objects.get(unit__code="kcn-nam-tan-uyen", period__year=2025, period__quarter=2)
    unit, period = Unit.objects.get(code="kcn-nam-tan-uyen"), report.period
    before = state(unit, period)

    # Another session holds the report's row, so the save waits inside its transaction;
    # then the database drops the clerk's connection, as a crash or failover would.
    admin, holder = _admin(), _admin()
    holder.autocommit = False
    with holder.cursor() as cursor:
        cursor.execute("SELECT id FROM targets_progressreport WHERE id = %s FOR UPDATE", [report.pk])
    answer = {}
    status, text = clerk.get(URL)
    token = text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    changed = good_figures(
        version=str(report.version), csrfmiddlewaretoken=token, **{field("CT06", "value"): "9"}
    )

    def save():
        answer["status"], answer["text"] = clerk.request("POST", URL, changed)

    saving = threading.Thread(target=save)
    saving.start()
    deadline = time.monotonic() + 20
    while not _backends(admin, waiting=True) and time.monotonic() < deadline:
        time.sleep(0.05)
    waiting = _backends(admin, waiting=True)
    assert waiting, "the save should be waiting for the row lock"
    _terminate(admin, waiting)
    saving.join(30)
    holder.rollback()
    holder.close()

    assert answer["status"] == 503
    assert "Chưa lưu gì" in answer["text"]
    assert "gửi lại" in answer["text"]
    assert state(unit, period) == before
    # The next request is served on a new connection, and sending again works.
    assert clerk.get(URL)[0] == 200
    again = clerk.post_form(URL, good_figures(version=str(report.version), **{field("CT06", "value"): "9"}))
    assert again[0] == 302
    assert state(unit, period) != before
    admin.close()


def test_with_the_database_down_every_page_answers_503_saying_nothing_was_saved():
    """Nothing listens where the database should be (stopped, or failing over)."""
    process, port = gunicorn.start(f"postgres://postgres@127.0.0.1:{gunicorn.free_port()}/gone")
    try:
        browser = gunicorn.Browser(port)
        browser.cookies["sessionid"] = "x" * 32  # a signed-in clerk: the session lives in the database
        status, text = browser.get(URL)
        assert status == 503
        assert "Chưa lưu gì" in text and "gửi lại" in text
        # The clerk's form, as the page gave it: the CSRF token checks out without the database.
        browser.cookies["csrftoken"] = "c" * 32
        status, text = browser.request("POST", URL, {"version": "1", "csrfmiddlewaretoken": "c" * 32})
        assert status == 503 and "Chưa lưu gì" in text
        # A program calling the API is answered in JSON, in the same words.
        status, text = browser.get("/api/units/")
        assert status == 503 and json.loads(text)["saved"] == "nothing"
        assert "chưa lưu gì" in json.loads(text)["detail"]
    finally:
        output = gunicorn.stop(process)
    assert "database unavailable" in output or "OperationalError" in output
