"""Generated Word documents: the plan template and the periodic report."""

import re

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from config import clock
from resolutions.terms import congress_for
from targets.documents import DOCX_TYPE, PERIOD_SPEC, plan_template, report_period, summary_report
from targets.models import Period
from units.access import Action, home_units, unit_or_404
from units.models import Unit


def plan_template_docx(request, code):
    """The implementation-plan template, in the Party's document format, with the unit's quotas."""

    unit = unit_or_404(request.user, code, Action.VIEW)
    content = plan_template(unit, clock.today())
    response = HttpResponse(content, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="ke-hoach-{unit.code}.docx"'
    return response


def summary_docx(request, code, period):
    """A draft periodic report (sơ kết / tổng kết) with every figure filled from the roll-ups."""

    unit = unit_or_404(request.user, code, Action.VIEW)
    congress = congress_for(unit)
    spec = report_period(congress, period) if congress else None
    if spec is None:
        raise Http404("no such period")
    content = summary_report(unit, spec, clock.today())
    response = HttpResponse(content, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="bao-cao-{unit.code}-{spec.slug}.docx"'
    return response


def summary_index(request):
    """Choose a unit and a period; the office then edits the generated report in Word."""

    top = home_units(request.user, Action.VIEW)
    if not top:
        raise Http404("no unit")
    unit = top[0]
    congress = congress_for(unit)
    periods = list(Period.objects.filter(congress=congress).order_by("index")) if congress else []
    years = sorted({p.year for p in periods})
    choices = []
    for period in periods:
        choices.append((period.slug, period.label))
        if period.quarter == 2:
            choices.append((f"{period.year}-h1", _("6 tháng đầu năm %(y)s") % {"y": period.year}))
        if period.quarter == 3:
            choices.append((f"{period.year}-9m", _("9 tháng năm %(y)s") % {"y": period.year}))
        if period.quarter == 4:
            choices.append((str(period.year), _("Năm %(y)s") % {"y": period.year}))
    choices += [("midterm", _("Sơ kết giữa nhiệm kỳ")), ("term", _("Tổng kết nhiệm kỳ"))]
    units = [unit] + list(
        Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path")
    )
    chosen_unit = request.GET.get("unit")
    chosen_period = request.GET.get("period")
    if chosen_unit and chosen_period:
        if re.fullmatch(r"[-a-zA-Z0-9_]{1,60}", chosen_unit) and PERIOD_SPEC.fullmatch(chosen_period):
            return redirect("targets:summary_docx", code=chosen_unit, period=chosen_period)
        raise Http404("no such unit or period")
    return render(request, "targets/summary_index.html", {"units": units, "choices": choices, "years": years})
