"""The English interface, where it exists, is English: no Vietnamese left outside the data."""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from resolutions.models import ActionProgramme, Congress, Resolution
from targets.models import Target
from units.models import Unit

pytestmark = pytest.mark.django_db

# Letters only Vietnamese uses (among the languages the site speaks).
VIETNAMESE = re.compile(
    r"[àáảãạăắằẳẵặâấầẩẫậèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵđ]", re.IGNORECASE
)


class Text(HTMLParser):
    """The words a reader sees and hears: text and the attributes read aloud or shown on hover."""

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "svg"):
            self.skip += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "svg"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append(data)


def data_words() -> list[str]:
    """What the users entered (names, titles, labels): it stays in the language it was written in."""
    words = ["Tiếng Việt", settings.SITE_NAME]  # the language switch names each language in itself
    for user in get_user_model().objects.all():
        words += [user.get_full_name(), user.first_name, user.last_name]
    for unit in Unit.objects.all():
        words += [unit.name, unit.short_name]
    for target in Target.objects.all():
        words += [
            target.title,
            target.short_title,
            target.unit_label,
            target.counted_noun,
            target.numerator_label,
        ]
    words += [p.title for p in ActionProgramme.objects.all()]
    words += [r.title for r in Resolution.objects.all()]
    words += [c.organisation_name for c in Congress.objects.all()]
    return sorted((w for w in words if w), key=len, reverse=True)


def vietnamese_left(html: str) -> list[str]:
    parser = Text()
    parser.feed(html)
    text = "\n".join(parser.parts)
    for word in data_words():
        text = text.replace(word, " ")
    return sorted({w for w in re.findall(r"\w+", text) if VIETNAMESE.search(w)})


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/?as_of=2025-q2",
        "/dashboard/?as_of=2025-q1",
        "/dashboard/?as_of=2020-q3",
        "/dashboard/kcn-nam-tan-uyen/?as_of=2025-q2",
        "/dashboard/demo-001/?as_of=2025-q1",
    ],
)
def test_the_english_dashboard_has_no_vietnamese_outside_the_data(office_client, url):
    office_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = office_client.get(url).content.decode()
    assert 'lang="en"' in html
    assert vietnamese_left(html) == []


def test_counts_read_in_the_right_number_in_english(office_client):
    office_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = office_client.get("/dashboard/?as_of=2025-q2").content.decode()
    assert re.search(r"Approved: <strong>[\d,]+</strong> / 137 units", html)
    assert "Missed" in html and "What the statuses mean" in html
