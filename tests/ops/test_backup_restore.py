"""A backup restored into a fresh database shows the same dashboards (README, Backup and restore).

Follows the README's procedure: `pg_dump -Fc`, `pg_restore` into a new
database, `python manage.py rollup --full`; then the bloc dashboards' figures
(every target line's value, cumulative, numerator and denominator in every
quarter) read from the restored copy equal the original's. Needs PostgreSQL
and its client tools, as in CI; skipped on SQLite.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


def _url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"


def _pg(*args: str) -> subprocess.CompletedProcess:
    db = connection.settings_dict
    return subprocess.run(
        [*args, "-h", db["HOST"], "-p", str(db["PORT"] or 5432), "-U", db["USER"]],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


def _manage(database: str, *args: str, module: bool = False) -> str:
    env = {**os.environ, "DATABASE_URL": _url(database)}
    env.pop("REDIS_URL", None)  # roll-ups run inline in the command's own process
    command = [sys.executable, "-m", *args] if module else [sys.executable, "manage.py", *args]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture
def restored(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump/pg_restore need PostgreSQL (CI runs it; set DATABASE_URL)")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed")
    source = connection.settings_dict["NAME"]
    copy = f"{source}_restore"
    dump = tmp_path / "tracker.dump"
    _pg("pg_dump", "-Fc", "--no-owner", "-f", str(dump), "-d", source)
    _pg("dropdb", "--if-exists", copy)
    _pg("createdb", copy)
    try:
        _pg("pg_restore", "--no-owner", "--exit-on-error", "-d", copy, str(dump))
        yield source, copy
    finally:
        _pg("dropdb", "--if-exists", copy)


@pytest.mark.django_db
def test_a_restored_backup_shows_the_same_bloc_dashboards(restored):
    source, copy = restored
    before = json.loads(_manage(source, "tests.ops.figures", module=True))
    assert before["duk/CT06"]["points"][-1][1] > 0  # the demo's approved reports are in the figures
    rebuilt = _manage(copy, "rollup", "--full")
    assert "Rebuilt" in rebuilt
    after = json.loads(_manage(copy, "tests.ops.figures", module=True))
    assert after == before
