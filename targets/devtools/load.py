"""Load test, run by hand (never in CI): clerks save and submit while viewers read dashboards.

    python -m targets.devtools.load --database-url postgres://postgres@127.0.0.1:5432/rt_load \
        --redis-url redis://127.0.0.1:6379/12 --port 8401

It builds its own database (dropped and created anew: its name must contain "load"), loads the
demo, gives CLERKS generated clerk users a grassroots unit each with Q2/2025 open, then starts
gunicorn (3 workers, DEBUG off, persistent connections) and a Celery worker on Redis, like
`make prod`, and for DURATION seconds:

- each clerk opens the report, saves a draft, opens it again and sends it (save + submit); the
  bloc office (a session per clerk) approves it, which enqueues the roll-up, and reopens it,
  which hands it back to the clerk and enqueues the roll-up again; then the clerk starts over;
- each viewer (standing committee) reads the bloc dashboard or a clerk unit's dashboard.

Every user waits THINK seconds at most (uniform) between steps. Afterwards it checks that
every unit's stored figures equal its last successful save (no lost write), waits for the
worker to go idle (no task queued or unacknowledged in Redis), and checks that the roll-up rows
equal a full rebuild (`rollup --full` changes no row). It prints and writes (`--json`) the
requests, errors and p50/p95 per kind.

Our own few hundred lines instead of locust: the check needs every clerk's last successful
save, the setup needs the project's services, and the whole run is one command with no extra
dependency (a Python thread per user is plenty for 70 users on this machine's 2 cores).
"""

import argparse
import html
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parents[2]
SECRET = "load-test-only-secret-3e1f9a7c5b2d4e6f8a0c1b3d5e7f9a2c4b6d8e0f1a"
SERVER_ENV = {"DEBUG": "false", "SECRET_KEY": SECRET, "ALLOWED_HOSTS": "127.0.0.1"}
INPUT = re.compile(r'<input[^>]*name="(t\d+-[a-z_]+)"[^>]*>', re.S)
VALUE = re.compile(r'value="([^"]*)"')
TEXTAREA = re.compile(r'<textarea[^>]*name="(t\d+-[a-z_]+)"[^>]*>(.*?)</textarea>', re.S)
SELECT = re.compile(r'<select[^>]*name="(t\d+-[a-z_]+)"[^>]*>(.*?)</select>', re.S)
SELECTED = re.compile(r'<option value="([^"]*)"[^>]*selected')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
PERIOD = "2025-q2"
SAVED_NOT_SENT = "Đã lưu nháp, nhưng chưa gửi được"  # the figures were saved, the sending refused
ALERT = re.compile(r'<div class="alert alert-danger"[^>]*>(.*?)</div>', re.S)


# --- Setup ----------------------------------------------------------------------------------


def _run(args, env, **kwargs):
    return subprocess.run(args, cwd=ROOT, env=env, check=True, **kwargs)  # noqa: S603 (our own commands)


def recreate_database(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "load" not in name:
        raise SystemExit(f"refusing to drop {name!r}: the load test's database name must contain 'load'")
    where = [
        "-h",
        parsed.hostname or "127.0.0.1",
        "-p",
        str(parsed.port or 5432),
        "-U",
        parsed.username or "postgres",
    ]
    _run(["dropdb", "--if-exists", *where, name], os.environ)
    _run(["createdb", *where, name], os.environ)


def build(url: str, clerks: int) -> None:
    """Migrate, load the demo, then clerk users and their open quarter (in this process)."""
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true"}
    env.pop("REDIS_URL", None)  # the setup's roll-ups run inline
    _run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
    _run([sys.executable, "manage.py", "loaddemo"], env, stdout=subprocess.DEVNULL)
    _django(url)
    from django.contrib.auth import get_user_model

    from config import clock
    from targets.models import DeadlineExtension, Period, ProgressReport
    from targets.services.reports import report_reopen, report_return
    from units.models import Membership, Unit

    office = get_user_model().objects.get(username="vanphong")
    period = Period.objects.filter(year=2025, quarter=2).order_by("pk").first()
    units = [u for u in Unit.objects.filter(depth__gt=1).order_by("path") if u.is_grassroots][:clerks]
    if len(units) < clerks:
        raise SystemExit(f"the demo has {len(units)} grassroots units, fewer than {clerks} clerks")
    until = clock.today() + timedelta(days=90)
    for number, unit in enumerate(units, 1):
        user = get_user_model().objects.create_user(
            f"loadclerk{number:02d}", first_name=f"Văn thư {number:02d}"
        )
        Membership.objects.create(user=user, unit=unit, role=Membership.Role.UNIT_CLERK)
        report = ProgressReport.objects.filter(unit=unit, period=period).first()
        if report and report.status == ProgressReport.Status.APPROVED:
            report_reopen(unit=unit, period=period, user=office, reason="Kiểm thử tải", until=until)
            continue
        if report and report.status == ProgressReport.Status.SUBMITTED:
            report_return(unit=unit, period=period, user=office, comment="Kiểm thử tải")
        DeadlineExtension.objects.update_or_create(
            unit=unit,
            period=period,
            defaults={"until": until, "reason": "Kiểm thử tải", "granted_by": office},
        )


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ.update(SERVER_ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def session_for(username: str) -> str:
    """A signed-in session made directly (the load measures reporting and reading, not the
    password hasher's deliberately slow logins)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(username=username)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store["_renewed_at"] = int(time.time())
    store.create()
    return store.session_key


def start_servers(url: str, redis_url: str, port: int, workers: int, log: Path) -> list[subprocess.Popen]:
    env = {**os.environ, **SERVER_ENV, "DATABASE_URL": url, "REDIS_URL": redis_url, "CONN_MAX_AGE": "600"}
    env["STATIC_ROOT"] = str(log.parent / "static")
    _run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    out = log.open("w")
    web = subprocess.Popen(  # noqa: S603 (our own commands)
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency",
            "2",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if Client(port, "").get("/healthz", "health")[0] == 200 and "ready." in log.read_text():
                return [web, worker]
        except OSError:
            pass
        time.sleep(0.5)
    stop_servers([web, worker])
    raise SystemExit(f"the servers did not start; see {log}")


def stop_servers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


# --- Users ----------------------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors = defaultdict(int)
        self.refused = defaultdict(int)
        self.reasons = set()

    def record(self, kind: str, seconds: float, ok: bool, refused: bool = False):
        with self.lock:
            self.times[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1
            if refused:
                self.refused[kind] += 1


class Client:
    """One browser session: a cookie jar with the session and CSRF cookies."""

    def __init__(self, port: int, session: str, stats: Stats | None = None):
        self.port, self.stats = port, stats
        self.cookies = {"sessionid": session} if session else {}

    def _send(self, method, path, body=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(
                method, path, body=urlencode(body) if body is not None else None, headers=headers
            )
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            return response.status, text
        finally:
            connection.close()

    def call(self, method, path, kind, body=None, expect=(200,)):
        started = time.perf_counter()
        try:
            status, text = self._send(method, path, body)
        except OSError:
            status, text = 0, ""
        if self.stats:
            self.stats.record(kind, time.perf_counter() - started, status in expect)
        return status, text

    def get(self, path, kind):
        return self.call("GET", path, kind)


def form_figures(page: str, rng: random.Random, round_no: int) -> dict:
    """The report form as the clerk leaves it: every count the same small number (so an
    'of which' never exceeds its parent), ratios and requirements as shown, a note changed."""
    data = {}
    for match in INPUT.finditer(page):
        value = VALUE.search(match.group(0))
        data[match.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, inner in TEXTAREA.findall(page):
        data[name] = html.unescape(inner.strip("\n"))
    for name, options in SELECT.findall(page):
        chosen = SELECTED.search(options)
        data[name] = html.unescape(chosen.group(1)) if chosen else ""
    count = str(rng.randint(0, 3))
    for name in data:
        if name.endswith("-value"):
            data[name] = count
    for name in data:
        # A ratio left empty (a unit's own target never reported) gets a figure: a report
        # missing one cannot be sent.
        if name.endswith("-denominator") and not data[name]:
            data[name] = "10"
            data[name.replace("-denominator", "-numerator")] = str(rng.randint(0, 10))
    notes = sorted(name for name in data if name.endswith("-note"))
    if notes:
        data[notes[0]] = f"Lần lưu {round_no}"
    return data


def clerk(port, session, office_session, unit, stats, stop_at, think, results, seed):
    from config import clock

    rng = random.Random(seed)
    url = f"/reports/{unit}/{PERIOD}/"
    me, office = Client(port, session, stats), Client(port, office_session, stats)
    round_no = 0
    while time.monotonic() < stop_at:
        for submit in (False, True):
            round_no += 1
            status, page = me.get(url, "report_page")
            version, token = VERSION.search(page), TOKEN.search(page)
            if status != 200 or not (version and token):
                time.sleep(think * rng.random())
                continue
            figures = form_figures(page, rng, round_no)
            body = {"csrfmiddlewaretoken": token.group(1), "version": version.group(1), **figures}
            body["submit" if submit else "save"] = "1"
            kind = "submit" if submit else "save"
            status, text = me.call("POST", url, kind, body, expect=(302, 200))
            if status == 302 or SAVED_NOT_SENT in text:
                results[unit] = figures  # the last save the clerk was told succeeded
            if status == 200:
                with stats.lock:
                    stats.refused[kind] += 1
                    if len(stats.reasons) < 20:
                        stats.reasons.add(" ".join(ALERT.findall(text))[:300])
            time.sleep(think * rng.random())
            if time.monotonic() >= stop_at:
                return
        status, page = office.get(url, "office_report_page")
        token = TOKEN.search(page)
        if token:
            office.call(
                "POST",
                url + "review/",
                "approve",
                {"csrfmiddlewaretoken": token.group(1), "decision": "approve"},
                (302,),
            )
            until = (clock.today() + timedelta(days=60)).isoformat()
            office.call(
                "POST",
                url + "reopen/",
                "reopen",
                {"csrfmiddlewaretoken": token.group(1), "until": until, "reason": "Kiểm thử tải: mở lại"},
                (302,),
            )
        time.sleep(think * rng.random())


def viewer(port, session, units, stats, stop_at, think, seed):
    rng = random.Random(seed)
    me = Client(port, session, stats)
    while time.monotonic() < stop_at:
        if rng.random() < 0.5:
            me.get("/dashboard/", "dashboard_bloc")
        else:
            me.get(f"/dashboard/{rng.choice(units)}/", "dashboard_unit")
        time.sleep(think * rng.random())


# --- Checks ---------------------------------------------------------------------------------


def lost_writes(results: dict) -> list[str]:
    from django.db import close_old_connections

    from targets.models import Entry

    close_old_connections()
    lost = []
    for unit, figures in results.items():
        stored = {
            e.target_id: e
            for e in Entry.objects.filter(
                report__unit__code=unit, report__period__year=2025, report__period__quarter=2
            )
        }
        for name, sent in figures.items():
            target_id, field = int(name.split("-")[0][1:]), name.split("-", 1)[1]
            entry = stored.get(target_id)
            have = getattr(entry, field, None) if entry else None
            if field in {"value", "numerator", "denominator"}:
                if (str(have) if have is not None else "") != sent.strip():
                    lost.append(f"{unit} {name}: sent {sent!r}, stored {have!r}")
            elif field == "note" and sent and (have or "") != sent:
                lost.append(f"{unit} {name}: sent {sent!r}, stored {have!r}")
    return lost


def wait_idle(redis_url: str, timeout: float = 120) -> float:
    """Until no task waits in the queue or runs unacknowledged, three polls in a row."""
    import redis

    client = redis.Redis.from_url(redis_url)
    started, quiet = time.monotonic(), 0
    while time.monotonic() - started < timeout:
        busy = client.llen("celery") + client.hlen("unacked")
        quiet = quiet + 1 if busy == 0 else 0
        if quiet >= 3:
            return time.monotonic() - started
        time.sleep(0.5)
    raise SystemExit("the worker did not go idle")


def rollup_snapshot() -> list[tuple]:
    from django.db import close_old_connections

    from targets.models import Rollup

    close_old_connections()
    fields = [f.attname for f in Rollup._meta.concrete_fields if f.attname not in {"updated_at"}]
    return sorted(Rollup.objects.values_list(*fields))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--port", type=int, default=8401)
    parser.add_argument("--clerks", type=int, default=50)
    parser.add_argument("--viewers", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--think", type=float, default=1.0, help="most seconds a user waits between steps")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--json", default="var/load.json")
    args = parser.parse_args(argv)
    if args.duration > 600:
        raise SystemExit("at most 600 s: this is a bounded load test")

    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    print(f"building {args.database_url} ...", flush=True)
    recreate_database(args.database_url)
    build(args.database_url, args.clerks)
    from units.models import Membership

    clerks = list(
        Membership.objects.filter(user__username__startswith="loadclerk")
        .order_by("user__username")
        .values_list("user__username", "unit__code")
    )
    sessions = {name: session_for(name) for name, _ in clerks}
    office_sessions = [session_for("vanphong") for _ in clerks]
    viewer_sessions = [session_for("thuongvu") for _ in range(args.viewers)]

    servers = start_servers(
        args.database_url, args.redis_url, args.port, args.web_workers, out.with_suffix(".log")
    )
    stats, results = Stats(), {}
    try:
        stop_at = time.monotonic() + args.duration
        threads = [
            threading.Thread(
                target=clerk,
                args=(args.port, sessions[n], office_sessions[i], u, stats, stop_at, args.think, results, i),
            )
            for i, (n, u) in enumerate(clerks)
        ] + [
            threading.Thread(
                target=viewer,
                args=(args.port, s, [u for _, u in clerks], stats, stop_at, args.think, 1000 + i),
            )
            for i, s in enumerate(viewer_sessions)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        idle_after = wait_idle(args.redis_url)
    finally:
        stop_servers(servers)

    lost = lost_writes(results)
    before = rollup_snapshot()
    env = {**os.environ, "DATABASE_URL": args.database_url, "DEBUG": "true"}
    env.pop("REDIS_URL", None)
    _run([sys.executable, "manage.py", "rollup", "--full"], env, stdout=subprocess.DEVNULL)
    after = rollup_snapshot()
    changed = len(set(before) ^ set(after))

    kinds = {}
    for kind, times in sorted(stats.times.items()):
        kinds[kind] = {
            "requests": len(times),
            "errors": stats.errors[kind],
            "refused": stats.refused.get(kind, 0),
            "p50_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(percentile(times, 0.95) * 1000, 1),
        }
    total = sum(k["requests"] for k in kinds.values())
    report = {
        "clerks": args.clerks,
        "viewers": args.viewers,
        "seconds": round(elapsed, 1),
        "think_max_s": args.think,
        "web_workers": args.web_workers,
        "requests": total,
        "requests_per_s": round(total / elapsed, 1),
        "errors": sum(k["errors"] for k in kinds.values()),
        "kinds": kinds,
        "units_saved": len(results),
        "refusals": sorted(stats.reasons),
        "lost_writes": len(lost),
        "lost_examples": lost[:10],
        "worker_idle_after_s": round(idle_after, 1),
        "rollup_rows": len(before),
        "rollup_rows_changed_by_full_rebuild": changed,
    }
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"{'kind':<20}{'requests':>9}{'errors':>8}{'refused':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for kind, k in kinds.items():
        print(
            f"{kind:<20}{k['requests']:>9}{k['errors']:>8}{k['refused']:>9}{k['p50_ms']:>9}{k['p95_ms']:>9}"
        )
    print(
        f"{total} requests in {elapsed:.1f}s ({report['requests_per_s']}/s), {report['errors']} errors; "
        f"{len(results)} units saved, {len(lost)} lost writes; worker idle {idle_after:.1f}s after the load; "
        f"roll-up: {len(before)} rows, {changed} changed by a full rebuild"
    )
    print(f"written to {out}")
    return 0 if not lost and not changed and not report["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
