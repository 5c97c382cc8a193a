"""The life of a quarterly report: who may do what to it, and when.

draft → submitted → approved, or → returned (with a comment) → submitted again.
Approved reports are read-only. A quarter locks after its deadline (default 15
days after the quarter ends): a unit can no longer save or submit a draft
unless the bloc office reopens the quarter for it, with a reason and a new
date. A returned report stays open for correction whatever the date, since the
office asked for it.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from config import clock
from resolutions.terms import superseded
from targets.models import DeadlineExtension, Entry, Period, ProgressReport
from units.access import Action, can
from units.models import Unit

Status = ProgressReport.Status

# What a unit × quarter cell says: a report's own status, or that it was never started
# (or not sent in time). The words of the report statuses are the model's choices.
GRID_STATUS_LABELS = {
    "not_started": _("Chưa bắt đầu"),
    **dict(Status.choices),
    "overdue": _("Quá hạn"),
}


class Step(StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    REOPEN = "reopen"


@dataclass(frozen=True)
class Window:
    """When a unit may still send its report for a quarter."""

    deadline: date  # the quarter's own deadline
    extended_until: date | None  # a reopening by the bloc office, if any
    today: date
    term_closed: bool = False  # a later term has begun for the unit: its old quarters are read-only

    @property
    def effective(self) -> date:
        return max(self.deadline, self.extended_until) if self.extended_until else self.deadline

    @property
    def is_open(self) -> bool:
        return self.today <= self.effective

    @property
    def is_late(self) -> bool:
        """Sending now would be late: after the deadline in force for this unit, extension included."""
        return self.today > self.effective

    def sent_within_extension(self, sent_on: date | None, late: bool) -> bool:
        """A report sent after the quarter's own deadline but within the unit's extension (not late)."""
        return (
            sent_on is not None
            and not late
            and self.extended_until is not None
            and self.deadline < sent_on <= self.extended_until
        )


def window_for(unit: Unit, period: Period, *, today: date | None = None) -> Window:
    extension = DeadlineExtension.objects.filter(unit=unit, period=period).first()
    today = today or clock.today()
    return Window(
        deadline=period.deadline,
        extended_until=extension.until if extension else None,
        today=today,
        term_closed=superseded(unit, period.congress, today),
    )


def authored_by(user, report: ProgressReport) -> bool:
    """Did this user send the report, or enter any of its current figures (by hand or from Excel)?

    Separation of duties: such a user may not approve it (unless ALLOW_SELF_APPROVAL).
    A figure counts when the user wrote its latest version, whatever came before.
    """
    if report.submitted_by_id is not None and report.submitted_by_id == user.pk:
        return True
    later = Entry.history.filter(id=OuterRef("id"), history_date__gt=OuterRef("history_date"))
    return (
        Entry.history.filter(report_id=report.pk, history_user_id=user.pk)
        .exclude(history_type="-")
        .filter(~Exists(later))
        .exists()
    )


def steps_for(user, unit: Unit, report: ProgressReport | None, window: Window) -> set[Step]:
    """What this user may do to this unit's report now."""
    status = report.status if report else None
    steps: set[Step] = set()
    if window.term_closed:
        return steps  # the previous term stays readable, read-only
    if can(user, unit, Action.ENTER):
        editable = status == Status.RETURNED or (status in (None, Status.DRAFT) and window.is_open)
        if editable:
            steps |= {Step.EDIT, Step.SUBMIT}
    if can(user, unit, Action.REVIEW):
        if status == Status.SUBMITTED:
            steps.add(Step.RETURN)
            if settings.ALLOW_SELF_APPROVAL or not authored_by(user, report):
                steps.add(Step.APPROVE)
        if status == Status.APPROVED or (status in (None, Status.DRAFT) and not window.is_open):
            steps.add(Step.REOPEN)
    return steps


def grid_status(report_status: str | None, window: Window) -> str:
    """The word a unit × quarter cell shows: not_started, draft, submitted, returned, approved, overdue."""
    if report_status in (None, Status.DRAFT) and not window.is_open:
        return "overdue"
    return report_status or "not_started"
