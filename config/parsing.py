"""Reading what people type: whole numbers, decimals, yes/no, dates.

One parser per kind, shared by every form, the Excel reader and the API, so
that a figure refused in one place is refused everywhere with the same words.
Only ASCII digits are numbers: "١٢", "２", "1_000", "+5", "-3", "1.5" and
"1.800" are not counts (Python's int() would take the first four).
"""

import re
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _

# Above this a count is a typing slip, whatever the unit's size.
COUNT_CEILING = 1_000_000
DIGITS = re.compile(r"[0-9]{1,15}")
# A percentage or a target value: digits, then at most two decimals after a comma or a dot.
DECIMAL = re.compile(r"(?P<whole>[0-9]{1,10})(?:[.,](?P<fraction>[0-9]{1,2}))?")


class ParseError(ValueError):
    """The text is not of the kind asked for; the message says what is expected.

    `code` is "too_big" for a well-formed number above the ceiling, else "invalid".
    """

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.code = code


def _blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def _too_big(ceiling: int) -> str:
    return _("quá lớn (tối đa %(max)s)") % {"max": f"{ceiling:,}".replace(",", ".")}


def parse_count(raw, *, ceiling: int = COUNT_CEILING) -> int | None:
    """A non-negative whole number, or None when empty. Refuses 1.5, -3, +5, "ba", "١٢"."""
    if _blank(raw):
        return None
    if isinstance(raw, bool):
        raise ParseError(_("phải là số nguyên không âm"))
    if isinstance(raw, int):
        number = raw
    elif isinstance(raw, float):
        if not raw.is_integer():
            raise ParseError(_("phải là số nguyên không âm"))
        number = int(raw)
    else:
        text = str(raw).strip().replace(" ", "")
        if not text.isascii() or not text.isdigit():
            raise ParseError(_("phải là số nguyên không âm"))
        if not DIGITS.fullmatch(text):
            raise ParseError(_too_big(ceiling), "too_big")
        number = int(text)
    if number < 0:
        raise ParseError(_("phải là số nguyên không âm"))
    if number > ceiling:
        raise ParseError(_too_big(ceiling), "too_big")
    return number


def parse_decimal(raw) -> Decimal | None:
    """A non-negative number with at most two decimals ("90,5" or "90.5"), or None when empty."""
    if _blank(raw):
        return None
    if isinstance(raw, bool):
        raise ParseError(_("phải là số không âm, tối đa 2 chữ số thập phân, ví dụ 40 hoặc 90,5"))
    text = str(raw).strip()
    match = DECIMAL.fullmatch(text) if text.isascii() else None
    if match is None:
        raise ParseError(_("phải là số không âm, tối đa 2 chữ số thập phân, ví dụ 40 hoặc 90,5"))
    return Decimal(f"{match['whole']}.{match['fraction'] or '0'}")


YES = {"có", "co", "x", "đạt", "dat", "yes", "true", "1"}
NO = {"không", "khong", "chưa", "chua", "no", "false", "0"}


def parse_yes_no(raw) -> bool | None:
    if _blank(raw):
        return None
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ParseError(_("phải là “Có” hoặc “Không”"))


def parse_day(raw) -> date | None:
    if _blank(raw):
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar day, no time
        except ValueError:
            continue
    raise ParseError(_("phải là ngày dạng dd/mm/yyyy"))
