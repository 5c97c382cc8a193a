"""The embedded SQLite of `make run`, raced for real: two requests writing the same report at once.

The test database of the suite cannot show this (on SQLite it is in memory with
a shared cache, where a second writer fails at once), so a child process builds
a small bloc in a SQLite file configured exactly as `make run` configures
var/db.sqlite3 (config/settings.py), then sends two requests at the same
instant from two threads, each on its own connection, and reports what each
person saw. Before transactions took the write lock when they began
(IMMEDIATE), the second writer failed with "database is locked".
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, os, sys, threading
from datetime import timedelta

import django

django.setup()
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()  # the test client's host name; e-mails kept in memory
with connection.schema_editor() as editor:  # the schema in one transaction: no 20 migrations
    for model in apps.get_models():
        if model._meta.managed and not model._meta.proxy:
            editor.create_model(model)

from config import clock
from targets.models import DeadlineExtension, ProgressReport
from targets.periods import periods_ensure
from tests.factories import CongressFactory, ResolutionFactory, TargetFactory, UnitFactory, UserFactory
from units.models import Membership, Unit

bloc = UnitFactory(code="bloc", kind=Unit.Kind.BLOC, members=0)
unit = UnitFactory(parent=bloc, code="cell", members=40)
congress = CongressFactory(unit=bloc)
target = TargetFactory(resolution=ResolutionFactory(congress=congress), code="R01")
period = periods_ensure(congress)[-1]
DeadlineExtension.objects.create(unit=unit, period=period, until=clock.today() + timedelta(days=30), reason="x")
clerk, office = UserFactory(username="clerk"), UserFactory(username="office", first_name="Văn phòng")
Membership.objects.create(user=clerk, unit=unit, role=Membership.Role.UNIT_CLERK)
Membership.objects.create(user=office, unit=bloc, role=Membership.Role.BLOC_OFFICE)
url = f"/reports/{unit.code}/{period.slug}/"
connection.close()


def at_once(user, path, data):
    barrier, out = threading.Barrier(2), [None, None]

    def run(i):
        client = Client()
        client.force_login(user)
        barrier.wait()
        try:
            response = client.post(path, data, follow=True)
            out[i] = {"status": response.status_code, "page": response.content.decode()}
        except Exception as exc:
            out[i] = {"error": f"{exc.__class__.__name__}: {exc}"}
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return out


result = {"send": at_once(clerk, url, {"version": "0", f"t{target.pk}-value": "5", "submit": "1"})}
report = ProgressReport.objects.get(unit=unit, period=period)
result["after_send"] = [report.status, report.version, report.history.count()]
result["approve"] = at_once(office, url + "review/", {"decision": "approve", "version": report.version})
report.refresh_from_db()
result["after_approve"] = [report.status, report.version, report.history.count()]
result["options"] = connection.settings_dict["OPTIONS"]
print(json.dumps(result))
"""


def race(tmp_path) -> dict:
    script = tmp_path / "race.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    env.pop("REDIS_URL", None)  # the embedded default: tasks run inline
    done = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    return race(tmp_path_factory.mktemp("sqlite-race"))


def test_make_run_sqlite_takes_the_write_lock_when_a_transaction_begins(outcome):
    assert outcome["options"]["transaction_mode"] == "IMMEDIATE"
    assert outcome["options"]["timeout"] >= 5


def test_a_double_click_on_send_on_sqlite_sends_once_and_neither_click_fails(outcome):
    assert all("error" not in r for r in outcome["send"]), outcome["send"]
    assert [r["status"] for r in outcome["send"]] == [200, 200]
    pages = [r["page"] for r in outcome["send"]]
    assert not any("database is locked" in p for p in pages)
    assert any("Đã gửi báo cáo" in p for p in pages)
    assert any("Báo cáo đã được gửi lúc" in p or "Đã gửi báo cáo" in p for p in pages)
    assert outcome["after_send"] == ["submitted", 2, 2]  # created, sent: once each


def test_a_double_click_on_approve_on_sqlite_approves_once_and_says_so_to_the_second(outcome):
    assert all("error" not in r for r in outcome["approve"]), outcome["approve"]
    pages = [r["page"] for r in outcome["approve"]]
    assert sum("Đã duyệt báo cáo của" in p for p in pages) == 1
    assert sum("Báo cáo đã được duyệt lúc" in p for p in pages) == 1
    assert not any("Chỉ duyệt hoặc trả lại được" in p for p in pages)
    assert outcome["after_approve"] == ["approved", 3, 3]
