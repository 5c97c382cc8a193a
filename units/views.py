from django.db.models import Q
from django.shortcuts import render
from django.utils.text import slugify

from units.access import Action, unit_or_404, units_for, visible_ancestors
from units.models import Unit

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
    nodes = list(visible.order_by("path"))
    totals = _subtree_members(nodes)
    return render(request, "units/tree.html", {"query": "", "forest": _forest(nodes, totals)})


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
        },
    )
