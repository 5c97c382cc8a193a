"""Shared fixtures: the demo bloc, loaded once per test session, and its personas.

Personas (docs/domain.md, "Roles"): the bloc office clerk (vanphong), a
standing committee member (thuongvu), the secretary of unit A
(namtanuyen, kcn-nam-tan-uyen) and the secretary of unit B who must not see A
(buudien, buu-dien).
"""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model

from tests.helpers import DEMO_NOW, DEMO_TODAY, snapshot_demo


def pytest_configure():
    import tempfile

    # Hashing demo passwords with PBKDF2 costs seconds per run; tests need no strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Uploaded and demo files go to a throwaway folder, never into the project's var/media.
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="tracker-media-")


# Tests that start processes on the machine's shared services (a Celery worker reading the broker's
# one queue, honcho, the benchmark's worker, the fault tests' own Redis servers and database cuts):
# under `pytest -n` (make test) they all run on one xdist worker, one after another, so two of them
# never consume each other's tasks or compete for the cores while timing a broker outage.
SERVICES_GROUP = "services"
SERVICE_MODULES = ("test_procfile.py", "test_bench.py", "test_database_outage.py", "test_backup_restore.py")


def pytest_collection_modifyitems(items):
    for item in items:
        shared = item.get_closest_marker("worker") or item.get_closest_marker("faults")
        if shared or item.path.name in SERVICE_MODULES:
            item.add_marker(pytest.mark.xdist_group(SERVICES_GROUP))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from targets.devtools.demo import load_demo

    # Loaded earlier the same morning: its timestamps (history, granted_at…) are on the demo's day
    # and before anything a test does (every test starts at DEMO_NOW), as history ordering expects.
    with django_db_blocker.unblock(), time_machine.travel(DEMO_NOW - timedelta(hours=2), tick=True):
        load_demo(today=DEMO_TODAY)
        snapshot_demo()


@pytest.fixture(autouse=True)
def demo_clock():
    """Every test runs on the demo's day, whatever the machine's clock says.

    The demo data is built for DEMO_TODAY (Q2/2025 extended for kcn-nam-tan-uyen),
    and the views ask config.clock for today; without this the suite would start
    failing once the real date passes the extension. The clock ticks, so code
    that measures time still sees it pass. A test that needs another day asks
    for this fixture and calls `demo_clock.move_to(...)`, travels again inside
    (time-machine nests) or passes `today=` explicitly. The live
    server thread shares this process and this clock; a subprocess (the Celery
    worker, manage.py bench, LibreOffice) does not.
    """
    with time_machine.travel(DEMO_NOW, tick=True) as traveller:
        yield traveller


def _user(username):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def vanphong(db):
    return _user("vanphong")


@pytest.fixture
def thuongvu(db):
    return _user("thuongvu")


@pytest.fixture
def namtanuyen(db):
    return _user("namtanuyen")


@pytest.fixture
def buudien(db):
    return _user("buudien")


@pytest.fixture
def soxaydung(db):
    return _user("soxaydung")


def _logged_in(user):
    """A client of its own per persona, so that two personas can act in one test."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def office_client(vanphong):
    return _logged_in(vanphong)


@pytest.fixture
def standing_client(thuongvu):
    return _logged_in(thuongvu)


@pytest.fixture
def namtanuyen_client(namtanuyen):
    return _logged_in(namtanuyen)


@pytest.fixture
def buudien_client(buudien):
    return _logged_in(buudien)


@pytest.fixture
def soxaydung_client(soxaydung):
    return _logged_in(soxaydung)


@pytest.fixture(autouse=True)
def celery_eager(request):
    """Tasks run inline in tests, even when CI sets REDIS_URL; the worker test opts out."""
    from config.celery import app

    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
