from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from config.refusals import Refused
from resolutions.forms import PlanForm, StudySessionForm
from resolutions.models import PlanDocument, Resolution, StudySession
from resolutions.services import SessionInput, plan_register, study_session_add, unit_members
from resolutions.terms import resolution_for
from resolutions.tracking import plan_deadline, plans_status, study_by_child, study_coverage
from targets.services.reports import AlreadyDone
from units.access import Action, can, home_units, unit_or_404
from units.models import Unit


def _resolution_of(unit: Unit) -> Resolution:
    """The resolution that applies to the unit today; 404 when it has none."""
    resolution = resolution_for(unit)
    if resolution is None:
        raise Http404("no resolution for this unit")
    return resolution


def _top_unit(request) -> Unit:
    tops = home_units(request.user, Action.VIEW)
    if not tops:
        raise Http404("no unit")
    return tops[0]


def plan_registry(request):
    """Who has issued its implementation plan: X / N units, the missing and the late by name."""
    top = _top_unit(request)
    if not can(request.user, top, Action.REVIEW) and top.is_grassroots:
        return redirect("resolutions:plan_unit", code=top.code)
    resolution = _resolution_of(top)
    status = plans_status(top, resolution.congress)
    return render(
        request, "resolutions/plan_registry.html", {"unit": top, "resolution": resolution, "status": status}
    )


def plan_unit(request, code):
    unit = unit_or_404(request.user, code, Action.VIEW)
    resolution = _resolution_of(unit)
    plan = (
        PlanDocument.objects.filter(unit=unit, resolution=resolution).select_related("registered_by").first()
    )
    form = PlanForm()
    if request.method == "POST":
        unit_or_404(request.user, code, Action.ENTER)
        form = PlanForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                plan = plan_register(
                    unit=unit,
                    resolution=resolution,
                    user=request.user,
                    number=form.cleaned_data["number"],
                    issued_on=form.cleaned_data["issued_on"],
                    signer=form.cleaned_data["signer"],
                    upload=form.cleaned_data["file"],
                )
            except Refused as exc:
                form.add_refusal(exc)
            else:
                messages.success(request, _("Đã đăng ký kế hoạch %(number)s.") % {"number": plan.number})
                return redirect("resolutions:plan_unit", code=unit.code)
    return render(
        request,
        "resolutions/plan_unit.html",
        {
            "unit": unit,
            "resolution": resolution,
            "plan": plan,
            "form": form,
            "deadline": plan_deadline(resolution.congress),
            "may_register": can(request.user, unit, Action.ENTER),
            "history": list(plan.history.select_related("history_user").order_by("-history_date"))
            if plan
            else [],
        },
    )


def plan_file(request, code):
    unit = unit_or_404(request.user, code, Action.VIEW)
    plan = PlanDocument.objects.filter(unit=unit, resolution=_resolution_of(unit)).first()
    if plan is None or not plan.file:
        raise Http404("no plan")
    return FileResponse(plan.file.open("rb"), as_attachment=True, filename=plan.file_name)


def study_overview(request):
    """Study coverage by unit (the bloc's view)."""
    top = _top_unit(request)
    if top.is_grassroots and not can(request.user, top, Action.REVIEW):
        return redirect("resolutions:study_unit", code=top.code)
    resolution = _resolution_of(top)
    return render(
        request,
        "resolutions/study_overview.html",
        {
            "unit": top,
            "resolution": resolution,
            "total": study_coverage(top, resolution.congress),
            "rows": study_by_child(top, resolution.congress),
        },
    )


def study_unit(request, code):
    unit = unit_or_404(request.user, code, Action.VIEW)
    resolution = _resolution_of(unit)
    form = StudySessionForm()
    if request.method == "POST":
        unit_or_404(request.user, code, Action.ENTER)
        form = StudySessionForm(request.POST)
        if form.is_valid():
            data = SessionInput(**{k: form.cleaned_data.get(k) for k in SessionInput.__dataclass_fields__})
            data.note = data.note or ""
            try:
                study_session_add(unit=unit, resolution=resolution, user=request.user, data=data)
            except AlreadyDone as exc:  # a double click: recorded once, said plainly
                messages.info(request, exc.message)
                return redirect("resolutions:study_unit", code=unit.code)
            except Refused as exc:
                form.add_refusal(exc)
            else:
                messages.success(request, _("Đã ghi nhận buổi học tập, quán triệt."))
                return redirect("resolutions:study_unit", code=unit.code)
    sessions = list(
        StudySession.objects.filter(unit__path__startswith=unit.path, resolution=resolution).select_related(
            "unit", "recorded_by"
        )
    )
    return render(
        request,
        "resolutions/study_unit.html",
        {
            "unit": unit,
            "resolution": resolution,
            "sessions": sessions,
            "form": form,
            "coverage": study_coverage(unit, resolution.congress),
            "members": unit_members(unit),
            "may_record": can(request.user, unit, Action.ENTER),
        },
    )
