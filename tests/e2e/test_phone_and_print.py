"""Phone and paper: no page of any role's menu scrolls sideways at 360 px; the brief and the dashboard print."""

import os
import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = ["vanphong", "thuongvu", "namtanuyen", "buudien"]
WIDTH = 360


def logged_in(new_page, demo_server, username, width=WIDTH):
    """A page logged in as the persona (the standing committee lands on the dashboard, not on /)."""
    page = new_page(None, width=width, height=780)
    page.goto(demo_server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_selector("#mainmenu", state="attached")
    return page


def menu_urls(page):
    hrefs = page.eval_on_selector_all(
        "#mainmenu a.nav-link", "links => links.map(a => a.getAttribute('href'))"
    )
    return ["/", "/notifications/", *hrefs]


def overflow(page) -> int:
    """How far the document is wider than the viewport (0: nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("username", ROLES)
def test_no_menu_page_scrolls_sideways_on_a_phone(new_page, demo_server, username):
    page = logged_in(new_page, demo_server, username)
    urls = menu_urls(page)
    assert len(urls) >= 6
    wide = {}
    for url in urls:
        response = page.goto(demo_server.url + url)
        assert response.status == 200, url
        extra = overflow(page)
        if os.environ.get("SHOT_DIR"):  # to look at the pages: SHOT_DIR=/tmp/shots pytest …
            name = re.sub(r"[^a-z0-9]+", "-", url).strip("-") or "home"
            page.screenshot(path=f"{os.environ['SHOT_DIR']}/{username}-{name}.png", full_page=True)
        if extra > 0:
            wide[url] = extra
    assert wide == {}, f"pages wider than {WIDTH} px (by px): {wide}"
