"""Will a target be met? Status, expected-to-date and forecast, on plain numbers.

docs/figures.md, "Status": for a count over the term, expected-to-date is the
target × the share of the term elapsed (or the yearly quotas where set);
achieved when the actual reaches the target; on track when it reaches the
expected; at risk from 80% of the expected; off track below; no data when
nothing was reported. The forecast projects the end-of-term value from the
run-rate of the last four quarters. Ratios compare the latest ratio with the
threshold; requirements compare done with due.
"""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

AT_RISK_SHARE = Decimal("0.8")  # docs/figures.md: at risk when actual ≥ 80% of expected
# A ratio within this many percentage points of its threshold is "at risk", not off track.
RATIO_RISK_POINTS = Decimal(5)
RUN_RATE_QUARTERS = 4


class State(StrEnum):
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"
    NO_TARGET = "no_target"


STATE_LABELS = {
    State.ACHIEVED: _("Đã đạt"),
    State.ON_TRACK: _("Đúng tiến độ"),
    State.AT_RISK: _("Có nguy cơ"),
    State.OFF_TRACK: _("Chậm tiến độ"),
    State.NO_DATA: _("Chưa có số liệu"),
    State.NO_TARGET: _("Không giao chỉ tiêu"),
}
# Worst first: a unit's overall state is the worst of its targets.
SEVERITY = [State.OFF_TRACK, State.AT_RISK, State.NO_DATA, State.ON_TRACK, State.ACHIEVED, State.NO_TARGET]


@dataclass(frozen=True)
class Assessment:
    state: State
    actual: Decimal | None  # the cumulative count, or the ratio in percent
    target: Decimal | None  # the unit's target (quota), or the threshold in percent
    percent: Decimal | None  # counts: actual / target × 100
    expected: Decimal | None = None  # counts: expected to date
    forecast: Decimal | None = None  # counts: projected end-of-term value
    needed_per_quarter: Decimal | None = None  # counts: still needed per remaining quarter
    shortfall: int | None = None  # ratios: members (or units) still needed to reach the threshold

    @property
    def label(self):
        return STATE_LABELS[self.state]


def _round(value: Decimal, places: int = 1) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def expected_to_date(
    target: Decimal, elapsed: int, total: int, yearly: list[Decimal] | None = None
) -> Decimal:
    """Target × share of the term elapsed; or the sum of the yearly quotas of the quarters elapsed.

    `yearly` gives, per quarter of the term, that quarter's share of its year's quota.
    """
    if yearly:
        return sum(yearly[:elapsed], Decimal(0))
    return target * elapsed / total


def forecast(cumulative_series: list[int], total: int) -> Decimal:
    """End-of-term projection from the run-rate of the last four quarters."""
    elapsed = len(cumulative_series)
    if elapsed == 0:
        return Decimal(0)
    current = cumulative_series[-1]
    window = min(RUN_RATE_QUARTERS, elapsed)
    start = cumulative_series[-window - 1] if elapsed > window else 0
    rate = Decimal(current - start) / window
    return Decimal(current) + rate * (total - elapsed)


def assess_count(
    *,
    cumulative_series: list[int],
    target: Decimal | None,
    total: int,
    has_data: bool,
    at_most: bool = False,
    yearly: list[Decimal] | None = None,
) -> Assessment:
    """A count over the term (flow or sub-count) as of the last quarter of the series."""
    elapsed = len(cumulative_series)
    actual = Decimal(cumulative_series[-1]) if cumulative_series else Decimal(0)
    if target is None:
        return Assessment(State.NO_TARGET, actual, None, None)
    percent = _round(actual * 100 / target) if target else None
    expected = expected_to_date(target, elapsed, total, yearly)
    projected = forecast(cumulative_series, total)
    remaining = total - elapsed
    needed = Decimal(max(Decimal(0), target - actual) / remaining) if remaining > 0 else None
    common = dict(
        actual=actual,
        target=target,
        percent=percent,
        expected=_round(expected),
        forecast=_round(projected, 0),
        needed_per_quarter=_round(needed) if needed is not None else None,
    )
    state = count_state(
        actual=actual,
        expected=expected,
        target=target,
        has_data=has_data,
        at_most=at_most,
        projected=projected,
        finished=remaining == 0,
    )
    return Assessment(state, **common)


def count_state(
    *,
    actual: Decimal,
    expected: Decimal,
    target: Decimal,
    has_data: bool,
    at_most: bool = False,
    projected: Decimal | None = None,
    finished: bool = False,
) -> State:
    """The status word of a count: the rule of docs/figures.md, on the figures alone."""
    if not has_data:
        return State.NO_DATA
    if at_most:
        if actual > target:
            return State.OFF_TRACK
        if projected is not None and projected > target:
            return State.AT_RISK
        return State.ACHIEVED if finished else State.ON_TRACK
    if actual >= target:
        return State.ACHIEVED
    if actual >= expected:
        return State.ON_TRACK
    if actual >= expected * AT_RISK_SHARE:
        return State.AT_RISK
    return State.OFF_TRACK


def assess_ratio(
    *, numerator: int, denominator: int, threshold: Decimal, at_most: bool = False
) -> Assessment:
    """A stock ratio (or done / due) against its threshold in percent."""
    if not denominator:
        return Assessment(State.NO_DATA, None, threshold, None)
    percent = _round(Decimal(numerator) * 100 / Decimal(denominator))
    if at_most:
        gap = percent - threshold
        shortfall = None
    else:
        gap = threshold - percent
        shortfall = max(0, math.ceil(threshold * denominator / 100 - numerator))
    if gap <= 0:
        state = State.ACHIEVED
    elif gap <= RATIO_RISK_POINTS:
        state = State.AT_RISK
    else:
        state = State.OFF_TRACK
    return Assessment(state, percent, threshold, percent, shortfall=shortfall)


def worst(states: list[State]) -> State:
    """The most worrying of several states (NO_TARGET only when nothing else)."""
    for state in SEVERITY:
        if state in states:
            return state
    return State.NO_TARGET
