"""Celery tasks: thin, take ids, call one plain function, safe to run twice."""

from celery import shared_task
from django.db import OperationalError, transaction

from config import clock
from targets import rollup

# Roll-ups of one approval take milliseconds; a minute means something is stuck.
ROLLUP_TIME_LIMIT = 60
# The nightly rebuild of a national-scale term takes seconds to a few minutes.
FULL_TIME_LIMIT = 30 * 60


def enqueue_rollup(unit_id: int, period_id: int) -> None:
    """Recompute the roll-ups touched by this unit and quarter once the change is committed."""
    transaction.on_commit(lambda: rollup_unit_task.delay(unit_id, period_id))


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    max_retries=5,
    soft_time_limit=ROLLUP_TIME_LIMIT - 10,
    time_limit=ROLLUP_TIME_LIMIT,
)
def rollup_unit_task(unit_id: int, period_id: int) -> int:
    return rollup.rollup_incremental(unit_id, period_id).rows


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=60,
    max_retries=3,
    soft_time_limit=FULL_TIME_LIMIT - 60,
    time_limit=FULL_TIME_LIMIT,
)
def rollup_full_task() -> int:
    return sum(result.rows for result in rollup.rollup_all())


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=60,
    max_retries=3,
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
)
def send_reminders_task() -> int:

    from targets.reminders import send_reminders

    return send_reminders(clock.today())
