"""The benchmark command keeps working (its budgets are checked by people, never as timed tests)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_builds_its_data_and_reports_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "bench",
            "--units",
            "40",
            "--targets",
            "6",
            "--quarters",
            "6",
            "--samples",
            "4",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["entries"] == 39 * 6 * 6  # every unit below the root, every quarter, every target
    for key in (
        "floor_s",
        "full_rebuild_s",
        "full_over_floor",
        "settle_p50_ms",
        "settle_p95_ms",
        "dashboard_p50_ms",
        "dashboard_p95_ms",
        "dashboard_queries",
        "save_submit_p95_ms",
        "python_peak_rss_mb",
    ):
        assert figures[key] > 0, key
    assert set(figures["budgets"]) == {
        "full_over_floor <= 3",
        "settle_p95 <= 10 ms",
        "dashboard_p95 <= 150 ms",
        "save_submit_p95 <= 100 ms",
    }
