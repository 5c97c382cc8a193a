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


# --- The demo again after a transactional test ---------------------------------------------------
# A transactional test (live server, real worker, races, outages) ends by flushing its database, so
# the next one needs the demo back. Loading it again costs many seconds on PostgreSQL; instead the
# state right after the session's load is kept in memory (COPY of every table) and copied back.

_snapshot: list[tuple[str, str, str]] | None = None


def _tables() -> list:
    from django.apps import apps

    return [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]


def snapshot_demo() -> None:
    """Keep every table's rows as loaded (PostgreSQL only; elsewhere the demo is loaded again)."""
    import io

    from django.db import connection

    global _snapshot
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    taken = []
    with connection.cursor() as cursor:
        for model in _tables():
            table = quote(model._meta.db_table)
            columns = ", ".join(quote(f.column) for f in model._meta.local_concrete_fields)
            buffer = io.StringIO()
            cursor.cursor.copy_expert(f"COPY {table} ({columns}) TO STDOUT", buffer)
            taken.append((table, columns, buffer.getvalue()))
    _snapshot = taken


def restore_demo() -> None:
    """The demo exactly as the session loaded it, whatever the database holds now."""
    import io

    from django.contrib.contenttypes.models import ContentType
    from django.core.management.color import no_style
    from django.db import connection, transaction

    if _snapshot is None:
        from targets.devtools.demo import load_demo

        load_demo(today=DEMO_TODAY)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(table for table, _, _ in _snapshot) + " CASCADE")
        for table, columns, rows in _snapshot:
            # Foreign keys are deferred to the commit (Django creates them DEFERRABLE), so order is free.
            cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO(rows))
        for sql in connection.ops.sequence_reset_sql(no_style(), _tables()):
            cursor.execute(sql)
    ContentType.objects.clear_cache()  # the flush re-created content types under other ids
