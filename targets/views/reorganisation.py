"""The office records reorganisation events: a form, a preview of what moves, a confirm step.

Nothing is saved on preview (targets.services.reorganisation.preview applies
the event inside a transaction that is rolled back). The confirm carries the
preview's fingerprint: when anything it showed changed meanwhile, the page
shows the preview afresh instead of applying. A second click on the same
confirm (its token already used in this session) lands on the event recorded
by the first.
"""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from config.refusals import Refused
from targets.reorganisation_forms import FORMS, QuotaForm
from targets.services import reorganisation
from targets.services.quotas import quota_lines, quotas_redistribute, sides
from units.access import is_bloc_office, may_reorganise, reorganisable
from units.models import Placement, ReorgEvent, Succession, Unit

DONE_KEY = "reorg_done"  # session: confirm token → event id, so a second click finds the first's event
EVENTS_SHOWN = 50


def _office(request):
    if not is_bloc_office(request.user):
        raise Http404("office only")


def units_of_events(events: list[ReorgEvent]) -> dict[int, list[Unit]]:
    """The units each event concerns (moved, received, continued, ended). Three queries."""
    ids: dict[int, set[int]] = {e.pk: {e.subject_id} if e.subject_id else set() for e in events}
    for event_id, unit_id, parent_id in Placement.objects.filter(event__in=events).values_list(
        "event_id", "unit_id", "parent_id"
    ):
        ids[event_id] |= {unit_id, parent_id} - {None}
    for event_id, pred, succ in Succession.objects.filter(event__in=events).values_list(
        "event_id", "predecessor_id", "successor_id"
    ):
        ids[event_id] |= {pred, succ}
    units = Unit.objects.in_bulk(set().union(*ids.values()))
    return {pk: [units[i] for i in unit_ids] for pk, unit_ids in ids.items()}


def event_units(event: ReorgEvent) -> list[Unit]:
    return units_of_events([event])[event.pk]


def _event_or_404(request, pk: int) -> ReorgEvent:
    _office(request)
    event = get_object_or_404(ReorgEvent, pk=pk)
    units = event_units(event)
    if units and not any(may_reorganise(request.user, u) for u in units):
        raise Http404("not this office's event")
    return event


def index(request):
    """The events the office may see, latest first, and a button for each kind of event."""
    _office(request)
    latest = list(
        ReorgEvent.objects.select_related("recorded_by").order_by("-effective_on", "-pk")[: EVENTS_SHOWN * 4]
    )
    concerned = units_of_events(latest)
    events = [
        e
        for e in latest
        if not concerned[e.pk] or any(may_reorganise(request.user, u) for u in concerned[e.pk])
    ][:EVENTS_SHOWN]
    return render(
        request,
        "targets/reorganisation_index.html",
        {"events": events, "kinds": ReorgEvent.Kind.choices},
    )


def _form(request, kind: str, data=None):
    units = reorganisable(request.user).order_by("path")
    form_class = FORMS[kind]
    if kind != ReorgEvent.Kind.SPLIT:
        return form_class(data, units=units)
    code = (data or {}).get("split_unit") or request.GET.get("unit")
    unit = units.filter(code=code).first() if code else None
    children = []
    if unit is not None:
        children = [
            c
            for c in Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path")
            if c.active_to is None
        ]
    return form_class(data, units=units, unit=unit, children=children)


def record(request, kind: str):
    """Form → preview (nothing saved) → confirm (applied as previewed, or shown afresh)."""
    _office(request)
    if kind not in FORMS:
        raise Http404("no such event")
    label = ReorgEvent.Kind(kind).label
    context = {"kind": kind, "label": label}
    if request.method != "POST":
        form = _form(request, kind)
        return render(request, "targets/reorganisation_form.html", {**context, "form": form})
    form = _form(request, kind, request.POST)
    if kind == ReorgEvent.Kind.SPLIT and form.split_unit is None:
        form.is_valid()
        return render(request, "targets/reorganisation_form.html", {**context, "form": form})
    if not form.is_valid() or request.POST.get("step") == "edit":
        return render(request, "targets/reorganisation_form.html", {**context, "form": form})
    token = request.POST.get("token", "")
    done = request.session.get(DONE_KEY, {})
    if request.POST.get("step") == "confirm" and token in done:
        messages.info(request, _("Sự kiện này đã được ghi nhận."))
        return redirect("targets:reorg_event", pk=done[token])
    arguments = form.arguments()
    try:
        if request.POST.get("step") == "confirm":
            event, _shown = reorganisation.apply_confirmed(
                kind, arguments, request.user, request.POST.get("fingerprint", "")
            )
            done[token] = event.pk
            request.session[DONE_KEY] = dict(list(done.items())[-20:])
            messages.success(
                request,
                _("Đã ghi nhận %(kind)s theo quyết định %(number)s.")
                % {"kind": label.lower(), "number": event.decision_number},
            )
            if quota_lines(event):
                return redirect("targets:reorg_quotas", pk=event.pk)
            return redirect("targets:reorg_event", pk=event.pk)
        shown = reorganisation.preview(kind, arguments, request.user)
        stale = False
    except reorganisation.Stale as changed:
        shown, stale = changed.preview, True
    except Refused as refused:
        form.add_refusal(refused)
        return render(request, "targets/reorganisation_form.html", {**context, "form": form})
    return render(
        request,
        "targets/reorganisation_preview.html",
        {**context, "form": form, "preview": shown, "stale": stale, "token": token or uuid.uuid4().hex},
    )


def event_detail(request, pk: int):
    """One recorded event: its decision and what it did."""
    event = _event_or_404(request, pk)
    ended = [event.subject] if event.subject_id else []
    shown = reorganisation.describe(event, ended=ended)
    return render(
        request,
        "targets/reorganisation_event.html",
        {"event": event, "preview": shown, "lines": shown.quota_lines},
    )


def quotas(request, pk: int):
    """Old and new quotas side by side; a redistribution that does not add up needs a reason."""
    event = _event_or_404(request, pk)
    before, after = sides(event)
    if not any(may_reorganise(request.user, u) for u in before + after):
        raise Http404("not this office's event")
    lines = quota_lines(event)
    if not lines:
        raise Http404("nothing to redistribute")
    form = QuotaForm(request.POST or None, lines=lines, successors=after)
    if request.method == "POST" and form.is_valid():
        try:
            quotas_redistribute(
                event=event, values=form.values(), reason=form.cleaned_data["reason"], user=request.user
            )
        except Refused as refused:
            form.add_refusal(refused)
        else:
            messages.success(request, _("Đã ghi nhận phân bổ lại chỉ tiêu."))
            return redirect(reverse("targets:reorg_event", args=[event.pk]))
    return render(
        request,
        "targets/reorganisation_quotas.html",
        {"event": event, "form": form, "before": before, "after": after},
    )


def _office_congresses(request):
    """The congresses of committees the office holds (ended ones included: their terms are copied)."""
    from resolutions.models import Congress

    return [
        c
        for c in Congress.objects.filter(unit__isnull=False).select_related("unit").order_by("-held_from")
        if may_reorganise(request.user, c.unit)
        or any(may_reorganise(request.user, s) for s in Unit.objects.filter(inheritances__predecessor=c.unit))
    ]


def terms(request):
    """The terms of the committees the office holds, and the form to start the next one."""
    from resolutions.models import Congress
    from targets.models import Period
    from targets.reorganisation_forms import TermForm
    from targets.services.terms import term_start

    _office(request)
    congresses = _office_congresses(request)
    form = TermForm(
        request.POST or None,
        units=reorganisable(request.user).filter(depth__lte=2).order_by("path"),
        congresses=Congress.objects.filter(pk__in=[c.pk for c in congresses]),
    )
    if request.method == "POST" and form.is_valid():
        try:
            congress = term_start(
                spec=form.spec(), copy_from=form.cleaned_data["copy_from"], user=request.user
            )
        except Refused as refused:
            form.add_refusal(refused)
        else:
            messages.success(
                request,
                _("Đã ghi nhận Đại hội %(n)s, nhiệm kỳ %(term)s: %(targets)s chỉ tiêu.")
                % {
                    "n": congress.ordinal_roman,
                    "term": congress.term_label,
                    "targets": congress.resolution.targets.count(),
                },
            )
            return redirect("targets:terms")
    rows = []
    for congress in congresses:
        periods = list(Period.objects.filter(congress=congress).order_by("index"))
        rows.append(
            {
                "congress": congress,
                "first": periods[0] if periods else None,
                "last": periods[-1] if periods else None,
            }
        )
    return render(request, "targets/terms.html", {"form": form, "rows": rows})
