"""A bad environment value stops start-up with a message naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env

ROOT = Path(__file__).resolve().parents[2]


def start_django(**variables):
    """Import the settings in a fresh interpreter with these variables set."""
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}
    }
    clean.update(variables)
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_starts_with_no_variable_at_all():
    result = start_django()
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


REAL_KEY = "test-only-9f3c1a7e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5"


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"DEBUG": "false", "ALLOWED_HOSTS": "example.vn"}, "SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": "short", "ALLOWED_HOSTS": "example.vn"}, "SECRET_KEY"),
        # Django's deploy check asks for 50 characters; 49 random ones are refused.
        ({"DEBUG": "false", "SECRET_KEY": REAL_KEY[:49], "ALLOWED_HOSTS": "example.vn"}, "SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": "ab" * 40, "ALLOWED_HOSTS": "example.vn"}, "SECRET_KEY"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x", "CONN_MAX_AGE": "-1"}, "CONN_MAX_AGE"),
        ({"SECURE_HSTS_SECONDS": "a year"}, "SECURE_HSTS_SECONDS"),
        ({"SECURE_SSL_REDIRECT": "sometimes"}, "SECURE_SSL_REDIRECT"),
        ({"TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT"),
        ({"SESSION_IDLE_MINUTES": "1"}, "SESSION_IDLE_MINUTES"),
        ({"REPORT_DEADLINE_DAYS": "fifteen"}, "REPORT_DEADLINE_DAYS"),
        ({"AXES_FAILURE_LIMIT": "0"}, "AXES_FAILURE_LIMIT"),
        ({"ALLOW_SELF_APPROVAL": "sometimes"}, "ALLOW_SELF_APPROVAL"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(variables, named):
    result = start_django(**variables)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.splitlines()[-1]


def test_the_development_key_is_refused_when_debug_is_off():
    result = start_django(DEBUG="false", ALLOWED_HOSTS="example.vn")
    assert "development key is refused" in result.stderr


def test_production_settings_start_with_a_real_key():
    result = start_django(DEBUG="false", SECRET_KEY=REAL_KEY, ALLOWED_HOSTS="example.vn")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("1", True), ("off", False), ("NO", False)])
def test_booleans_read_in_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env.env_bool("SOME_FLAG", not expected) is expected


def test_an_empty_variable_means_the_default(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "  ")
    assert env.env_int("SOME_NUMBER", 7) == 7


def test_a_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("SOME_HOSTS", "a.vn, b.vn,")
    assert env.env_list("SOME_HOSTS", []) == ["a.vn", "b.vn"]


def test_a_postgres_url_becomes_a_postgres_database(monkeypatch):
    monkeypatch.setenv("SOME_DB", "postgres://postgres@127.0.0.1:5432/tracker")
    config = env.env_database("SOME_DB", "sqlite:///x.db")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "tracker"


def test_a_database_url_without_a_name_is_refused(monkeypatch):
    monkeypatch.setenv("SOME_DB", "postgres://postgres@127.0.0.1:5432/")
    with pytest.raises(ImproperlyConfigured, match="SOME_DB"):
        env.env_database("SOME_DB", "sqlite:///x.db")


def _example_environment() -> dict[str, str]:
    """The variables of .env.example, the file an office copies to start its server."""
    variables = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            variables[name] = value
    return variables


def test_the_example_production_settings_pass_djangos_deploy_check():
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is no production setting (Django's check says so).
    left_out = {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in left_out}
    clean.update(_example_environment())
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
