"""Quarters of a congress term, and the period strings used in URLs."""

import re
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction

from resolutions.models import Congress
from resolutions.terms import congress_for, quarter_bounds, term_quarters
from targets.models import Period

PERIOD_SLUG = re.compile(r"(?P<year>[0-9]{4})-q(?P<quarter>[1-4])")


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


def period_for(unit, slug: str) -> Period | None:
    """The quarter "2025-q2" of the unit's term that covers it, or None."""
    parsed = parse_period_slug(slug)
    if parsed is None:
        return None
    year, quarter = parsed
    _starts_on, ends_on = quarter_bounds(year, quarter)
    congress = congress_for(unit, on=ends_on)
    if congress is None:
        return None
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
