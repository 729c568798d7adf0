"""Celery entry points. Thin: they read the clock and call the services.

The scan and the digest are idempotent (state comes from the database), so acks_late
re-delivery after a worker crash is harmless; deliveries are guarded by the row claim.
"""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from branchservice.calendar import is_working_day
from branchservice.models import JobHeartbeat

from .services import (
    DELIVER_NOTIFICATIONS_TASK,
    DeliveryFailed,
    notifications_deliver,
    notifications_dispatch,
    reminders_scan,
)


@shared_task(acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def scan_reminders() -> dict:
    """Every NOTIFICATIONS_SCAN_MINUTES: store what is due, queue deliveries of what is ready."""
    now = timezone.now()
    offered = reminders_scan(now=now)
    recipients = notifications_dispatch(now=now)
    JobHeartbeat.objects.update_or_create(name="reminders-scan", defaults={"last_run_at": now})
    return {"offered": offered, "recipients": len(recipients)}


@shared_task(acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def morning_digest() -> dict:
    """At the start of each working day: everything held overnight or due today goes out as
    one mail per person (a delivery sends all of a person's ready reminders together)."""
    if not is_working_day(timezone.localdate()):
        return {"skipped": "not a working day"}
    return scan_reminders()


@shared_task(
    name=DELIVER_NOTIFICATIONS_TASK,
    bind=True,
    acks_late=True,
    time_limit=2 * 60,
    soft_time_limit=100,
    max_retries=settings.NOTIFICATIONS_MAX_ATTEMPTS,
)
def deliver_notifications(self, recipient_id: int) -> int:
    try:
        return notifications_deliver(recipient_id=recipient_id)
    except DeliveryFailed as exc:
        # The rows are already rescheduled in the database, so a lost retry message is
        # caught up by the next scan's dispatch; this retry just comes sooner.
        raise self.retry(exc=exc, countdown=exc.retry_in) from exc
