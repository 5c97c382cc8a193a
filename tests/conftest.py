"""Shared fixtures: the demo bloc, loaded once per test session, and its personas.

Personas (docs/domain.md, "Roles"): the bloc office clerk (vanphong), a
standing committee member (thuongvu), the secretary of unit A
(namtanuyen, kcn-nam-tan-uyen) and the secretary of unit B who must not see A
(buudien, buu-dien).
"""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from tests.helpers import DEMO_TODAY


def pytest_configure():
    import tempfile

    # Hashing demo passwords with PBKDF2 costs seconds per run; tests need no strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Uploaded and demo files go to a throwaway folder, never into the project's var/media.
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="tracker-media-")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from targets.devtools.demo import load_demo

    with django_db_blocker.unblock():
        load_demo(today=DEMO_TODAY)


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
