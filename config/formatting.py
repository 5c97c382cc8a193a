"""How numbers read on screen and in documents: 7.935, 90,5% in Vietnamese."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils import numberformat
from django.utils.formats import get_format

ROMAN = {
    1: "I",
    2: "II",
    3: "III",
    4: "IV",
    5: "V",
    6: "VI",
    7: "VII",
    8: "VIII",
    9: "IX",
    10: "X",
    11: "XI",
    12: "XII",
    13: "XIII",
    14: "XIV",
    15: "XV",
}


def roman(number: int) -> str:
    """Congress ordinals and quarters are written in Roman numerals (VII, XIII, Quý II)."""
    if number in ROMAN:
        return ROMAN[number]
    values = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ]
    out = []
    for value, letters in values:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


def _format(value, decimal_pos: int | None) -> str:
    return numberformat.format(
        value,
        get_format("DECIMAL_SEPARATOR"),
        decimal_pos=decimal_pos,
        grouping=get_format("NUMBER_GROUPING"),
        thousand_sep=get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


def format_number(value, decimals: int = 0) -> str:
    """1800 → "1.800"; Decimal("12.50"), 1 → "12,5" (trailing zeros dropped)."""
    if value is None or value == "":
        return "–"
    number = Decimal(str(value))
    if decimals:
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        if number == number.to_integral():
            return _format(number.to_integral(), 0)
        text = _format(number, decimals)
        sep = get_format("DECIMAL_SEPARATOR")
        return text.rstrip("0").rstrip(sep) if sep in text else text
    return _format(number.quantize(Decimal(1), rounding=ROUND_HALF_UP), 0)


def format_percent(value, decimals: int = 1) -> str:
    """68.64 → "68,6%"; 100 → "100%". The value is already a percentage."""
    if value is None or value == "":
        return "–"
    return f"{format_number(value, decimals)}%"


def ratio_percent(numerator, denominator) -> Decimal | None:
    """Numerator over denominator as a percentage, None when undefined."""
    if numerator is None or not denominator:
        return None
    return Decimal(numerator) * 100 / Decimal(denominator)
