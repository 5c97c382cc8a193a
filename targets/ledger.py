"""The roll-up ledger: every change to what dashboards count writes what the roll-up owes.

A service that approves, returns, submits or reopens a report calls `record`
inside its own transaction (the transactional outbox): the change and what it
owes commit together or not at all. After the commit the worker is woken up
(`wake_up`); that message is only a nudge — Celery beat sweeps the ledger every
minute, and with no broker (the embedded default) the change is settled in the
same process right after the commit. Nothing a request does waits on the broker
for more than a couple of seconds, and no broker failure ever becomes an error
page: the change is committed and will be settled.
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config import clock
from config.formatting import format_number
from targets.measures import figure_of
from targets.models import ProgressReport, RollupChange
from units.models import Unit

log = logging.getLogger(__name__)
Cause = RollupChange.Cause
Status = ProgressReport.Status
SENT = (Status.SUBMITTED, Status.APPROVED)  # reports whose confidences count (targets.confidence)
_held = ContextVar("rollup_wake_up_held", default=False)


@contextmanager
def held():
    """Changes recorded inside stay pending until settled explicitly: the benchmark times the settle
    on its own, and tests look at pages while changes are still owed."""
    token = _held.set(True)
    try:
        yield
    finally:
        _held.reset(token)


def official_figures(report: ProgressReport) -> dict[str, dict]:
    """The report's figures by target id, as they count once approved. The entries are kept on the
    report, so that `record` reads its confidences from them without a second query."""
    prefetch_related_objects([report], "entries")
    return {str(entry.target_id): figure_of(entry) for entry in report.entries.all()}


def record(
    report: ProgressReport,
    cause: str,
    *,
    user=None,
    old_status: tuple[str, bool] | None,
    old_figures: dict[str, dict] | None = None,
    new_figures: dict[str, dict] | None = None,
) -> RollupChange:
    """Write what this change of `report` owes the roll-up; call inside the change's transaction.

    `old_status` is (status, late) before the change (None for a report that did
    not exist); the new one is read from `report`. Figures are given only when
    official figures change (approve: new; reopen of an approved report: old).
    What the report says of reaching each target counts while it is sent
    (submitted or approved); a sent report cannot be edited, so before and
    after are its entries' confidences, or nothing while it is not sent.
    """
    confidences = {str(e.target_id): e.confidence for e in report.entries.all() if e.confidence}
    said = {
        "old": confidences if old_status and old_status[0] in SENT else {},
        "new": confidences if report.status in SENT else {},
    }
    figures = {}
    for target_id in set(old_figures or {}) | set(new_figures or {}):
        old = (old_figures or {}).get(target_id)
        new = (new_figures or {}).get(target_id)
        if old != new:
            figures[target_id] = {"old": old, "new": new}
    change = RollupChange.objects.create(
        congress_id=report.period.congress_id,
        unit_id=report.unit_id,
        period_id=report.period_id,
        cause=cause,
        payload={
            "figures": figures,
            "status": {"old": list(old_status) if old_status else None, "new": [report.status, report.late]},
            "said": said,
        },
        created_at=clock.now(),
        created_by=user if getattr(user, "pk", None) else None,
    )
    if not _held.get():
        transaction.on_commit(wake_up)
    return change


def record_tree_change(unit: Unit, congress_id: int, *, user=None) -> RollupChange:
    """The tree under a term changed (a reorganisation event: a unit created, moved, merged, split or ended):
    its settle rebuilds that term's roll-up, since every row may move."""
    change = RollupChange.objects.create(
        congress_id=congress_id,
        unit=unit,
        cause=Cause.TREE,
        created_at=clock.now(),
        created_by=user if getattr(user, "pk", None) else None,
    )
    if not _held.get():
        transaction.on_commit(wake_up)
    return change


def record_unit_edit(unit: Unit, *, user=None) -> list[RollupChange]:
    """A unit edited outside the reorganisation service (the admin: its members, dates or place): every
    term it adds up under is rebuilt, since its members and figures may count elsewhere now."""
    from resolutions.models import Congress
    from targets.rollup import family_roots

    return [
        record_tree_change(unit, congress.pk, user=user)
        for congress in Congress.objects.filter(unit__isnull=False)
        if any(unit.path.startswith(root.path) for root in family_roots(congress))
    ]


def record_study(session, *, sign: int = 1, user=None) -> RollupChange | None:
    """A study session recorded (sign 1) or taken back (-1): what it adds to the study figures above
    its unit, in the quarter it was held (clamped to the term's quarters). Inside the session's
    transaction; nothing is owed when the term has no quarters."""
    from targets.models import Period

    congress_id = session.resolution.congress_id
    quarters = list(
        Period.objects.filter(congress_id=congress_id)
        .order_by("index")
        .values_list("id", "starts_on", "ends_on")
    )
    if not quarters:
        return None
    held = session.held_on
    period_id = next(
        (pid for pid, start, end in quarters if start <= held <= end),
        quarters[0][0] if held < quarters[0][1] else quarters[-1][0],
    )
    change = RollupChange.objects.create(
        congress_id=congress_id,
        unit_id=session.unit_id,
        period_id=period_id,
        cause=Cause.STUDY,
        payload={
            "session": session.pk,
            "studied": sign * session.first_time,
            "sessions": sign,
            "non_members": sign * session.non_members,
        },
        created_at=clock.now(),
        created_by=user if getattr(user, "pk", None) else None,
    )
    if not _held.get():
        transaction.on_commit(wake_up)
    return change


def wake_up() -> None:
    """After a commit: settle now (embedded default) or nudge the worker (a broker is configured).

    Never raises: the change is committed, and the minute sweep (or the next
    change, or `rollup --pending`) settles it if this fails.
    """
    from targets.tasks import settle_pending_task

    if settings.CELERY_TASK_ALWAYS_EAGER:
        from targets.rollup import settle_pending

        try:
            settle_pending()
        except Exception:  # the change is committed; it stays pending and is settled later
            log.exception("settling the roll-up ledger in process failed; it stays pending")
        return
    try:
        # No retries inside a request: the broker's connect and read timeouts (config/settings.py)
        # bound this call, and a lost nudge only delays the settle until the next sweep.
        settle_pending_task.apply_async(retry=False)
    except Exception:
        log.warning(
            "could not wake the roll-up worker; the minute sweep will settle the change", exc_info=True
        )


@dataclass(frozen=True)
class Freshness:
    """How settled the figures under a unit are: changes still owed, and up to when they are complete."""

    pending: int  # changes in the subtree not yet applied to the roll-up
    pending_approvals: int  # of which approvals and reopenings (official figures)
    oldest_pending: datetime | None
    settled_until: datetime | None  # the latest change of the term already applied
    live: bool = False  # a unit without children: its figures are read from its reports directly
    pending_tree: int = 0  # of which changes of the tree (or of a unit in the admin): a rebuild is owed
    pending_study: int = 0  # of which study sessions recorded, edited or deleted

    @property
    def settled(self) -> bool:
        return self.live or self.pending == 0

    def sentence(self) -> str:
        """Up to which change the figures are settled, in words; what is still owed, if anything."""
        if self.live:
            return _("Số liệu đọc trực tiếp từ các báo cáo đã duyệt của đơn vị.")
        if self.pending_approvals:
            return ngettext(
                "%(n)s báo cáo đã duyệt đang được tổng hợp (từ lúc %(t)s): số liệu dưới đây chưa gồm báo cáo này.",
                "%(n)s báo cáo đã duyệt đang được tổng hợp (cũ nhất từ lúc %(t)s): số liệu dưới đây chưa gồm "
                "các báo cáo này.",
                self.pending_approvals,
            ) % {"n": format_number(self.pending_approvals), "t": _when(self.oldest_pending)}
        if self.pending_tree:
            return _(
                "Cây đơn vị vừa thay đổi: mọi số liệu dưới đây đang được tổng hợp lại (từ lúc %(t)s)."
            ) % {"t": _when(self.oldest_pending)}
        if self.pending_study and self.pending_study == self.pending:
            return ngettext(
                "Số liệu học tập nghị quyết đang được cập nhật (%(n)s buổi học tập mới ghi, từ lúc %(t)s).",
                "Số liệu học tập nghị quyết đang được cập nhật (%(n)s thay đổi, cũ nhất từ lúc %(t)s).",
                self.pending_study,
            ) % {"n": format_number(self.pending_study), "t": _when(self.oldest_pending)}
        if self.pending:
            return ngettext(
                "Số báo cáo chờ duyệt đang được cập nhật (%(n)s thay đổi từ lúc %(t)s).",
                "Số báo cáo chờ duyệt đang được cập nhật (%(n)s thay đổi, cũ nhất từ lúc %(t)s).",
                self.pending,
            ) % {"n": format_number(self.pending), "t": _when(self.oldest_pending)}
        if self.settled_until:
            return _("Đã tổng hợp mọi báo cáo được duyệt, đến thay đổi lúc %(t)s.") % {
                "t": _when(self.settled_until)
            }
        return _("Đã tổng hợp mọi báo cáo được duyệt.")


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y") if moment else "–"


def freshness(unit: Unit, congress) -> Freshness:
    """Two small queries: the pending rows (few, indexed) and the term's latest settled change. A change
    of the tree owes a rebuild of the whole term: every unit's figures wait for it."""
    pending = RollupChange.objects.filter(
        Q(unit__path__startswith=unit.path) | Q(cause=Cause.TREE), settled_at__isnull=True, congress=congress
    ).aggregate(
        n=Count("id"),
        approvals=Count("id", filter=Q(cause__in=RollupChange.FIGURE_CAUSES)),
        tree=Count("id", filter=Q(cause=Cause.TREE)),
        study=Count("id", filter=Q(cause=Cause.STUDY)),
        oldest=Min("created_at"),
    )
    latest = (
        RollupChange.objects.filter(congress=congress, settled_at__isnull=False)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return Freshness(
        pending=pending["n"],
        pending_approvals=pending["approvals"],
        oldest_pending=pending["oldest"],
        settled_until=latest,
        live=not unit.rolls_up,
        pending_tree=pending["tree"],
        pending_study=pending["study"],
    )


def backlog() -> tuple[int, datetime | None]:
    """Unsettled changes in the whole ledger, and the oldest one's time (readiness check)."""
    row = RollupChange.objects.filter(settled_at__isnull=True).aggregate(
        n=Count("id"), oldest=Min("created_at")
    )
    return row["n"], row["oldest"]
