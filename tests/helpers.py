"""What several test modules share: the demo's open report and the figures that fill it, the demo put
back after a flush, and the small world of the roll-up property tests."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from targets.entries import EntryInput, targets_for
from targets.models import Entry, Period, ProgressReport, Target
from targets.periods import periods_ensure
from tests.factories import CongressFactory, ResolutionFactory, UnitFactory, UserFactory
from units.models import Membership, Unit

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


def examples(count: int) -> int:
    """Hypothesis examples for a property test: `count`, scaled by TEST_EXAMPLES_SCALE (the Makefile's
    `test-future` runs them at a quarter: the second run checks the clock, not the search)."""
    import os

    return max(5, round(count * float(os.environ.get("TEST_EXAMPLES_SCALE", "1"))))


# --- A small world for the roll-up property tests -------------------------------------------------
# A root with a (cells a1, a2), b (a leaf) and c (cell c1); four bloc targets and two units' own; the
# first PROPERTY_PERIODS quarters of a short term. Built inside the test's transaction and rolled
# back (Rollback) after each example.
PROPERTY_PERIODS = 6


class Rollback(Exception):
    pass


def build_world():
    root = UnitFactory(code="pt-root", kind=Unit.Kind.BLOC)
    a = UnitFactory(code="pt-a", parent=root, kind=Unit.Kind.DANG_BO_CO_SO)
    units = {
        "a": a,
        "a1": UnitFactory(code="pt-a1", parent=a, kind=Unit.Kind.CHI_BO_TRUC_THUOC),
        "a2": UnitFactory(code="pt-a2", parent=a, kind=Unit.Kind.CHI_BO_TRUC_THUOC),
        "b": UnitFactory(code="pt-b", parent=root),
    }
    c = UnitFactory(code="pt-c", parent=root, kind=Unit.Kind.DANG_BO_CO_SO)
    units["c"] = c
    units["c1"] = UnitFactory(code="pt-c1", parent=c, kind=Unit.Kind.CHI_BO_TRUC_THUOC)
    for unit in units.values():
        unit.refresh_from_db()
    congress = CongressFactory(
        unit=root,
        held_from=date(2020, 7, 13),
        held_to=date(2020, 7, 15),
        term_start_year=2020,
        term_end_year=2022,
    )
    resolution = ResolutionFactory(congress=congress)
    flow = Target.objects.create(
        resolution=resolution, code="F", title="f", measure="flow", value=Decimal(100), position=1
    )
    Target.objects.create(
        resolution=resolution,
        code="S",
        title="s",
        measure="subcount",
        value=Decimal(30),
        parent=flow,
        position=2,
    )
    Target.objects.create(
        resolution=resolution, code="Q", title="q", measure="ratio", value=Decimal(90), position=3
    )
    Target.objects.create(
        resolution=resolution, code="M", title="m", measure="milestone", value=Decimal(100), position=4
    )
    # Units' own targets: one owned by a unit with cells (fed by them), one by a leaf.
    Target.objects.create(
        resolution=resolution,
        code="UA",
        title="ua",
        measure="flow",
        value=Decimal(10),
        owner_unit=units["a"],
        position=5,
    )
    Target.objects.create(
        resolution=resolution,
        code="UB",
        title="ub",
        measure="ratio",
        value=Decimal(80),
        owner_unit=units["b"],
        position=6,
    )
    periods_ensure(congress)
    Period.objects.filter(congress=congress).update(deadline=date.today() + timedelta(days=365))
    office, clerk = UserFactory(username="pt-office"), UserFactory(username="pt-clerk")
    Membership.objects.create(user=office, unit=root, role=Membership.Role.BLOC_OFFICE)
    Membership.objects.create(user=clerk, unit=root, role=Membership.Role.UNIT_SECRETARY)
    return (
        congress,
        units,
        list(Period.objects.filter(congress=congress).order_by("index"))[:PROPERTY_PERIODS],
        office,
        clerk,
    )


def inputs_for(unit, period, values):
    """Figures for every target the unit reports that quarter (its own targets included), and, when
    `values` has a sixth item, the same confidence of reaching each (with a reason, so it may differ
    from the computed status)."""
    flow, sub, num, den, done, *said = values
    words = {"confidence": said[0], "confidence_reason": "tự đánh giá" if said[0] else ""} if said else {}
    out = {}
    for target in targets_for(unit, period):
        if target.is_count:
            out[target.pk] = EntryInput(value=min(sub, flow) if target.parent_id else flow, **words)
        elif target.is_ratio:
            out[target.pk] = EntryInput(numerator=min(num, den), denominator=den, **words)
        else:
            out[target.pk] = EntryInput(done=done, done_on=period.ends_on if done else None, **words)
    return out


def session_post(**overrides):
    """A valid study session as the study page posts it (buu-dien has room for it)."""
    data = {
        "held_on": "2021-03-10",
        "form": "online",
        "attending": "10",
        "first_time": "0",
        "non_members": "30",
        "note": "Học tập trực tuyến",
    }
    data.update(overrides)
    return data
