"""Bad input found by review: each is answered clearly (404 or a message) and nothing is saved."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from config.parsing import ParseError, parse_count
from resolutions.models import StudySession
from targets.entries import EntryInput, validate_report
from targets.models import DeadlineExtension, Period, ProgressReport, Target
from units.models import Unit

pytestmark = pytest.mark.django_db


def test_a_search_does_not_name_a_parent_the_user_may_not_see(namtanuyen_client):
    html = namtanuyen_client.get("/units/", {"q": "nam"}).content.decode()
    assert "Đảng ủy Khu công nghiệp Nam Tân Uyên" in html
    assert "Đảng bộ Khối" not in html


@pytest.mark.parametrize("value", ["²", "٣", "1e3", "-1", "9" * 40])
def test_an_odd_target_id_in_the_serves_filter_is_not_found(office_client, value):
    assert office_client.get("/unit-targets/", {"serves": value}).status_code == 404


@pytest.mark.parametrize(
    ("unit", "period"), [("a b", "2025"), ("kcn-nam-tan-uyen", "a/b"), ("duk", "2025\n")]
)
def test_odd_choices_on_the_summary_page_are_not_found(office_client, unit, period):
    assert office_client.get("/reports/summary/", {"unit": unit, "period": period}).status_code == 404


def test_a_period_with_a_trailing_newline_is_not_found(office_client):
    assert office_client.get("/reports/summary/kcn-nam-tan-uyen/2021%0A.docx").status_code == 404
    assert office_client.get("/dashboard/?as_of=2025-q1%0A").status_code == 404


@pytest.mark.parametrize(
    "raw", ["9" * 5000, "٣", "１２", "12 345 678 901 234 567", "1_000", "+5", "-3", "1.5", "1.800", "ba"]
)
def test_counts_are_ascii_digits_of_a_sensible_length(raw):
    with pytest.raises(ParseError):
        parse_count(raw)


def test_a_five_thousand_digit_count_is_a_message_not_a_crash(namtanuyen_client):
    from tests.helpers import URL, field, good_figures

    response = namtanuyen_client.post(URL, good_figures(save="1", **{field("CT06", "value"): "9" * 5000}))
    assert response.status_code == 200
    assert response.context["form"].errors[field("CT06", "value")]


def test_study_counts_are_bounded(namtanuyen_client):
    before = StudySession.objects.count()
    response = namtanuyen_client.post(
        "/study/kcn-nam-tan-uyen/",
        {
            "held_on": "2021-03-10",
            "form": "online",
            "attending": "0",
            "first_time": "0",
            "non_members": str(10**20),
        },
    )
    assert "Con số quá lớn" in " ".join(response.context["form"].errors["non_members"])
    assert StudySession.objects.count() == before


@pytest.mark.parametrize("raw", ["١٢", "２", "1_000", "+5", "-3", "1.5"])
def test_a_study_session_reads_counts_as_the_report_form_does(namtanuyen_client, raw):
    before = StudySession.objects.count()
    response = namtanuyen_client.post(
        "/study/kcn-nam-tan-uyen/",
        {"held_on": "2021-03-10", "form": "online", "attending": raw, "first_time": "0", "non_members": "0"},
    )
    assert response.status_code == 200
    assert "Phải là số nguyên không âm" in " ".join(response.context["form"].errors["attending"])
    assert StudySession.objects.count() == before


def test_first_timers_never_exceed_members_counted_higher_up(namtanuyen_client):
    """kcn-nam-tan-uyen's 142 members all studied; a cell cannot add first-timers of its own."""
    cell = Unit.objects.filter(code__startswith="kcn-nam-tan-uyen-cb").first()
    before = StudySession.objects.count()
    response = namtanuyen_client.post(
        f"/study/{cell.code}/",
        {
            "held_on": "2021-03-10",
            "form": "cell_meeting",
            "attending": "10",
            "first_time": "10",
            "non_members": "0",
        },
    )
    assert "sẽ vượt số đảng viên của đơn vị (142)" in " ".join(response.context["form"].errors["first_time"])
    assert StudySession.objects.count() == before


def test_a_quarter_is_reopened_for_at_most_a_year(office_client):
    url = "/reports/buu-dien/2020-q3/reopen/"
    version = ProgressReport.objects.get(unit__code="buu-dien", period__year=2020, period__quarter=3).version
    office_client.post(url, {"until": "9999-12-31", "reason": "x", "version": version})
    assert not DeadlineExtension.objects.filter(
        unit__code="buu-dien", period__year=2020, period__quarter=3
    ).exists()
    ok = (timezone.localdate() + timedelta(days=30)).isoformat()
    office_client.post(url, {"until": ok, "reason": "Bổ sung số liệu", "version": version})
    assert DeadlineExtension.objects.filter(
        unit__code="buu-dien", period__year=2020, period__quarter=3
    ).exists()


def test_a_milestone_met_before_the_term_is_refused():
    target = Target.objects.get(code="CT04")
    period = Period.objects.get(congress=target.resolution.congress, year=2021, quarter=4)
    errors = validate_report(
        targets=[target],
        inputs={target.pk: EntryInput(done=True, done_on=date(1, 1, 1))},
        people=100,
        period=period,
    )
    assert [e.message for e in errors] == ["ngày đạt phải trong nhiệm kỳ"]
