"""Daily reminders to the units whose quarterly report is not sent yet.

Sent REMINDER_DAYS_BEFORE days before a unit's deadline (its extension, if any)
and REMINDER_DAYS_AFTER days after it, to the unit's secretaries and clerks.
Each (unit, quarter, before/after) is sent once: running the job twice sends nothing more.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from targets.models import DeadlineExtension, Period, ProgressReport, ReminderSent
from units.models import Membership, Unit

Status = ProgressReport.Status


@dataclass(frozen=True)
class Due:
    unit: Unit
    period: Period
    kind: str
    deadline: date


def due_reminders(today: date) -> list[Due]:
    before, after = settings.REMINDER_DAYS_BEFORE, settings.REMINDER_DAYS_AFTER
    targets = {
        today + timedelta(days=before): ReminderSent.Kind.BEFORE,
        today - timedelta(days=after): ReminderSent.Kind.AFTER,
    }
    extensions = {(e.unit_id, e.period_id): e.until for e in DeadlineExtension.objects.all()}
    extended_periods = {period_id for _unit, period_id in extensions}
    periods = list(
        Period.objects.filter(deadline__in=list(targets)).select_related("congress__unit")
        | Period.objects.filter(pk__in=extended_periods).select_related("congress__unit")
    )
    out = []
    for period in periods:
        root = period.congress.unit
        if root is None:
            continue
        sent = set(
            ProgressReport.objects.filter(
                period=period, status__in=[Status.SUBMITTED, Status.APPROVED]
            ).values_list("unit_id", flat=True)
        )
        units = Unit.objects.filter(path__startswith=root.path, kind__in=Unit.GRASSROOTS_KINDS).exclude(
            pk__in=sent
        )
        for unit in units:
            if not unit.is_active_between(period.starts_on, period.ends_on):
                continue
            deadline = extensions.get((unit.pk, period.pk), period.deadline)
            kind = targets.get(deadline)
            if kind:
                out.append(Due(unit, period, kind, deadline))
    return out


def _recipients(unit: Unit) -> list[str]:
    ancestors = unit.ancestor_paths()[1:]  # the unit and those above it, below the bloc itself
    return sorted(
        set(
            Membership.objects.filter(
                unit__path__in=ancestors,
                role__in=[Membership.Role.UNIT_SECRETARY, Membership.Role.UNIT_CLERK],
            )
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def send_reminders(today: date) -> int:
    """Send what is due today; returns the number of e-mails sent."""
    sent = 0
    connection = get_connection()
    for due in due_reminders(today):
        recipients = _recipients(due.unit)
        if not recipients:
            continue
        try:
            with transaction.atomic():
                ReminderSent.objects.create(
                    unit=due.unit, period=due.period, kind=due.kind, recipients=len(recipients)
                )
                subject = _("Nhắc báo cáo %(period)s – hạn %(deadline)s") % {
                    "period": due.period.label,
                    "deadline": due.deadline.strftime("%d/%m/%Y"),
                }
                if due.kind == ReminderSent.Kind.BEFORE:
                    body = _(
                        "Kính gửi %(unit)s,\n\nBáo cáo %(period)s của đơn vị chưa được gửi. Hạn báo cáo là ngày "
                        "%(deadline)s. Đề nghị đơn vị hoàn thành và gửi báo cáo trên hệ thống.\n\nVăn phòng Đảng ủy khối"
                    )
                else:
                    body = _(
                        "Kính gửi %(unit)s,\n\nĐã quá hạn báo cáo %(period)s (hạn ngày %(deadline)s) nhưng đơn vị "
                        "chưa gửi báo cáo. Đề nghị đơn vị liên hệ Văn phòng Đảng ủy khối để được mở lại kỳ báo cáo."
                        "\n\nVăn phòng Đảng ủy khối"
                    )
                body = body % {
                    "unit": due.unit.name,
                    "period": due.period.label,
                    "deadline": due.deadline.strftime("%d/%m/%Y"),
                }
                EmailMessage(subject, body, to=recipients, connection=connection).send()
                sent += 1
        except IntegrityError:
            continue  # already sent by an earlier run
    return sent
