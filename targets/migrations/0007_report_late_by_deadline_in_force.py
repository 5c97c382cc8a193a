"""Late means first sent after the deadline in force for the unit at the time, extension included.

Until now `report_submit` compared the sending day with the quarter's own
deadline and ignored an extension, so reports sent within their extension
were marked late. This corrects every report from its history: the first
sending is the earliest `submitted_at` its history holds (a resend after a
return overwrites it on the report), and the extension in force then is the
latest state of the unit's extension recorded before that moment (an
extension granted later does not count, and does not clear lateness).

Report counts (on time / late) live in RollupUnit, so each term whose reports
changed is owed a rebuild, as in 0006_rollup_ledger.
"""

from collections import defaultdict

from django.db import migrations
from django.db.models import Min

BATCH = 2000


def _in_force(history: list[tuple], moment):
    """The extension's `until` in force at `moment`, from its history rows (date, type, until)."""
    until = None
    for changed_at, kind, value in history:
        if changed_at > moment:
            break
        until = None if kind == "-" else value
    return until


def correct_lateness(apps, schema_editor):
    from django.utils import timezone

    ProgressReport = apps.get_model("targets", "ProgressReport")
    HistoricalProgressReport = apps.get_model("targets", "HistoricalProgressReport")
    DeadlineExtension = apps.get_model("targets", "DeadlineExtension")
    HistoricalDeadlineExtension = apps.get_model("targets", "HistoricalDeadlineExtension")
    RollupChange = apps.get_model("targets", "RollupChange")
    Congress = apps.get_model("resolutions", "Congress")

    extensions = defaultdict(list)
    for row in HistoricalDeadlineExtension.objects.order_by("history_date", "history_id").values_list(
        "unit_id", "period_id", "history_date", "history_type", "until"
    ):
        extensions[(row[0], row[1])].append(row[2:])
    # An extension without history (written around the history) counts from when it was granted.
    for ext in DeadlineExtension.objects.all():
        if (ext.unit_id, ext.period_id) not in extensions:
            extensions[(ext.unit_id, ext.period_id)].append((ext.granted_at, "+", ext.until))

    first_sent = dict(
        HistoricalProgressReport.objects.filter(submitted_at__isnull=False)
        .values("id")
        .annotate(first=Min("submitted_at"))
        .values_list("id", "first")
    )
    now_late, now_on_time, congresses = [], [], set()
    reports = ProgressReport.objects.values_list(
        "pk", "unit_id", "period_id", "period__deadline", "period__congress_id", "submitted_at", "late"
    )
    for pk, unit_id, period_id, deadline, congress_id, submitted_at, late in reports.iterator(
        chunk_size=BATCH
    ):
        sent = min(filter(None, (first_sent.get(pk), submitted_at)), default=None)
        if sent is None:
            should_be = False  # never sent
        else:
            until = _in_force(extensions.get((unit_id, period_id), []), sent)
            in_force = max(deadline, until) if until else deadline
            should_be = timezone.localtime(sent).date() > in_force
        if should_be != late:
            (now_late if should_be else now_on_time).append(pk)
            congresses.add(congress_id)
    # A plain UPDATE: the correction of a derived flag, not a change anyone made to the report.
    for ids, value in ((now_late, True), (now_on_time, False)):
        for start in range(0, len(ids), BATCH):
            ProgressReport.objects.filter(pk__in=ids[start : start + BATCH]).update(late=value)
    for congress in Congress.objects.filter(pk__in=congresses, unit__isnull=False):
        RollupChange.objects.create(
            congress=congress, unit_id=congress.unit_id, cause="tree", payload={}, created_at=timezone.now()
        )


class Migration(migrations.Migration):
    dependencies = [
        ("resolutions", "0002_plans_and_study_sessions"),
        ("targets", "0006_rollup_ledger"),
    ]

    operations = [
        migrations.RunPython(correct_lateness, migrations.RunPython.noop),
    ]
