"""Status and forecast rules (docs/figures.md, "Status"), on plain numbers."""

import random
from decimal import Decimal

import pytest
from django.utils import translation

from targets import progress
from targets.progress import (
    STATE_LABELS,
    State,
    assess_count,
    assess_ratio,
    expected_to_date,
    forecast,
    needed_per_quarter,
    shortfall_words,
    state_legend,
    worst,
)

D = Decimal


def count(series, target=1800, total=20, has_data=True, **kw):
    return assess_count(cumulative_series=series, target=D(target), total=total, has_data=has_data, **kw)


def test_expected_to_date_is_the_target_times_the_share_of_the_term_elapsed():
    assert expected_to_date(D(1800), 10, 20) == D(900)
    assert expected_to_date(D(20), 5, 20) == D(5)


def test_yearly_quotas_replace_the_straight_line_where_set():
    per_quarter = [D(10), D(10), D(50), D(50), D(50), D(50)]
    assert expected_to_date(D(260), 3, 6, per_quarter) == D(70)


@pytest.mark.parametrize(
    ("actual", "state"),
    [(1800, State.ACHIEVED), (900, State.ON_TRACK), (720, State.AT_RISK), (719, State.OFF_TRACK)],
)
def test_a_count_at_mid_term_is_judged_against_the_expected(actual, state):
    series = [0] * 9 + [actual]
    assert count(series).state == state


def test_nothing_reported_is_no_data_not_off_track():
    assert count([0, 0, 0], has_data=False).state == State.NO_DATA


def test_a_unit_without_a_quota_has_no_target():
    result = assess_count(cumulative_series=[3], target=None, total=20, has_data=True)
    assert result.state == State.NO_TARGET and result.actual == 3


def test_the_forecast_follows_the_last_four_quarters():
    # 10 per quarter for 8 quarters, then 20 per quarter for 4: the run-rate is 20.
    series = [10 * i for i in range(1, 9)] + [80 + 20 * i for i in range(1, 5)]
    assert forecast(series, 20) == D(160 + 20 * 8)
    assert forecast([5, 10], 20) == D(10 + 5 * 18)


def test_still_needed_per_remaining_quarter():
    result = count([0] * 9 + [1000], total=20)
    assert result.needed_per_quarter == D(80)  # 800 over 10 quarters
    assert count([0] * 18 + [1000]).needed_per_quarter == D(800)  # one quarter left
    assert count([0] * 20).needed_per_quarter is None  # the term is over


def test_the_percent_of_a_count():
    assert count([1234]).percent == D("68.6")


@pytest.mark.parametrize(
    ("numerator", "denominator", "threshold", "state"),
    [
        (7935, 7935, 100, State.ACHIEVED),
        (7871, 7935, 100, State.AT_RISK),
        (7044, 7935, 90, State.AT_RISK),
        (6000, 7935, 90, State.OFF_TRACK),
        (91, 100, 90, State.ACHIEVED),
    ],
)
def test_a_ratio_is_compared_with_its_threshold(numerator, denominator, threshold, state):
    assert assess_ratio(numerator=numerator, denominator=denominator, threshold=D(threshold)).state == state


def test_a_ratio_says_how_many_more_are_needed():
    result = assess_ratio(numerator=7044, denominator=7935, threshold=D(90))
    assert result.percent == D("88.8")
    assert result.shortfall == 98  # 90% of 7,935 is 7,141.5: 98 more members


def test_a_ratio_with_no_denominator_has_no_data():
    assert assess_ratio(numerator=0, denominator=0, threshold=D(90)).state == State.NO_DATA


def test_at_most_targets_are_off_track_once_exceeded():
    assert count([3], target=5, total=4, at_most=True).state == State.AT_RISK  # run-rate projects 12
    assert count([6], target=5, at_most=True).state == State.OFF_TRACK


def test_the_worst_state_wins():
    assert worst([State.ACHIEVED, State.AT_RISK, State.ON_TRACK]) == State.AT_RISK
    assert worst([]) == State.NO_TARGET


# --- Verdicts once the period is over ----------------------------------------------------------


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


def term(last, target=1800, **kw):
    """A count as of the term's last quarter (20 of 20)."""
    return count([0] * 19 + [last], target=target, total=20, **kw)


@pytest.mark.parametrize(
    ("actual", "state"), [(1900, State.EXCEEDED), (1800, State.MET), (1579, State.MISSED)]
)
def test_at_the_end_of_the_term_a_count_gets_a_verdict_not_a_status(actual, state):
    result = term(actual)
    assert result.state == state and result.finished
    # Nothing is projected or spread over quarters that do not exist any more.
    assert result.forecast is None and result.needed_per_quarter is None


def test_the_quarter_before_the_end_is_still_a_status():
    result = count([0] * 18 + [1579], total=20)
    assert result.state not in progress.VERDICTS and not result.finished


def test_a_missed_count_says_what_is_missing_in_the_targets_unit():
    result = term(1579)
    assert result.shortfall == 221
    assert shortfall_words(result, is_count=True, unit_label="đảng viên") == "còn thiếu 221 đảng viên"
    assert shortfall_words(term(1800), is_count=True, unit_label="đảng viên") == ""


def test_a_missed_ratio_gives_the_points_and_the_members_behind_them():
    result = assess_ratio(numerator=7044, denominator=7935, threshold=D(90), finished=True)
    assert result.state == State.MISSED
    assert (result.points, result.shortfall) == (D("1.2"), 98)
    words = shortfall_words(result, is_count=False, counted="đảng viên hoàn thành tốt nhiệm vụ trở lên")
    assert words == "còn thiếu 1,2 điểm phần trăm (98 đảng viên hoàn thành tốt nhiệm vụ trở lên)"


def test_one_member_short_of_100_percent_is_not_reached_though_it_rounds_to_100():
    result = assess_ratio(numerator=7934, denominator=7935, threshold=D(100), finished=True)
    assert result.percent == D("100.0")
    assert result.state == State.MISSED and result.shortfall == 1
    assert shortfall_words(result, is_count=False, counted="đảng viên") == "còn thiếu 1 đảng viên"
    running = assess_ratio(numerator=7934, denominator=7935, threshold=D(100))
    assert running.state == State.AT_RISK


@pytest.mark.parametrize(
    ("numerator", "state"), [(7200, State.EXCEEDED), (7142, State.EXCEEDED), (7141, State.MISSED)]
)
def test_a_ratio_beyond_its_at_least_threshold_is_exceeded(numerator, state):
    # 90% of 7,935 is 7,141.5.
    assert assess_ratio(numerator=numerator, denominator=7935, threshold=D(90), finished=True).state == state
    assert assess_ratio(numerator=90, denominator=100, threshold=D(90), finished=True).state == State.MET


def test_an_at_most_target_is_met_or_missed_never_exceeded():
    assert term(3, target=5, at_most=True).state == State.MET
    assert term(6, target=5, at_most=True).state == State.MISSED
    over = term(6, target=5, at_most=True)
    assert (
        shortfall_words(over, is_count=True, at_most=True, unit_label="vụ") == "vượt 1 vụ so với mức tối đa"
    )


def test_a_verdict_is_provisional_while_reports_of_its_last_quarter_are_open():
    assert term(1579, provisional=16).is_provisional
    assert term(1579, provisional=16).provisional == 16
    assert not term(1579).is_provisional
    # Before the end there is no verdict to be provisional about.
    assert count([0] * 18 + [1579], total=20, provisional=16).provisional == 0


@pytest.mark.parametrize(
    ("target", "actual", "remaining", "needed"),
    [
        (D(1800), D(1163), 6, D(107)),  # 106,1 new members a quarter: 107
        (D(20), D(17), 4, D(1)),  # 0,75 organisations: 1
        (D(20), D(12), 4, D(2)),  # exactly 2
        (D(20), D(25), 4, D(0)),  # already beyond
    ],
)
def test_needed_per_quarter_is_a_whole_number_rounded_up(target, actual, remaining, needed):
    assert needed_per_quarter(target, actual, remaining) == needed


def test_on_pace_but_forecast_short_is_at_risk():
    # CT05: 10 organisations after 10 of 20 quarters, as expected, but none in the last four quarters:
    # the forecast (10) misses the target (20).
    series = [1, 2, 3, 4, 5, 10, 10, 10, 10, 10]
    result = count(series, target=20, total=20)
    assert result.actual >= result.expected
    assert result.forecast < 20
    assert result.state == State.AT_RISK


def test_a_status_never_contradicts_its_forecast():
    rng = random.Random(13)
    for _ in range(2000):
        total = rng.randint(4, 24)
        elapsed = rng.randint(1, total - 1)
        series, running = [], 0
        for _ in range(elapsed):
            running += rng.choice([0, 0, 1, 2, 5, 10])
            series.append(running)
        result = count(series, target=rng.randint(1, 60), total=total)
        if result.state == State.ON_TRACK:
            assert result.forecast >= result.target, (series, total, result)


def test_the_legend_gives_every_state_its_meaning_with_the_modules_thresholds(monkeypatch):
    legend = dict(state_legend())
    assert set(legend) == set(STATE_LABELS)
    assert "80%" in legend[State.AT_RISK] and "5 điểm phần trăm" in legend[State.AT_RISK]
    monkeypatch.setattr(progress, "AT_RISK_SHARE", D("0.75"))
    monkeypatch.setattr(progress, "RATIO_RISK_POINTS", D(3))
    legend = dict(state_legend())
    assert "75%" in legend[State.OFF_TRACK] and "3 điểm phần trăm" in legend[State.OFF_TRACK]
