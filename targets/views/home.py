"""Each role's landing page and the resolution with its chain of targets."""

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render

from config import clock
from resolutions.models import Resolution
from resolutions.terms import resolution_for
from targets.models import Target
from targets.queues import (
    grid_counts,
    my_reports,
    returned_reports,
    review_queue,
    review_queue_count,
    status_grid,
    term_periods,
)
from units.access import Action, home_units, is_bloc_office, roles, units_for
from units.models import Membership


def _current_resolution(user) -> Resolution | None:
    """The resolution that applies today to the user's top unit, with its programmes and targets."""
    units = home_units(user, Action.VIEW)
    resolution = resolution_for(units[0]) if units else None
    if resolution is None:
        return None
    return (
        Resolution.objects.filter(pk=resolution.pk)
        .select_related("congress__parent__parent", "congress__unit")
        .prefetch_related(
            "programmes",
            Prefetch(
                "targets",
                queryset=Target.objects.filter(owner_unit__isnull=True).select_related(
                    "programme", "parent", "serves"
                ),
            ),
        )
        .get()
    )


def _resolution_context(resolution: Resolution) -> dict:
    targets = list(resolution.targets.all())
    by_programme = []
    for programme in resolution.programmes.all():
        rows = [t for t in targets if t.programme_id == programme.pk]
        by_programme.append((programme, rows))
    loose = [t for t in targets if t.programme_id is None]
    if loose:
        by_programme.append((None, loose))
    return {"resolution": resolution, "congress": resolution.congress, "by_programme": by_programme}


def home(request):
    """Each role's landing page: what needs them first, then the resolution's targets.

    The standing committee lands on the bloc dashboard: reading it is their job.
    """
    held = roles(request.user)
    if Membership.Role.STANDING_COMMITTEE in held and not is_bloc_office(request.user):
        return redirect("targets:dashboard")
    today = clock.today()
    resolution = _current_resolution(request.user)
    context = _resolution_context(resolution) if resolution else {}
    if is_bloc_office(request.user):
        periods = term_periods(request.user, today)
        latest = periods[-1:] if periods else []
        context["queue"] = review_queue(request.user, limit=10)
        context["queue_total"] = review_queue_count(request.user)
        context["latest_period"] = latest[0] if latest else None
        context["counts"] = grid_counts(status_grid(request.user, latest, today))
    elif home_units(request.user, Action.ENTER):
        context["my_rows"] = my_reports(request.user, today)
        context["returned"] = returned_reports(request.user)
    return render(request, "targets/home.html", context)


def resolution(request):
    """The resolution, and the chain of its targets: province → bloc → units (for any target)."""
    resolution = _current_resolution(request.user)
    if resolution is None:
        raise Http404("no resolution")
    context = _resolution_context(resolution)
    higher_congresses = [c.pk for c in resolution.congress.chain()[1:]]
    higher = list(
        Target.objects.filter(resolution__congress__in=higher_congresses, owner_unit__isnull=True)
        .select_related("resolution__congress")
        .order_by("code")
    )
    bloc_targets = [t for _p, rows in context["by_programme"] for t in rows]
    unit_targets = list(
        Target.objects.filter(owner_unit__in=units_for(request.user, Action.VIEW), resolution=resolution)
        .select_related("owner_unit")
        .order_by("owner_unit__path", "position")
    )
    chain = []
    for top in higher:
        serving = [t for t in bloc_targets if t.serves_id == top.pk]
        chain.append(
            {
                "target": top,
                "bloc": [(t, [u for u in unit_targets if u.serves_id == t.pk]) for t in serving],
                "units": [u for u in unit_targets if u.serves_id == top.pk],
            }
        )
    loose = [
        (t, [u for u in unit_targets if u.serves_id == t.pk])
        for t in bloc_targets
        if t.serves_id is None and any(u.serves_id == t.pk for u in unit_targets)
    ]
    context.update({"chain": chain, "loose_chain": loose})
    return render(request, "targets/resolution.html", context)
