"""Reorganisation events, figures side: the roll-up owes a rebuild of every term the event touches.

The tree side (placements, successions, today's tree) is units.services; this
wraps each of its operations in one transaction with the ledger row, so the
event and what it owes the roll-up commit together (and the dashboards say
their figures are being settled until the worker has rebuilt the term).
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field

from django.db import transaction

from resolutions.models import Congress
from targets import ledger
from targets.rollup import family_roots
from units import services as tree
from units.models import Placement, ReorgEvent, Succession, Unit


def _owe(event: ReorgEvent, units: list[Unit], user) -> ReorgEvent:
    """Every term whose tree holds one of these units owes a rebuild (one ledger row each)."""
    units = list(Unit.objects.filter(pk__in=[u.pk for u in units]))  # paths as moved
    for congress in Congress.objects.filter(unit__isnull=False).select_related("unit"):
        roots = family_roots(congress)
        if any(u.path.startswith(r.path) for u in units for r in roots):
            ledger.record_tree_change(congress.unit, congress.pk, user=user)
    return event


@transaction.atomic
def transfer(*, unit, new_parent, decision, user) -> ReorgEvent:
    event = tree.reorg_transfer(unit=unit, new_parent=new_parent, decision=decision, user=user)
    return _owe(event, [unit, new_parent], user)


@transaction.atomic
def end(*, unit, decision, user) -> ReorgEvent:
    return _owe(tree.reorg_end(unit=unit, decision=decision, user=user), [unit], user)


@transaction.atomic
def merge(*, units, into, decision, user) -> ReorgEvent:
    event = tree.reorg_merge(units=units, into=into, decision=decision, user=user)
    return _owe(event, [*units, *Unit.objects.filter(inheritances__event=event)], user)


@transaction.atomic
def split(*, unit, parts, children, decision, user) -> ReorgEvent:
    event = tree.reorg_split(unit=unit, parts=parts, children=children, decision=decision, user=user)
    return _owe(event, [unit, *Unit.objects.filter(inheritances__event=event)], user)


@transaction.atomic
def create(*, spec, parent, decision, user) -> ReorgEvent:
    event = tree.reorg_create(spec=spec, parent=parent, decision=decision, user=user)
    return _owe(event, list(Unit.objects.filter(placements__event=event)), user)


# --- Preview: what an event would move, before it is applied ------------------------------------


@dataclass(frozen=True)
class UnitMove:
    """A unit that changes place (or starts, or ends), with the records that go with it."""

    code: str
    name: str
    before: str  # parent's name before ("" for a new unit)
    after: str  # parent's name after ("" for a unit that ends)
    reports: int  # reports of the unit and the units below it
    quotas: str  # its term quotas, "CT06: 12 · CT06.1: 4"


@dataclass
class Preview:
    """What an event does, read from the database inside a transaction that is rolled back (or, for a
    recorded event, from what it did). `fingerprint` changes whenever anything the preview shows, or
    any event recorded since, differs: a confirm with an older fingerprint is shown afresh."""

    kind: str
    created: list[UnitMove] = field(default_factory=list)
    moved: list[UnitMove] = field(default_factory=list)
    ended: list[UnitMove] = field(default_factory=list)
    successions: list[tuple[str, str]] = field(default_factory=list)
    quota_lines: list = field(default_factory=list)
    fingerprint: str = ""

    @property
    def reports_moving(self) -> int:
        return sum(m.reports for m in self.moved)


class Stale(Exception):
    """The state changed since the preview the office confirmed: here is the preview as it is now."""

    def __init__(self, preview: Preview):
        self.preview = preview
        super().__init__("stale preview")


class _DryRun(Exception):
    def __init__(self, preview: Preview):
        self.preview = preview


OPERATIONS = {
    ReorgEvent.Kind.TRANSFER: transfer,
    ReorgEvent.Kind.MERGE: merge,
    ReorgEvent.Kind.ABSORB: merge,
    ReorgEvent.Kind.SPLIT: split,
    ReorgEvent.Kind.END: end,
    ReorgEvent.Kind.CREATE: create,
}


def _quotas_text(units: list[Unit]) -> dict[int, str]:
    from targets.models import Allocation

    out: dict[int, list[str]] = {}
    for a in Allocation.objects.filter(unit__in=units, year__isnull=True).select_related("target"):
        out.setdefault(a.unit_id, []).append(f"{a.target.code}: {a.value}")
    return {pk: " · ".join(sorted(texts)) for pk, texts in out.items()}


def _reports(units: list[Unit]) -> dict[int, int]:
    """Reports of each unit and the units below it (they move with it). One query."""
    from django.db.models import Count, Q

    from targets.models import ProgressReport

    if not units:
        return {}
    condition = Q()
    for unit in units:
        condition |= Q(unit__path__startswith=unit.path)
    by_path = dict(
        ProgressReport.objects.filter(condition)
        .values_list("unit__path")
        .annotate(n=Count("id"))
        .values_list("unit__path", "n")
    )
    return {u.pk: sum(n for path, n in by_path.items() if path.startswith(u.path)) for u in units}


def describe(event: ReorgEvent, ended: list[Unit] = ()) -> Preview:
    """What the event did: units created, moved (from which parent to which, with their reports and
    quotas), ended, and who continues whom; for a split or merge, the quotas to redistribute."""
    from targets.services.quotas import quota_lines

    placements = list(Placement.objects.filter(event=event).select_related("unit", "parent"))
    closed = {
        p.unit_id: p
        for p in Placement.objects.filter(
            unit__in=[p.unit_id for p in placements], valid_to=event.effective_on
        ).select_related("parent")
    }
    successions = list(Succession.objects.filter(event=event).select_related("predecessor", "successor"))
    ended = list({u.pk: u for u in [*ended, *(s.predecessor for s in successions)]}.values())
    for unit in ended:
        unit.refresh_from_db()
    touched = [p.unit for p in placements] + ended
    quotas = _quotas_text(touched)
    reports = _reports(touched)
    preview = Preview(kind=event.kind)
    for p in sorted(placements, key=lambda p: p.unit.code):
        parent = p.parent.display_name if p.parent else ""
        if p.unit_id in closed:
            before = closed[p.unit_id].parent
            preview.moved.append(
                UnitMove(
                    p.unit.code,
                    p.unit.name,
                    before.display_name if before else "",
                    parent,
                    reports.get(p.unit_id, 0),
                    quotas.get(p.unit_id, ""),
                )
            )
        else:
            preview.created.append(UnitMove(p.unit.code, p.unit.name, "", parent, 0, ""))
    for unit in sorted(ended, key=lambda u: u.code):
        preview.ended.append(
            UnitMove(unit.code, unit.name, "", "", reports.get(unit.pk, 0), quotas.get(unit.pk, ""))
        )
    preview.successions = [(s.predecessor.display_name, s.successor.display_name) for s in successions]
    preview.quota_lines = quota_lines(event)
    return preview


def _fingerprint(preview: Preview, latest_event: int | None) -> str:
    lines = [[line.target.code, line.before, line.after] for line in preview.quota_lines]
    data = [asdict(m) for m in preview.created + preview.moved + preview.ended]
    blob = json.dumps([latest_event, preview.kind, data, preview.successions, lines], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def _run(kind: str, arguments: dict, user) -> tuple[ReorgEvent, Preview]:
    latest = ReorgEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    event = OPERATIONS[kind](**arguments, user=user)
    preview = describe(event, ended=[arguments["unit"]] if kind == ReorgEvent.Kind.END else [])
    preview.fingerprint = _fingerprint(preview, latest)
    return event, preview


def _lock(arguments: dict) -> None:
    """The units an event concerns, locked until it commits: two offices confirming at once queue."""
    units = [v for v in arguments.values() if isinstance(v, Unit)]
    units += [u for v in arguments.values() if isinstance(v, list) for u in v if isinstance(u, Unit)]
    list(Unit.objects.select_for_update().filter(pk__in=[u.pk for u in units]))


def preview(kind: str, arguments: dict, user) -> Preview:
    """What recording this event would do, with nothing saved: the event is applied inside a
    transaction that is always rolled back. Refused exactly as the event itself would be."""
    try:
        with transaction.atomic():
            _event, shown = _run(kind, arguments, user)
            raise _DryRun(shown)
    except _DryRun as dry:
        return dry.preview


@transaction.atomic
def apply_confirmed(kind: str, arguments: dict, user, fingerprint: str) -> tuple[ReorgEvent, Preview]:
    """Record the event the office confirmed on its preview. When anything shown has changed since
    (another event recorded, a unit moved or ended), nothing is saved and `Stale` carries the
    preview as it now is."""
    _lock(arguments)
    event, shown = _run(kind, arguments, user)
    if shown.fingerprint != fingerprint:
        raise Stale(shown)  # rolls the whole transaction back
    return event, shown
