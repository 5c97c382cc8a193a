"""The API's documentation page runs in a real browser under the site's Content-Security-Policy:
Swagger UI from the app's own static files (drf-spectacular-sidecar), its start script a separate
file, no inline script, nothing fetched from elsewhere."""

import re


def test_the_api_documentation_renders_under_the_csp_with_nothing_refused(new_page, demo_server):
    page = new_page("vanphong")
    problems, outside = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if not r.url.startswith(demo_server.url) and not r.url.startswith("data:")
            else None
        ),
    )
    response = page.goto(demo_server.url + "/api/docs/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in re.search(r"script-src[^;]*", csp)[0]
    page.wait_for_selector(".swagger-ui .information-container .title")
    assert "API Theo dõi thực hiện Nghị quyết" in page.inner_text(".swagger-ui .information-container .title")
    page.wait_for_selector(".opblock-tag")
    tags = page.locator(".opblock-tag").all_inner_texts()
    assert any("Báo cáo" in t for t in tags) and any("Số liệu" in t for t in tags)
    assert page.locator(".opblock").count() >= 18
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert not problems, problems
    assert not outside, outside


def test_the_token_page_is_in_the_user_menu_and_shows_a_new_key_once(new_page, demo_server):
    page = new_page("namtanuyen")
    page.click("text=Khóa API")
    page.wait_for_url(demo_server.url + "/accounts/tokens/")
    page.fill("#id_name", "Phần mềm của đơn vị")
    page.click("button:has-text('Tạo khóa')")
    key = page.inner_text("#new-key").strip()
    assert key.startswith("rt_")
    assert "Phần mềm của đơn vị" in page.inner_text("table")
    page.goto(demo_server.url + "/accounts/tokens/")
    assert key not in page.content()
