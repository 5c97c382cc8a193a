"""Units' own targets: proposals, the office's review, the bloc overview."""

import re

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from config.refusals import Refused
from resolutions.terms import congress_for
from targets.dashboard import own_target_states
from targets.forms import (
    ProposalReviewForm,
    TargetProposalForm,
)
from targets.models import Period, ProgressReport, Target, TargetProposal
from targets.services.proposals import (
    ProposalInput,
    higher_targets,
    target_proposal_approve,
    target_proposal_return,
    target_propose,
)
from targets.views._common import (
    latest_period,
)
from units.access import Action, can, home_units, unit_or_404, units_for, visible_ancestors

Status = ProgressReport.Status


def _proposal_input(form) -> ProposalInput:
    data = form.cleaned_data
    return ProposalInput(**{name: data.get(name) for name in ProposalInput.__dataclass_fields__})


def unit_targets(request, code):
    """A unit's own targets: what it set, how they stand, what it proposed; the form to propose one."""

    unit = unit_or_404(request.user, code, Action.VIEW)
    congress = congress_for(unit)
    if congress is None:
        raise Http404("no term")
    own = list(
        Target.objects.filter(owner_unit=unit).select_related("serves", "owner_unit").order_by("position")
    )
    change = None
    change_id = request.POST.get("change") or request.GET.get("change")
    if change_id:
        change = next((t for t in own if str(t.pk) == str(change_id)), None)
        if change is None:
            raise Http404("not a target of this unit")
    higher = higher_targets(unit)
    may_propose = can(request.user, unit, Action.ENTER)
    if request.method == "POST":
        unit_or_404(request.user, code, Action.ENTER)
        form = TargetProposalForm(request.POST, unit=unit, higher=higher, target=change)
        if form.is_valid():
            try:
                target_propose(unit=unit, user=request.user, data=_proposal_input(form), target=change)
            except Refused as exc:
                form.add_refusal(exc)
            else:
                messages.success(request, _("Đã gửi đề xuất chỉ tiêu tới Văn phòng Đảng ủy khối."))
                return redirect("targets:unit_targets", code=unit.code)
    else:
        initial = {}
        if change is not None:
            initial = {
                name: getattr(change, name)
                for name in ProposalInput.__dataclass_fields__
                if hasattr(change, name)
            }
            initial["serves"] = change.serves_id
        form = TargetProposalForm(initial=initial, unit=unit, higher=higher, target=change)
    as_of = latest_period(congress)
    periods = list(Period.objects.filter(congress=congress).order_by("index"))
    states = own_target_states(own, as_of, periods) if as_of and own else {}
    proposals = list(unit.target_proposals.select_related("target", "serves", "proposed_by", "reviewed_by"))
    return render(
        request,
        "targets/unit_targets.html",
        {
            "unit": unit,
            "own": [(t, states.get(t.pk)) for t in own],
            "as_of": as_of,
            "proposals": proposals,
            "form": form,
            "change": change,
            "may_propose": may_propose,
            "may_review": can(request.user, unit, Action.REVIEW),
            "ancestors": visible_ancestors(request.user, unit),
        },
    )


def proposal_detail(request, code, pk):
    unit = unit_or_404(request.user, code, Action.VIEW)
    proposal = get_object_or_404(
        TargetProposal.objects.select_related("target", "serves", "proposed_by", "reviewed_by"),
        pk=pk,
        unit=unit,
    )
    form = ProposalReviewForm()
    if request.method == "POST":
        unit_or_404(request.user, code, Action.REVIEW)
        form = ProposalReviewForm(request.POST)
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == "approve":
                    target = target_proposal_approve(
                        proposal=proposal, user=request.user, comment=form.cleaned_data["review_comment"]
                    )
                    messages.success(
                        request,
                        _("Đã duyệt chỉ tiêu %(code)s của %(unit)s.")
                        % {"code": target.code, "unit": unit.display_name},
                    )
                else:
                    target_proposal_return(
                        proposal=proposal, user=request.user, comment=form.cleaned_data["review_comment"]
                    )
                    messages.success(
                        request, _("Đã trả lại đề xuất cho %(unit)s.") % {"unit": unit.display_name}
                    )
                return redirect("targets:proposal", code=unit.code, pk=proposal.pk)
            except Refused as exc:
                form.add_refusal(exc)
    history = (
        list(proposal.target.history.select_related("history_user").order_by("-history_date"))
        if proposal.target
        else []
    )
    return render(
        request,
        "targets/proposal_detail.html",
        {
            "unit": unit,
            "proposal": proposal,
            "form": form,
            "may_review": can(request.user, unit, Action.REVIEW)
            and proposal.status == TargetProposal.Status.PENDING,
            "target_history": history,
        },
    )


def unit_targets_overview(request):
    """The bloc's view of units' own targets: who set how many, how they stand, what serves what."""

    tops = home_units(request.user, Action.VIEW)
    if not tops:
        raise Http404("no unit")
    congress = congress_for(tops[0])
    visible = units_for(request.user, Action.VIEW)
    targets = list(
        Target.objects.filter(owner_unit__in=visible)
        .select_related("owner_unit", "serves")
        .order_by("owner_unit__path", "position")
    )
    serves = None
    serves_id = request.GET.get("serves")
    if serves_id:
        is_id = re.fullmatch(r"[0-9]{1,12}", serves_id) is not None
        serves = Target.objects.filter(pk=serves_id if is_id else -1, owner_unit__isnull=True).first()
        if serves is None:
            raise Http404("no such target")
        targets = [t for t in targets if t.serves_id == serves.pk]
    as_of = latest_period(congress) if congress else None
    periods = list(Period.objects.filter(congress=congress).order_by("index")) if congress else []
    states = own_target_states(targets, as_of, periods) if as_of and targets else {}
    by_unit: dict[int, dict] = {}
    for target in targets:
        row = by_unit.setdefault(
            target.owner_unit_id, {"unit": target.owner_unit, "targets": [], "counts": {}}
        )
        state = states.get(target.pk)
        row["targets"].append((target, state))
        if state:
            row["counts"][state.state] = row["counts"].get(state.state, 0) + 1
    pending = list(
        TargetProposal.objects.filter(
            unit__in=units_for(request.user, Action.REVIEW), status=TargetProposal.Status.PENDING
        )
        .select_related("unit", "proposed_by", "serves")
        .order_by("proposed_at")
    )
    higher = list(Target.objects.filter(served_by__owner_unit__in=visible).distinct().order_by("code"))
    return render(
        request,
        "targets/unit_targets_overview.html",
        {
            "rows": list(by_unit.values()),
            "pending": pending,
            "serves": serves,
            "higher": higher,
            "as_of": as_of,
        },
    )
