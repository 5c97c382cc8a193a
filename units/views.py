from django.contrib import messages
from django.db.models import Q
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext as _

from config import clock
from config.parsing import ParseError, parse_day
from units.access import Action, is_bloc_office, unit_or_404, units_for, visible_ancestors, visible_on
from units.models import ReorgEvent, Unit
from units.placements import tree_on

SEARCH_LIMIT = 200  # a search answers a person looking for a unit, not an export


def tree(request):
    """The unit tree the user may see, or the units matching a search."""
    query = request.GET.get("q", "").strip()[:100]
    visible = units_for(request.user, Action.VIEW)
    if query:
        folded = slugify(query)
        condition = Q(name__icontains=query) | Q(short_name__icontains=query) | Q(code__icontains=query)
        if folded:
            condition |= Q(code__icontains=folded)
        found = list(visible.filter(condition).order_by("path")[: SEARCH_LIMIT + 1])
        parents = {u.path: u for u in visible.filter(path__in={u.parent_path for u in found if u.depth > 1})}
        results = [(u, parents.get(u.parent_path)) for u in found[:SEARCH_LIMIT]]
        return render(
            request,
            "units/tree.html",
            {"query": query, "results": results, "truncated": len(found) > SEARCH_LIMIT},
        )
    as_of = None
    if request.GET.get("as_of"):
        try:
            as_of = parse_day(request.GET["as_of"])
        except ParseError:
            messages.error(
                request, _("Ngày xem cây tổ chức không hợp lệ (dd/mm/yyyy): đang hiện cây hôm nay.")
            )
    if as_of is not None:
        return render(
            request,
            "units/tree.html",
            {"query": "", "forest": _forest_on(request.user, as_of), "as_of": as_of, "today": clock.today()},
        )
    nodes = list(visible.order_by("path"))
    totals = _subtree_members(nodes)
    return render(
        request, "units/tree.html", {"query": "", "forest": _forest(nodes, totals), "today": clock.today()}
    )


def _forest_on(user, day) -> list[dict]:
    """The tree as it stood on `day` (units.placements), limited to what the user may read for that
    day; member counts are today's (members have no history)."""
    units, parents = tree_on(day)
    seen = visible_on(user, units, parents)
    items = {u.pk: {"unit": u, "total": u.members, "children": []} for u in units if u.pk in seen}
    roots = []
    for unit in units:
        if unit.pk not in items:
            continue
        parent = items.get(parents.get(unit.pk))
        (parent["children"] if parent else roots).append(items[unit.pk])

    def total(item) -> int:
        item["total"] = item["unit"].members + sum(total(c) for c in item["children"])
        return item["total"]

    for root in roots:
        total(root)
    return roots


def _forest(nodes: list[Unit], totals: dict[int, int]) -> list[dict]:
    """Nested {unit, total, children} from units ordered by path."""
    by_path: dict[str, dict] = {}
    roots = []
    for node in nodes:
        item = {"unit": node, "total": totals[node.pk], "children": []}
        by_path[node.path] = item
        parent = by_path.get(node.parent_path)
        (parent["children"] if parent else roots).append(item)
    return roots


def _subtree_members(nodes: list[Unit]) -> dict[int, int]:
    """Members of each unit and all below it, from the nodes already loaded."""
    by_path = {}
    for node in sorted(nodes, key=lambda n: -n.depth):
        by_path[node.path] = by_path.get(node.path, 0) + node.members
        parent_path = node.parent_path
        if parent_path:
            by_path[parent_path] = by_path.get(parent_path, 0) + by_path[node.path]
    return {node.pk: by_path[node.path] for node in nodes}


def detail(request, code):
    unit = unit_or_404(request.user, code, Action.VIEW)
    subtree = list(unit.subtree().order_by("path"))
    totals = _subtree_members(subtree)
    ancestors = visible_ancestors(request.user, unit)
    children = [u for u in subtree if u.depth == unit.depth + 1]
    return render(
        request,
        "units/detail.html",
        {
            "unit": unit,
            "ancestors": ancestors,
            "children": children,
            "totals": totals,
            "total_members": totals[unit.pk],
            "timeline": timeline(unit),
            "may_reorganise": is_bloc_office(request.user),
        },
    )


MOVES_LISTED = 5  # a split of a bloc moves a hundred units: the timeline names a few and counts the rest


def timeline(unit: Unit) -> list[dict]:
    """The events that concern the unit (moved, received or gave units, ended, continued or was
    continued), in the order they took effect, each with a line saying what it did."""
    events = list(
        ReorgEvent.objects.filter(
            Q(placements__unit=unit)
            | Q(placements__parent=unit)
            | Q(successions__predecessor=unit)
            | Q(successions__successor=unit)
            | Q(subject=unit)
            | Q(subject__path__startswith=unit.path, subject__depth=unit.depth + 1)  # ended: still below it
        )
        .distinct()
        .order_by("effective_on", "pk")
        .prefetch_related(
            "placements__unit", "placements__parent", "successions__predecessor", "successions__successor"
        )
        .select_related("subject")
    )
    out = []
    for event in events:
        lines = []
        moves = [
            p
            for p in event.placements.all()
            if p.unit.active_from != event.effective_on or event.kind == ReorgEvent.Kind.TRANSFER
        ]
        created = [p for p in event.placements.all() if p not in moves]
        for p in created:
            lines.append(_("Thành lập %(unit)s") % {"unit": p.unit.display_name})
        for s in event.successions.all():
            lines.append(f"{s.predecessor.display_name} → {s.successor.display_name}")
        for p in moves[:MOVES_LISTED]:
            lines.append(
                _("%(unit)s chuyển về %(parent)s")
                % {"unit": p.unit.display_name, "parent": p.parent.display_name if p.parent else "–"}
            )
        if len(moves) > MOVES_LISTED:
            lines.append(_("và %(n)s đơn vị khác chuyển nơi trực thuộc") % {"n": len(moves) - MOVES_LISTED})
        if event.subject_id:
            lines.append(_("%(unit)s kết thúc hoạt động") % {"unit": event.subject.display_name})
        out.append({"event": event, "lines": lines})
    return out
