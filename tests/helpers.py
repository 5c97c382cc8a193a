"""What several test modules share: the demo's open report and the figures that fill it."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from targets.models import Entry, ProgressReport, Target

# The day the demo is loaded in tests: mid-term data, Q2/2025 extended for kcn-nam-tan-uyen.
DEMO_TODAY = date(2026, 11, 26)
# The moment every test starts at (tests/conftest.py): a morning of DEMO_TODAY in the site's time zone,
# so that no test sees the date change under it.
DEMO_NOW = datetime.combine(DEMO_TODAY, time(9, 0), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))

# The demo leaves this report open for entry (kcn-nam-tan-uyen, Q2/2025, extended deadline).
URL = "/reports/kcn-nam-tan-uyen/2025-q2/"


def field(code, name):
    return f"t{Target.objects.get(code=code).pk}-{name}"


def good_figures(**overrides):
    """A complete, valid Q2/2025 report for kcn-nam-tan-uyen."""
    data = {
        "version": "0",
        field("CT01", "numerator"): "142",  # as the study sessions propose (142/142)
        field("CT01", "denominator"): "142",
        field("CT05", "value"): "1",
        field("CT06", "value"): "5",
        field("CT06.1", "value"): "2",
        field("CT07", "value"): "0",
        field("CT06", "note"): "Kết nạp tại 2 chi bộ",
    }
    data.update(overrides)
    return data


def state(unit, period):
    """Everything a failed save must leave untouched."""
    report = ProgressReport.objects.filter(unit=unit, period=period).first()
    return (
        report and (report.status, report.version),
        sorted(
            Entry.objects.filter(report=report).values_list(
                "target__code", "value", "numerator", "denominator", "note"
            )
        ),
        ProgressReport.history.filter(unit=unit, period=period).count(),
        Entry.history.filter(report_id=getattr(report, "pk", None)).count(),
    )


def shown_version(client, url=URL):
    """The report's version on the page, as a review or reopen form posts it back."""
    return client.get(url).context["review_form"].initial["version"]
