"""Will a target be met, and once its period is over, was it? Status, verdict and forecast, on plain numbers.

docs/figures.md, "Status": for a count over the term, expected-to-date is the
target × the share of the term elapsed (or the yearly quotas where set);
achieved when the actual reaches the target; on track when it reaches the
expected and its forecast reaches the target; at risk from 80% of the
expected, or on pace but forecast to miss; off track below; no data when
nothing was reported. The forecast projects the end-of-term value from the
run-rate of the last four quarters. Ratios compare the latest ratio with the
threshold; requirements compare done with due.

Once a target's period is over (the term, or a yearly target's year) the
status becomes a verdict: exceeded, met or missed, with what is missing in
the target's own terms; provisional while reports of the period's last
quarter may still change it.
"""

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from config.formatting import format_number, format_percent

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
    # Verdicts, once the target's period is over.
    EXCEEDED = "exceeded"
    MET = "met"
    MISSED = "missed"


VERDICTS = (State.EXCEEDED, State.MET, State.MISSED)

STATE_LABELS = {
    State.ACHIEVED: _("Đã đạt"),
    State.ON_TRACK: _("Đúng tiến độ"),
    State.AT_RISK: _("Có nguy cơ"),
    State.OFF_TRACK: _("Chậm tiến độ"),
    State.NO_DATA: _("Chưa có số liệu"),
    State.NO_TARGET: _("Không giao chỉ tiêu"),
    State.EXCEEDED: _("Vượt"),
    State.MET: _("Đạt"),
    State.MISSED: _("Không đạt"),
}
# Worst first: a unit's overall state is the worst of its targets.
SEVERITY = [
    State.MISSED,
    State.OFF_TRACK,
    State.AT_RISK,
    State.NO_DATA,
    State.ON_TRACK,
    State.MET,
    State.ACHIEVED,
    State.EXCEEDED,
    State.NO_TARGET,
]
# The states that need someone's attention, and so name the targets behind them.
WORRYING = (State.MISSED, State.OFF_TRACK, State.AT_RISK)


@dataclass(frozen=True)
class Assessment:
    state: State
    actual: Decimal | None  # the cumulative count, or the ratio in percent
    target: Decimal | None  # the unit's target (quota), or the threshold in percent
    percent: Decimal | None  # counts: actual / target × 100
    expected: Decimal | None = None  # counts: expected to date
    forecast: Decimal | None = None  # counts: projected end-of-term value (none once the period is over)
    needed_per_quarter: Decimal | None = None  # counts: still needed per remaining quarter, a whole number
    # Still missing to reach the target: counts in the target's unit, ratios in members (or units).
    shortfall: int | None = None
    points: Decimal | None = None  # ratios: percentage points short of the threshold (or over, at most)
    finished: bool = False  # the target's period is over: `state` is a verdict
    provisional: int = 0  # reports of the period's last quarter that may still change the verdict

    @property
    def label(self):
        return STATE_LABELS[self.state]

    @property
    def is_verdict(self) -> bool:
        return self.state in VERDICTS

    @property
    def is_provisional(self) -> bool:
        return self.is_verdict and self.provisional > 0


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


def projection(current: int, earlier: int, window: int, remaining: int) -> Decimal:
    """Current + run-rate × quarters left, the run-rate being the growth over `window` quarters."""
    if window <= 0:
        return Decimal(current)
    return Decimal(current) + Decimal(current - earlier) / window * remaining


def forecast(cumulative_series: list[int], total: int) -> Decimal:
    """End-of-term projection from the run-rate of the last four quarters."""
    elapsed = len(cumulative_series)
    if elapsed == 0:
        return Decimal(0)
    window = min(RUN_RATE_QUARTERS, elapsed)
    start = cumulative_series[-window - 1] if elapsed > window else 0
    return projection(cumulative_series[-1], start, window, total - elapsed)


def needed_per_quarter(target: Decimal, actual: Decimal, remaining: int) -> Decimal | None:
    """What is still missing, spread over the quarters left, rounded up: counts of people and
    organisations are whole numbers (106,1 new members a quarter means 107)."""
    if remaining <= 0:
        return None
    missing = max(Decimal(0), target - actual)
    return (missing / remaining).to_integral_value(rounding=ROUND_CEILING)


def verdict(*, reached: bool, beyond: bool, at_most: bool = False) -> State:
    """Once the period is over: exceeded (beyond an "at least" target), met, or missed."""
    if not reached:
        return State.MISSED
    if beyond and not at_most:
        return State.EXCEEDED
    return State.MET


def assess_count(
    *,
    cumulative_series: list[int],
    target: Decimal | None,
    total: int,
    has_data: bool,
    at_most: bool = False,
    yearly: list[Decimal] | None = None,
    finished: bool | None = None,
    provisional: int = 0,
) -> Assessment:
    """A count over the term (flow or sub-count) as of the last quarter of the series.

    `finished` says the target's period is over (by default: when the series covers the term).
    """
    elapsed = len(cumulative_series)
    actual = Decimal(cumulative_series[-1]) if cumulative_series else Decimal(0)
    if target is None:
        return Assessment(State.NO_TARGET, actual, None, None)
    remaining = total - elapsed
    finished = remaining <= 0 if finished is None else finished
    percent = _round(actual * 100 / target) if target else None
    expected = expected_to_date(target, elapsed, total, yearly)
    projected = forecast(cumulative_series, total)
    shortfall = None if at_most else int(max(Decimal(0), target - actual))
    state = count_state(
        actual=actual,
        expected=expected,
        target=target,
        has_data=has_data,
        at_most=at_most,
        projected=projected,
        finished=finished,
    )
    return Assessment(
        state,
        actual=actual,
        target=target,
        percent=percent,
        expected=_round(expected),
        forecast=None if finished else _round(projected, 0),
        needed_per_quarter=None if finished else needed_per_quarter(target, actual, remaining),
        shortfall=shortfall,
        finished=finished,
        provisional=provisional if finished else 0,
    )


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
    """The status word of a count: the rule of docs/figures.md, on the figures alone.

    A target whose forecast misses is never "on track": on pace today but
    projected short of the target, it is "at risk".
    """
    if not has_data:
        return State.NO_DATA
    if finished:
        if at_most:
            return verdict(reached=actual <= target, beyond=False, at_most=True)
        return verdict(reached=actual >= target, beyond=actual > target)
    if at_most:
        if actual > target:
            return State.OFF_TRACK
        if projected is not None and projected > target:
            return State.AT_RISK
        return State.ON_TRACK
    if actual >= target:
        return State.ACHIEVED
    if actual >= expected:
        if projected is not None and projected < target:
            return State.AT_RISK
        return State.ON_TRACK
    if actual >= expected * AT_RISK_SHARE:
        return State.AT_RISK
    return State.OFF_TRACK


def assess_ratio(
    *,
    numerator: int,
    denominator: int,
    threshold: Decimal,
    at_most: bool = False,
    finished: bool = False,
    provisional: int = 0,
) -> Assessment:
    """A stock ratio (or done / due) against its threshold in percent.

    Compared exactly (numerator × 100 against threshold × denominator), so a
    figure shown rounded to 100% but one member short is not "reached".
    """
    if not denominator:
        return Assessment(State.NO_DATA, None, threshold, None, finished=finished)
    percent = _round(Decimal(numerator) * 100 / Decimal(denominator))
    exact = Decimal(numerator) * 100 / Decimal(denominator)
    if at_most:
        gap = exact - threshold
        shortfall = max(0, numerator - math.floor(threshold * denominator / 100))
    else:
        gap = threshold - exact
        shortfall = max(0, math.ceil(threshold * denominator / 100 - numerator))
    if finished:
        state = verdict(reached=gap <= 0, beyond=gap < 0, at_most=at_most)
    elif gap <= 0:
        state = State.ACHIEVED
    elif gap <= RATIO_RISK_POINTS:
        state = State.AT_RISK
    else:
        state = State.OFF_TRACK
    return Assessment(
        state,
        percent,
        threshold,
        percent,
        shortfall=shortfall,
        points=_round(max(Decimal(0), gap)),
        finished=finished,
        provisional=provisional if finished else 0,
    )


def worst(states: list[State]) -> State:
    """The most worrying of several states (NO_TARGET only when nothing else)."""
    for state in SEVERITY:
        if state in states:
            return state
    return State.NO_TARGET


# --- Words -----------------------------------------------------------------------------------


def shortfall_words(
    a: Assessment,
    *,
    is_count: bool,
    at_most: bool = False,
    unit_label: str = "",
    counted: str = "",
    milestone: bool = False,
) -> str:
    """What is still missing, in the target's own terms; "" when nothing is.

    Counts: "còn thiếu 218 đảng viên" (the target's unit). Ratios: the
    percentage points and the members or units behind them: "còn thiếu 1,2
    điểm phần trăm (98 đảng viên hoàn thành tốt nhiệm vụ trở lên)". Targets
    "at most" say by how much they are over.
    """
    if a.state in (State.NO_DATA, State.NO_TARGET) or a.actual is None or a.target is None:
        return ""
    if is_count:
        if at_most:
            over = a.actual - a.target
            if over <= 0:
                return ""
            return gettext("vượt %(n)s %(unit)s so với mức tối đa") % {
                "n": format_number(over),
                "unit": unit_label,
            }
        if not a.shortfall:
            return ""
        words = gettext("còn thiếu %(n)s %(unit)s") % {"n": format_number(a.shortfall), "unit": unit_label}
        return words.strip()
    if not a.shortfall:
        return ""
    if milestone:  # a requirement is counted in units: done / due
        who = ngettext("%(n)s đơn vị", "%(n)s đơn vị", a.shortfall) % {"n": format_number(a.shortfall)}
    else:
        who = f"{format_number(a.shortfall)} {counted}".strip()
    if at_most:
        return gettext("vượt %(points)s điểm phần trăm so với mức tối đa (%(who)s)") % {
            "points": format_number(a.points, 1),
            "who": who,
        }
    if a.points:
        return gettext("còn thiếu %(points)s điểm phần trăm (%(who)s)") % {
            "points": format_number(a.points, 1),
            "who": who,
        }
    return gettext("còn thiếu %(who)s") % {"who": who}


def provisional_words(n: int) -> str:
    """ "tạm tính: còn 16 báo cáo có thể thay đổi kết quả" """
    return ngettext(
        "tạm tính: còn %(n)s báo cáo chưa duyệt hoặc chưa gửi",
        "tạm tính: còn %(n)s báo cáo chưa duyệt hoặc chưa gửi",
        n,
    ) % {"n": format_number(n)}


def state_legend() -> list[tuple[State, str]]:
    """What each status word means, with the thresholds of this module (for the dashboard's legend)."""
    share = format_percent(AT_RISK_SHARE * 100, 0)
    points = format_number(RATIO_RISK_POINTS)
    return [
        (State.ACHIEVED, gettext("Đã đạt chỉ tiêu của cả kỳ, trước khi hết kỳ.")),
        (
            State.ON_TRACK,
            gettext("Số lượng: đạt từ mức dự kiến đến kỳ trở lên và dự báo cuối kỳ đạt chỉ tiêu."),
        ),
        (
            State.AT_RISK,
            gettext(
                "Số lượng: đạt từ %(share)s mức dự kiến đến kỳ, hoặc đúng mức dự kiến nhưng dự báo cuối kỳ "
                "không đạt. Tỷ lệ: thấp hơn ngưỡng không quá %(points)s điểm phần trăm."
            )
            % {"share": share, "points": points},
        ),
        (
            State.OFF_TRACK,
            gettext(
                "Số lượng: dưới %(share)s mức dự kiến đến kỳ. Tỷ lệ: thấp hơn ngưỡng quá %(points)s điểm phần trăm."
            )
            % {"share": share, "points": points},
        ),
        (
            State.EXCEEDED,
            gettext("Đã hết kỳ (nhiệm kỳ, hoặc năm với chỉ tiêu hằng năm): vượt chỉ tiêu."),
        ),
        (State.MET, gettext("Đã hết kỳ: đạt đúng chỉ tiêu (hoặc không quá mức tối đa).")),
        (
            State.MISSED,
            gettext(
                "Đã hết kỳ: chưa đạt chỉ tiêu; ghi rõ số còn thiếu. Khi báo cáo của quý cuối kỳ còn chờ duyệt "
                "hoặc còn hạn gửi, kết quả là tạm tính."
            ),
        ),
        (State.NO_DATA, gettext("Chưa có báo cáo được duyệt nào có số liệu của chỉ tiêu.")),
        (State.NO_TARGET, gettext("Đơn vị không được giao chỉ tiêu này.")),
    ]
