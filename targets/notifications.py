"""Telling the people concerned: a report submitted, returned, approved or reopened, a proposal decided.

`notify` writes one Notification row per person inside the caller's
transaction (so the in-app list never depends on the broker) and asks, once
the transaction commits, for the e-mails to be sent by a Celery task. A broker
that is down or an SMTP server that refuses is logged and retried (the task's
retries, then the beat sweep); the person pressing the button never sees an
error page for it.

Who is concerned:
- a report sent: the bloc office over the unit (whoever may review it);
- a report returned, approved, reopened: the unit's secretaries and clerks
  (and those of the units above it, below the bloc), and whoever sent it;
- a proposal decided: the unit's secretaries and clerks, and whoever proposed it.
The person who acted is never told of their own action.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils.translation import gettext as _

from config import clock
from targets.models import Notification
from units.models import Membership, Unit

log = logging.getLogger(__name__)
Kind = Notification.Kind
Role = Membership.Role

# An e-mail owed longer than this is given up: a week-old "báo cáo đã được duyệt" helps nobody.
EMAIL_GIVE_UP_AFTER = timedelta(days=2)
# The sweep leaves the newest alone for this long: their own task is still on its way.
SWEEP_GRACE = timedelta(minutes=2)
# Attempts per notification, over the task's retries and the sweeps together.
MAX_EMAIL_ATTEMPTS = 8
# Sends per sweep: each is one SMTP exchange (well under a second); the next sweep takes the rest.
SWEEP_BATCH = 200


def reviewers_of(unit: Unit) -> list:
    """The bloc office over the unit: those who may approve or return its reports."""
    return list(
        get_user_model()
        .objects.filter(
            memberships__role=Role.BLOC_OFFICE,
            memberships__unit__path__in=unit.ancestor_paths(),
            is_active=True,
        )
        .distinct()
    )


def unit_people(unit: Unit) -> list:
    """The unit's secretaries and clerks, and those of the units above it below the bloc."""
    return list(
        get_user_model()
        .objects.filter(
            memberships__role__in=[Role.UNIT_SECRETARY, Role.UNIT_CLERK],
            memberships__unit__path__in=unit.ancestor_paths()[1:],
            is_active=True,
        )
        .distinct()
    )


def notify(users, *, kind: str, text: str, url: str = "", unit: Unit | None = None, actor=None) -> list[int]:
    """Write one notification per person (not the actor) now; e-mail them after the commit."""
    now = clock.now()
    seen, rows = set(), []
    for user in users:
        if user is None or user.pk in seen or (actor is not None and user.pk == actor.pk):
            continue
        seen.add(user.pk)
        rows.append(
            Notification(user=user, kind=kind, text=text[:500], url=url[:300], unit=unit, created_at=now)
        )
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created if n.pk is not None]
    if not ids:  # SQLite before 3.35 returns no ids from a bulk insert: read them back
        ids = list(
            Notification.objects.filter(created_at=now, user__in=seen, kind=kind).values_list("pk", flat=True)
        )
    if ids:
        transaction.on_commit(lambda: enqueue_emails(ids), robust=True)
    return ids


def enqueue_emails(ids: list[int]) -> None:
    """Hand the e-mails to the worker; if the broker is down, the sweep sends them later."""
    from targets.tasks import send_notification_email_task

    for pk in ids:
        try:
            send_notification_email_task.delay(pk)
        except Exception:  # the broker (or, run eagerly, the mail server): logged, never the user's error
            log.warning(
                "notification %s: e-mail not handed to the worker; the sweep will retry", pk, exc_info=True
            )


def send_email(notification_id: int) -> bool:
    """Send one notification's e-mail unless it went already; True when it is done with.

    The row is locked while sending, so two workers never send it twice; the
    attempt is counted even when the mail server refuses (the caller retries).
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .select_related("user")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None:
            return True  # sent already, or being sent by another worker
        address = notification.user.email
        if not address or notification.email_attempts >= MAX_EMAIL_ATTEMPTS:
            # Nobody to write to, or given up: the in-app notification stands on its own.
            Notification.objects.filter(pk=notification.pk).update(emailed_at=clock.now())
            return True
        Notification.objects.filter(pk=notification.pk).update(email_attempts=notification.email_attempts + 1)
    # The attempt is committed before the mail server is asked, so a crash mid-send still counts it.
    body = _("%(text)s\n\nXem trên hệ thống: %(url)s\n\nVăn phòng Đảng ủy khối") % {
        "text": notification.text,
        "url": settings.SITE_URL.rstrip("/") + notification.url if notification.url else settings.SITE_URL,
    }
    EmailMessage(
        _("[%(site)s] %(kind)s") % {"site": settings.SITE_NAME, "kind": notification.get_kind_display()},
        body,
        to=[address],
    ).send()
    Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(emailed_at=clock.now())
    return True


def owed_emails(now=None) -> list[int]:
    """The notifications whose e-mail has not gone, old enough that their own task has had its chance."""
    now = now or clock.now()
    return list(
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__lte=now - SWEEP_GRACE,
            created_at__gte=now - EMAIL_GIVE_UP_AFTER,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def sweep_emails() -> int:
    """Send what is owed; an e-mail that fails again is logged and left for the next sweep."""
    sent = 0
    for pk in owed_emails():
        try:
            send_email(pk)
            sent += 1
        except Exception:
            log.warning("notification %s: e-mail failed again; the next sweep retries", pk, exc_info=True)
    return sent


def unread_count(user) -> int:
    if not user or not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
