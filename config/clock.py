"""What day and time it is, asked in one place.

Business code calls `today()` / `now()` (or takes `today` as an argument)
instead of reading the system clock where it stands, so that tests can move
the clock (time-machine) and a rule about deadlines reads the same date
everywhere in one request.
"""

from datetime import date, datetime

from django.utils import timezone


def today() -> date:
    """Today in the site's time zone (Asia/Ho_Chi_Minh)."""
    return timezone.localdate()


def now() -> datetime:
    return timezone.now()
