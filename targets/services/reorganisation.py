"""Reorganisation events, figures side: the roll-up owes a rebuild of every term the event touches.

The tree side (placements, successions, today's tree) is units.services; this
wraps each of its operations in one transaction with the ledger row, so the
event and what it owes the roll-up commit together (and the dashboards say
their figures are being settled until the worker has rebuilt the term).
"""

from django.db import transaction

from resolutions.models import Congress
from targets import ledger
from targets.rollup import family_roots
from units import services as tree
from units.models import ReorgEvent, Unit


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
