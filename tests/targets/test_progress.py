"""Status and forecast rules (docs/figures.md, "Status"), on plain numbers."""

from decimal import Decimal

import pytest

from targets.progress import State, assess_count, assess_ratio, expected_to_date, forecast, worst

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
    assert result.needed_per_quarter == D("80.0")  # 800 over 10 quarters
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
