from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from config.formatting import format_number, format_percent, ratio_percent, roman


@pytest.mark.parametrize(
    ("value", "decimals", "vi", "en"),
    [
        (7935, 0, "7.935", "7,935"),
        (1800, 0, "1.800", "1,800"),
        (299, 0, "299", "299"),
        (5_500_000, 0, "5.500.000", "5,500,000"),
        (Decimal("90.50"), 1, "90,5", "90.5"),
        (Decimal("68.64"), 1, "68,6", "68.6"),
        (Decimal("100.00"), 1, "100", "100"),
    ],
)
def test_numbers_read_the_way_each_language_writes_them(value, decimals, vi, en):
    with translation.override("vi"):
        assert format_number(value, decimals) == vi
    with translation.override("en"):
        assert format_number(value, decimals) == en


def test_percentages_keep_one_decimal_and_drop_a_trailing_zero():
    with translation.override("vi"):
        assert format_percent(Decimal("90.5")) == "90,5%"
        assert format_percent(100) == "100%"
        assert format_percent(ratio_percent(1234, 1800)) == "68,6%"
        assert format_percent(None) == "–"


def test_a_ratio_with_no_denominator_is_undefined_not_zero():
    assert ratio_percent(0, 0) is None
    assert ratio_percent(5, None) is None


def test_congress_ordinals_are_roman():
    assert [roman(n) for n in (7, 11, 13, 4)] == ["VII", "XI", "XIII", "IV"]


def test_years_are_never_given_thousand_separators_in_templates():
    with translation.override("vi"):
        rendered = Template("{% load vn %}{{ year }} {{ n|num }}").render(Context({"year": 2025, "n": 7935}))
    assert rendered == "2025 7.935"
