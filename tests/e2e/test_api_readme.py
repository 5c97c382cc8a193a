"""The README's Python example runs as written against a live server with the demo loaded."""

import re
from pathlib import Path

from api.services import token_create
from targets.models import ProgressReport

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readmes_python_example_reads_the_bloc_and_sends_the_report(demo_server, capsys):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    office_key = token_create(user=users.get(username="vanphong"), name="readme")[1]
    unit_key = token_create(user=users.get(username="namtanuyen"), name="readme")[1]
    section = README.read_text().split("## API\n", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)[1]
    code = code.replace("http://127.0.0.1:8000", demo_server.url)
    code = code.replace('"Bearer rt_…"  # vanphong', f'"Bearer {office_key}"  # vanphong', 1)
    code = code.replace('"Bearer rt_…"  # namtanuyen', f'"Bearer {unit_key}"  # namtanuyen', 1)
    exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - our own README
    printed = capsys.readouterr().out
    assert "CT06" in printed
    assert "Đã gửi báo cáo Quý II/2025" in printed
    report = ProgressReport.objects.get(unit__code="kcn-nam-tan-uyen", period__year=2025, period__quarter=2)
    assert report.status == ProgressReport.Status.SUBMITTED


def test_the_readmes_curl_example_reads_the_bloc_and_sends_the_report(demo_server):
    import shutil
    import subprocess

    import pytest
    from django.contrib.auth import get_user_model

    if not shutil.which("curl"):
        pytest.skip("curl is not installed")
    users = get_user_model().objects
    office_key = token_create(user=users.get(username="vanphong"), name="readme")[1]
    unit_key = token_create(user=users.get(username="namtanuyen"), name="readme")[1]
    section = README.read_text().split("## API\n", 1)[1]
    script = re.search(r"```sh\n(.*?)```", section, re.S)[1]
    assert len(script.strip().splitlines()) == 5
    script = script.replace("http://127.0.0.1:8000", demo_server.url)
    script = script.replace("OFFICE=rt_…", f"OFFICE={office_key}").replace("UNIT=rt_…", f"UNIT={unit_key}")
    result = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert '"target":"CT06"' in result.stdout
    assert "Đã gửi báo cáo Quý II/2025" in result.stdout
    report = ProgressReport.objects.get(unit__code="kcn-nam-tan-uyen", period__year=2025, period__quarter=2)
    assert report.status == ProgressReport.Status.SUBMITTED
