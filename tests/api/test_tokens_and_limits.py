"""Personal tokens (stored hashed, shown once, revoked on the user's own page), the call limit, and the
API's production face (JSON only)."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from api.models import ApiToken
from api.services import token_create
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_only_a_sha256_of_the_key_is_stored(namtanuyen):
    token, key = token_create(user=namtanuyen, name="Phần mềm đơn vị")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert stored.hint == key[:8]


def test_a_token_acts_with_its_holders_roles_and_stops_once_revoked(namtanuyen, namtanuyen_client):
    token, key = token_create(user=namtanuyen, name="Tạm")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    units = client.get("/api/units/?page_size=500").json()
    assert {u["code"] for u in units["results"]} >= {"kcn-nam-tan-uyen"}
    assert "buu-dien" not in {u["code"] for u in units["results"]}
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None

    response = namtanuyen_client.post("/accounts/tokens/", {"revoke": str(token.pk)})
    assert response.status_code == 302
    assert client.get("/api/units/").status_code == 401


def test_the_token_page_creates_a_named_key_shows_it_once_and_refuses_a_second_of_the_same_name(
    namtanuyen_client,
):
    page = namtanuyen_client.get("/accounts/tokens/")
    assert page.status_code == 200 and "Khóa API" in page.content.decode()
    created = namtanuyen_client.post("/accounts/tokens/", {"name": "Phần mềm của đơn vị"})
    key = created.context["new_key"]
    assert key.startswith("rt_") and key in created.content.decode()
    assert key not in namtanuyen_client.get("/accounts/tokens/").content.decode()
    again = namtanuyen_client.post("/accounts/tokens/", {"name": "Phần mềm của đơn vị"})
    assert again.status_code == 400
    assert "Anh/chị đã có một khóa tên này; hãy đặt tên khác." in again.content.decode()
    empty = namtanuyen_client.post("/accounts/tokens/", {"name": "  "})
    assert empty.status_code == 400
    assert ApiToken.objects.filter(user__username="namtanuyen").count() == 1


def test_nobody_revokes_another_users_token(namtanuyen, buudien_client):
    token, _key = token_create(user=namtanuyen, name="Của Nam Tân Uyên")
    response = buudien_client.post("/accounts/tokens/", {"revoke": str(token.pk)})
    assert response.status_code == 302
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert "Của Nam Tân Uyên" not in buudien_client.get("/accounts/tokens/").content.decode()


def test_the_menu_links_to_the_token_page(namtanuyen_client):
    assert 'href="/accounts/tokens/"' in namtanuyen_client.get("/").content.decode()


def test_calls_are_limited_per_token_in_the_database_cache(settings, namtanuyen):
    settings.API_THROTTLE_RATE = "3/minute"
    # The counter is a table in the database: it counts for every worker and needs no Redis.
    assert caches["api-throttle"].__class__.__name__ == "DatabaseCache"
    first, second = token_client(namtanuyen, "một"), token_client(namtanuyen, "hai")
    assert [first.get("/api/congresses/").status_code for _ in range(3)] == [200, 200, 200]
    limited = first.get("/api/congresses/")
    assert limited.status_code == 429
    assert limited.json()["detail"].startswith("Quá nhiều lệnh gọi")
    assert "Retry-After" in limited
    assert second.get("/api/congresses/").status_code == 200  # another token has its own count


def test_production_answers_json_only(tmp_path):
    """With DEBUG off the browsable API is gone: only the JSON renderer is configured."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="test-only-9f3c1a7e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5",
        ALLOWED_HOSTS="example.org",
        DJANGO_SETTINGS_MODULE="config.settings",
        STATIC_ROOT=str(tmp_path),
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES'])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['rest_framework.renderers.JSONRenderer']"


def test_an_unknown_address_under_api_answers_json(api_as, vanphong):
    response = api_as(vanphong).get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Không tìm thấy.", "errors": {}}


def test_the_browser_session_reads_and_its_writes_need_the_csrf_token(namtanuyen):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(namtanuyen)
    assert browser.get("/api/reports/kcn-nam-tan-uyen/2025-q2/").status_code == 200
    response = browser.post(
        "/api/reports/kcn-nam-tan-uyen/2025-q2/submit/", content_type="application/json", HTTP_IF_MATCH='"v0"'
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_the_schema_is_valid_openapi_with_no_warning(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    assert "API Theo dõi thực hiện Nghị quyết" in text
    for status in ("'400'", "'404'", "'412'", "'428'", "'429'"):
        assert status in text
