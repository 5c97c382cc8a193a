"""Celery tasks: thin, take ids, call one plain function, safe to run twice."""

import logging
import time

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from config import clock
from targets import rollup

log = logging.getLogger(__name__)

# A sweep settles at most rollup.SETTLE_BATCH units' changes (milliseconds each); a tree change
# rebuilds the whole term, which at national scale takes minutes.
SETTLE_TIME_LIMIT = 30 * 60
# The nightly rebuild of a national-scale term takes seconds to a few minutes.
FULL_TIME_LIMIT = 30 * 60
DATABASE_ERRORS = (OperationalError, InterfaceError)


@shared_task(bind=True, acks_late=True, soft_time_limit=SETTLE_TIME_LIMIT - 60, time_limit=SETTLE_TIME_LIMIT)
def settle_pending_task(self, first_try: float | None = None) -> int:
    """Settle what the ledger owes. Woken after each change; Celery beat also runs it every minute.

    While the database is unreachable it retries, backing off to every 30 s, for
    SETTLE_RETRY_WINDOW_S (10 minutes by default); past that it gives up, and
    the minute sweep settles everything once the database is back.
    """
    first_try = first_try or time.time()
    try:
        return rollup.settle_pending()
    except DATABASE_ERRORS as exc:
        if time.time() - first_try > settings.SETTLE_RETRY_WINDOW_S:
            log.error("the database has been unreachable for too long; the next sweep will settle")
            raise
        raise self.retry(
            exc=exc,
            countdown=min(2**self.request.retries, 30),
            kwargs={"first_try": first_try},
            max_retries=None,
        ) from exc


@shared_task(
    acks_late=True,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=60,
    max_retries=3,
    soft_time_limit=FULL_TIME_LIMIT - 60,
    time_limit=FULL_TIME_LIMIT,
)
def rollup_full_task() -> int:
    """The nightly rebuild: the reference every settle must agree with, and the repair if one did not."""
    return sum(result.rows for result in rollup.rollup_all())


@shared_task(
    acks_late=True,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=60,
    max_retries=3,
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
)
def send_reminders_task() -> int:
    from targets.reminders import send_reminders

    return send_reminders(clock.today())


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def send_notification_email_task(self, notification_id: int) -> bool:
    """One notification's e-mail; retried with back-off, then left to the sweep (never lost, never twice)."""
    from targets.notifications import send_email

    try:
        return send_email(notification_id)
    except Exception as exc:
        log.warning("notification %s: e-mail failed (attempt %s)", notification_id, self.request.retries + 1)
        if self.request.is_eager:
            return False  # run inline (no broker): the sweep retries, the request goes on
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 900)) from exc


@shared_task(
    acks_late=True, autoretry_for=DATABASE_ERRORS, retry_backoff=60, max_retries=3, time_limit=10 * 60
)
def notification_email_sweep_task() -> int:
    from targets.notifications import sweep_emails

    return sweep_emails()
