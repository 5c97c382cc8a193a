"""What several view modules share: finding a unit's report and quarter, the quarter a page is "as of"."""

from django.http import Http404
from django.urls import reverse

from config.clock import today
from resolutions.terms import congress_for
from targets.entries import EntryInput
from targets.models import Period, ProgressReport, Target
from targets.periods import period_for
from units.access import Action, check
from units.models import Unit

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def unit_and_period(
    request, code: str, period_slug: str, action: Action = Action.VIEW
) -> tuple[Unit, Period]:
    """The unit (if this user may act on it, in that quarter's tree for reading) and the quarter of its
    term named in the URL; else 404."""
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise Http404("no such unit")
    period = period_for(unit, period_slug)
    if period is None:
        raise Http404("no such quarter")
    return check(request.user, unit, action, quarter=period), period


def report_of(unit: Unit, period: Period) -> ProgressReport | None:
    return (
        ProgressReport.objects.filter(unit=unit, period=period)
        .select_related("submitted_by", "reviewed_by")
        .prefetch_related("entries")
        .first()
    )


def stored_inputs(report: ProgressReport | None) -> dict[int, EntryInput]:
    return {e.target_id: EntryInput.from_entry(e) for e in report.entries.all()} if report else {}


def with_proposals(
    stored: dict[int, EntryInput], proposals: dict, targets: list[Target]
) -> dict[int, EntryInput]:
    """The study target is proposed from the study sessions until the clerk has entered it."""
    by_id = {t.pk: t for t in targets}
    for target_id, (studied, members) in proposals.items():
        if not stored.get(target_id, EntryInput()).is_filled(by_id[target_id]):
            stored[target_id] = EntryInput(numerator=studied, denominator=members)
    return stored


def report_url(unit: Unit, period: Period) -> str:
    return reverse("targets:report", kwargs={"code": unit.code, "period": period.slug})


def latest_period(congress) -> Period | None:
    """The latest quarter of the term that has started (the first one before the term starts)."""
    return (
        Period.objects.filter(congress=congress, starts_on__lte=today()).order_by("-index").first()
        or Period.objects.filter(congress=congress).order_by("index").first()
    )


def as_of_period(request, unit: Unit) -> Period:
    """The quarter asked for (?as_of=2023-q2), or the latest one that has started; else 404."""
    slug = request.GET.get("as_of")
    if slug:
        period = period_for(unit, slug)
        if period is None:
            raise Http404("no such quarter")
        return period
    congress = congress_for(unit)
    if congress is None:
        raise Http404("no term for this unit")
    period = latest_period(congress)
    if period is None:
        raise Http404("no quarters")
    return period
