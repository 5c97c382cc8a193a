from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render

from resolutions.models import Resolution
from targets.models import Target
from units.access import Action, home_units
from units.models import Unit


def _current_resolution(user) -> Resolution | None:
    """The resolution of the nearest congress at or above the user's top unit."""
    units = home_units(user, Action.VIEW)
    if not units:
        return None
    top = units[0]
    own_and_ancestor_paths = [top.path[: n * Unit.steplen] for n in range(1, top.depth + 1)]
    return (
        Resolution.objects.filter(congress__unit__path__in=own_and_ancestor_paths)
        .select_related("congress__parent__parent", "congress__unit")
        .prefetch_related(
            "programmes",
            Prefetch("targets", queryset=Target.objects.select_related("programme", "parent")),
        )
        .order_by("-congress__unit__depth", "-congress__held_from")
        .first()
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
    resolution = _current_resolution(request.user)
    context = _resolution_context(resolution) if resolution else {}
    return render(request, "targets/home.html", context)


def resolution(request):
    resolution = _current_resolution(request.user)
    if resolution is None:
        raise Http404("no resolution")
    return render(request, "targets/resolution.html", _resolution_context(resolution))
