"""Who may see, enter or review a unit's data.

This is the one place that answers it: every view, export, download and API
call asks `unit_or_404` / `can` / `units_for` before touching a unit's data.
A role held over a unit covers that unit and every unit below it.

- bloc office (Văn phòng / Ban Tổ chức): see and review everything under its unit;
- standing committee (Ban Thường vụ): see everything under its unit, change nothing;
- unit secretary / clerk: see and enter their own unit and the units below it.

A superuser counts as bloc office over every root of the tree: it sees,
reviews and administers everything, and it never enters a unit's figures
(those are the unit's own). Every other module asks `roles`, `is_bloc_office`
and `home_units` here instead of testing `is_superuser` itself.

A unit the user may not see answers 404, never 403, so that a tampered URL
does not even reveal that the unit exists.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from config import clock
from units.models import Membership, Succession, Unit


class Action(StrEnum):
    VIEW = "view"
    ENTER = "enter"  # fill and submit reports, propose unit targets, register plans
    REVIEW = "review"  # approve, return, reopen; approve unit targets


Role = Membership.Role

ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.BLOC_OFFICE: frozenset({Action.VIEW, Action.REVIEW}),
    Role.STANDING_COMMITTEE: frozenset({Action.VIEW}),
    Role.UNIT_SECRETARY: frozenset({Action.VIEW, Action.ENTER}),
    Role.UNIT_CLERK: frozenset({Action.VIEW, Action.ENTER}),
    # Any role held over a unit that has ended: read its history and the units that continue it.
    "ended": frozenset({Action.VIEW}),
}
ENDED_ROLE = "ended"


def _grants(user) -> list[tuple[str, str]]:
    """(role, unit path) pairs of the user, read once per user object (per request).

    A superuser holds the bloc office role over every root, besides its own
    memberships. A role over a unit that has ended reads it and, through its
    successions, the units that continue it (transitively), and changes nothing.
    """
    if not user or not user.is_authenticated:
        return []
    cached = getattr(user, "_unit_grants", None)
    if cached is None:
        today = clock.today()
        cached, ended = [], []
        for role, path, unit_id, active_to in Membership.objects.filter(user=user).values_list(
            "role", "unit__path", "unit_id", "unit__active_to"
        ):
            if active_to is not None and active_to < today:
                cached.append((ENDED_ROLE, path))
                ended.append(unit_id)
            else:
                cached.append((role, path))
        seen = set(ended)
        while ended:
            rows = list(
                Succession.objects.filter(predecessor__in=ended).values_list(
                    "successor_id", "successor__path"
                )
            )
            cached += [(ENDED_ROLE, path) for _id, path in rows]
            ended = [pk for pk, _path in rows if pk not in seen]
            seen.update(ended)
        if user.is_superuser:
            roots = Unit.objects.get_root_nodes().values_list("path", flat=True)
            cached += [(Role.BLOC_OFFICE, path) for path in roots]
        user._unit_grants = cached
    return cached


def _paths(user, action: Action) -> list[str]:
    paths = {path for role, path in _grants(user) if action in ROLE_ACTIONS.get(role, ())}
    # Drop paths covered by a shorter one: one prefix test per subtree.
    return sorted(p for p in paths if not any(p != q and p.startswith(q) for q in paths))


def roles(user) -> set[str]:
    return {role for role, _path in _grants(user)}


def is_bloc_office(user) -> bool:
    return Role.BLOC_OFFICE in roles(user)


def can(user, unit: Unit, action: Action = Action.VIEW, quarter=None) -> bool:
    """May the user do this to the unit? With a quarter (anything with `starts_on`/`ends_on`), a
    unit the user no longer sees in today's tree may still be read for that quarter when it was then
    under a unit the user sees: the old parent's people read a transferred unit's quarters before the
    transfer, and nothing of it from the transfer on."""
    if any(unit.path.startswith(path) for path in _paths(user, action)):
        return True
    if quarter is None or action != Action.VIEW:
        return False
    from units.placements import chains

    above = chains(unit, [(0, quarter.starts_on, quarter.ends_on)])[0]
    return any(a.pk != unit.pk and can(user, a, Action.VIEW) for a in above)


def units_for(user, action: Action = Action.VIEW) -> QuerySet[Unit]:
    """Every unit the user may act on; empty for a user with no role."""
    paths = _paths(user, action)
    if not paths:
        return Unit.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Unit.objects.filter(condition)


def unit_or_404(user, code: str, action: Action = Action.VIEW, quarter=None) -> Unit:
    """The unit with this code, if the user may act on it (for that quarter, when one is given).

    404 when the user may not even see the unit (its existence stays hidden);
    403 when they see it but may not do this (a reader pressing a writer's button).
    """
    try:
        unit = Unit.objects.get(code=code)
    except Unit.DoesNotExist:
        raise Http404("no such unit") from None
    return check(user, unit, action, quarter)


def check(user, unit: Unit, action: Action = Action.VIEW, quarter=None) -> Unit:
    """The unit, if the user may act on it; else 404 (unseen) or 403 (seen, not allowed)."""
    if not can(user, unit, Action.VIEW, quarter):
        raise Http404("no such unit")
    if not can(user, unit, action, quarter):
        raise PermissionDenied("not allowed on this unit")
    return unit


def home_units(user, action: Action = Action.VIEW) -> list[Unit]:
    """The top units of the user's scopes, e.g. the bloc for the office."""
    paths = _paths(user, action)
    if not paths:
        return []
    return list(Unit.objects.filter(path__in=paths).order_by("path"))


def visible_ancestors(user, unit: Unit) -> list[Unit]:
    """The units above this one that the user may see, root first (breadcrumbs)."""
    paths = unit.ancestor_paths()[:-1]
    if not paths:
        return []
    return [a for a in Unit.objects.filter(path__in=paths).order_by("depth") if can(user, a)]


def _office_paths(user) -> list[str]:
    """Paths the user holds the bloc office role over, whether or not that unit has ended since (the
    office that recorded a split redistributes its quotas afterwards)."""
    if not user or not user.is_authenticated:
        return []
    cached = getattr(user, "_office_paths", None)  # read once per user object (per request)
    if cached is None:
        paths = set(
            Membership.objects.filter(user=user, role=Role.BLOC_OFFICE).values_list("unit__path", flat=True)
        )
        if user.is_superuser:
            paths |= set(Unit.objects.get_root_nodes().values_list("path", flat=True))
        cached = user._office_paths = sorted(paths)
    return cached


def may_reorganise(user, unit: Unit) -> bool:
    """May the user record reorganisation events about this unit (the bloc office over it)?"""
    return any(unit.path.startswith(path) for path in _office_paths(user))


def reorganisable(user) -> QuerySet[Unit]:
    """The units the user may reorganise, still active today (an ended unit changes no more)."""
    paths = _office_paths(user)
    if not paths:
        return Unit.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    today = clock.today()
    return Unit.objects.filter(condition).filter(Q(active_to__isnull=True) | Q(active_to__gte=today))


def visible_on(user, units: list[Unit], parents: dict[int, int | None]) -> set[int]:
    """Of the units of a past day's tree (`parents`: unit id → its parent's id that day), those the user
    may read for that day: seen in today's tree, or under a unit seen in today's tree that day (the
    same rule as `can` with a quarter)."""
    paths = _paths(user, Action.VIEW)
    by_id = {u.pk: u for u in units}
    seen: dict[int, bool] = {}

    def visible(pk) -> bool:
        if pk not in seen:
            seen[pk] = False  # a cycle cannot happen; this only guards the recursion
            unit = by_id.get(pk)
            seen[pk] = bool(unit) and (
                any(unit.path.startswith(p) for p in paths)
                or (parents.get(pk) is not None and visible(parents[pk]))
            )
        return seen[pk]

    return {u.pk for u in units if visible(u.pk)}
