"""Quarters of a congress term, and the period strings used in URLs."""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction

from resolutions.models import Congress
from targets.models import Period

PERIOD_SLUG = re.compile(r"(?P<year>[0-9]{4})-q(?P<quarter>[1-4])")


@dataclass(frozen=True)
class QuarterSpan:
    index: int
    year: int
    quarter: int
    starts_on: date
    ends_on: date


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first_month = 3 * (quarter - 1) + 1
    last_month = first_month + 2
    return date(year, first_month, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


def term_quarters(congress: Congress) -> list[QuarterSpan]:
    """The quarters of a term: from the quarter in which it starts (the day after
    the congress closes), for as many quarters as the term has years × 4."""
    year, quarter = quarter_of(congress.held_to + timedelta(days=1))
    spans = []
    for index in range(1, congress.term_years * 4 + 1):
        starts_on, ends_on = quarter_bounds(year, quarter)
        spans.append(QuarterSpan(index, year, quarter, starts_on, ends_on))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return spans


def default_deadline(ends_on: date) -> date:
    """Reports are due REPORT_DEADLINE_DAYS after the quarter ends."""
    return ends_on + timedelta(days=settings.REPORT_DEADLINE_DAYS)


@transaction.atomic
def periods_ensure(congress: Congress) -> list[Period]:
    """Create the term's quarters that are missing; existing ones are left as they are."""
    existing = {p.index: p for p in Period.objects.filter(congress=congress)}
    created = [
        Period(
            congress=congress,
            index=span.index,
            year=span.year,
            quarter=span.quarter,
            starts_on=span.starts_on,
            ends_on=span.ends_on,
            deadline=default_deadline(span.ends_on),
        )
        for span in term_quarters(congress)
        if span.index not in existing
    ]
    Period.objects.bulk_create(created)
    return list(Period.objects.filter(congress=congress).order_by("index"))


def parse_period_slug(slug: str) -> tuple[int, int] | None:
    """ "2025-q2" → (2025, 2); anything else → None."""
    match = PERIOD_SLUG.fullmatch(slug or "")
    if not match:
        return None
    return int(match["year"]), int(match["quarter"])


def congress_for(unit) -> Congress | None:
    """The nearest congress held at or above this unit: its term is the unit's term."""
    paths = [unit.path[: n * unit.steplen] for n in range(1, unit.depth + 1)]
    return Congress.objects.filter(unit__path__in=paths).order_by("-unit__depth", "-held_from").first()


def period_for(unit, slug: str) -> Period | None:
    """The quarter "2025-q2" of the unit's term, or None."""
    parsed = parse_period_slug(slug)
    congress = congress_for(unit) if parsed else None
    if congress is None:
        return None
    year, quarter = parsed
    return (
        Period.objects.filter(congress=congress, year=year, quarter=quarter)
        .select_related("congress")
        .first()
    )


class PeriodConverter:
    """URL part for a quarter: 2025-q2."""

    regex = r"\d{4}-q[1-4]"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return value.slug if isinstance(value, Period) else str(value)
