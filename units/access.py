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

from units.models import Membership, Unit


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
}


def _grants(user) -> list[tuple[str, str]]:
    """(role, unit path) pairs of the user, read once per user object (per request).

    A superuser holds the bloc office role over every root, besides its own memberships.
    """
    if not user or not user.is_authenticated:
        return []
    cached = getattr(user, "_unit_grants", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).values_list("role", "unit__path"))
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


def can(user, unit: Unit, action: Action = Action.VIEW) -> bool:
    return any(unit.path.startswith(path) for path in _paths(user, action))


def units_for(user, action: Action = Action.VIEW) -> QuerySet[Unit]:
    """Every unit the user may act on; empty for a user with no role."""
    paths = _paths(user, action)
    if not paths:
        return Unit.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Unit.objects.filter(condition)


def unit_or_404(user, code: str, action: Action = Action.VIEW) -> Unit:
    """The unit with this code, if the user may act on it.

    404 when the user may not even see the unit (its existence stays hidden);
    403 when they see it but may not do this (a reader pressing a writer's button).
    """
    try:
        unit = Unit.objects.get(code=code)
    except Unit.DoesNotExist:
        raise Http404("no such unit") from None
    if not can(user, unit, Action.VIEW):
        raise Http404("no such unit")
    if not can(user, unit, action):
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
