"""A report's history as people read it: who, when, what changed from what to what."""

from dataclasses import dataclass, field
from datetime import datetime

from targets.entries import WORD_FIELDS, input_fields
from targets.models import Entry, ProgressReport, Target

Status = ProgressReport.Status


@dataclass
class Event:
    at: datetime
    who: str
    what: str  # the change reason: "Gửi báo cáo", "Trả lại: …"
    status: str | None = None
    changes: list[tuple[str, str, object, object]] = field(
        default_factory=list
    )  # (target code, field, old, new)


def _who(record) -> str:
    user = record.history_user
    if user is None:
        return ""
    return user.first_name or user.username


def _short(text: str | None) -> str:
    text = (text or "").strip()
    return text if len(text) <= 120 else text[:119] + "…"


def report_timeline(report: ProgressReport, targets: list[Target]) -> list[Event]:
    """Newest first. Entry edits made in one save are grouped under that save."""
    by_id = {t.pk: t for t in targets}
    records = list(report.history.select_related("history_user").order_by("history_date", "history_id"))
    entry_rows = list(
        Entry.history.filter(report_id=report.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    events: list[Event] = []
    previous_status = None
    previous = None
    for record in records:
        event = Event(
            at=record.history_date,
            who=_who(record),
            what=record.history_change_reason or "",
            status=record.status if record.status != previous_status else None,
        )
        # The report's narrative sections: "", the section's name and the text shortened.
        for name in ProgressReport.NARRATIVE_FIELDS:
            old = getattr(previous, name, "") if previous is not None else ""
            new = getattr(record, name, "")
            if (old or "") != (new or ""):
                event.changes.append(("", name, _short(old), _short(new)))
        events.append(event)
        previous_status = record.status
        previous = record
    last: dict[int, object] = {}
    for row in entry_rows:
        target = by_id.get(row.target_id)
        if target is None:
            continue
        before = last.get(row.id)
        changes = []
        for name in (*input_fields(target), *WORD_FIELDS):
            old = getattr(before, name) if before is not None else None
            if name in WORD_FIELDS and before is None:
                old = ""
            new = getattr(row, name)
            if old != new:
                changes.append((target.code, name, old, new))
        last[row.id] = row
        if not changes:
            continue
        # Attach to the save that wrote it (same moment, or the nearest one before).
        owner = None
        for event in events:
            if event.at <= row.history_date:
                owner = event
        if owner is None:
            owner = Event(at=row.history_date, who=_who(row), what="")
            events.append(owner)
        owner.changes.extend(changes)
    return sorted(events, key=lambda e: e.at, reverse=True)
