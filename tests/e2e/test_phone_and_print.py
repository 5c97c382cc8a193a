"""Phone and paper: no page of any role's menu scrolls sideways at 360 px; the brief and the dashboard print."""

import io
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


def _pages(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's size in points, from the PDF's MediaBoxes."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


def test_the_brief_prints_on_one_a4_page_and_the_dashboard_on_a4_landscape(new_page, demo_server):
    page = logged_in(new_page, demo_server, "thuongvu", width=1366)
    page.goto(demo_server.url + "/dashboard/brief/?as_of=2025-q1")
    page.emulate_media(media="print")
    brief = page.pdf(prefer_css_page_size=True, print_background=True)
    sizes = _pages(brief)
    assert len(sizes) == 1, f"the brief takes {len(sizes)} pages"
    assert abs(sizes[0][0] - 595) < 2 and abs(sizes[0][1] - 842) < 2  # A4 portrait
    page.goto(demo_server.url + "/dashboard/?as_of=2025-q1")
    dashboard = page.pdf(prefer_css_page_size=True, print_background=True)
    first = _pages(dashboard)[0]
    assert abs(first[0] - 842) < 2 and abs(first[1] - 595) < 2  # A4 landscape
    if os.environ.get("SHOT_DIR"):
        for name, content in (("brief.pdf", brief), ("dashboard.pdf", dashboard)):
            with open(os.path.join(os.environ["SHOT_DIR"], name), "wb") as f:
                f.write(content)
