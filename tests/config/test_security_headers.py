"""Pages carry a Content-Security-Policy that runs no inline script, and hold none."""

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.helpers import URL

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_the_login_page_allows_scripts_only_from_the_site():
    policy = directives(Client().get("/accounts/login/"))
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("office_client", "/"),
        ("office_client", "/dashboard/?as_of=2025-q2"),
        ("office_client", "/reports/"),
        ("office_client", "/accounts/manage/"),
        ("office_client", "/admin/"),
        ("namtanuyen_client", URL),
        ("namtanuyen_client", "/accounts/password/"),
        ("standing_client", "/dashboard/kcn-nam-tan-uyen/"),
    ],
)
def test_pages_hold_no_inline_script_or_event_handler(request, persona, url):
    response = request.getfixturevalue(persona).get(url)
    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    html = response.content.decode()
    assert not INLINE_SCRIPT.findall(html)
    assert not INLINE_HANDLER.findall(html)
    assert not JAVASCRIPT_URL.findall(html)


def test_no_template_writes_an_inline_script():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if INLINE_SCRIPT.search(text) or INLINE_HANDLER.search(text) or JAVASCRIPT_URL.search(text):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def test_the_print_button_is_wired_by_a_static_script(office_client):
    html = office_client.get("/dashboard/").content.decode()
    assert "data-print" in html
    assert re.search(r'<script src="/static/js/print\.js', html)
