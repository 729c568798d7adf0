"""The Celery app. The beat schedule lives here, in code, next to the tasks it names."""

import os

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchservice.settings.dev")

app = Celery("branchservice")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Settings load lazily from DJANGO_SETTINGS_MODULE; no app registry is needed to read them.
_start_hour, _start_minute = settings.NOTIFICATIONS_WORKING_HOURS[0].split(":")

app.conf.beat_schedule = {
    # Lets /healthz and the admin tell a stopped beat from a quiet one.
    "heartbeat": {"task": "branchservice.tasks.record_heartbeat", "schedule": crontab()},
    # What is due is recomputed from the database each time, so a missed run is caught
    # up by the next one and a doubled run sends nothing twice.
    "reminders-scan": {
        "task": "branchservice.notifications.tasks.scan_reminders",
        "schedule": crontab(minute=f"*/{settings.NOTIFICATIONS_SCAN_MINUTES}"),
    },
    # Every day at the start of working hours; the task itself skips non-working days
    # (the PRC calendar with its adjusted weekends is beyond crontab).
    "reminders-morning-digest": {
        "task": "branchservice.notifications.tasks.morning_digest",
        "schedule": crontab(hour=int(_start_hour), minute=int(_start_minute)),
    },
    # A newer chinesecalendar installed with the code changes the calendar: deadlines follow.
    "calendar-package-check": {
        "task": "branchservice.tasks.check_calendar_package",
        "schedule": crontab(minute=7),
    },
    # Summaries on the first working day after a month, quarter, half-year or year (the task
    # checks the calendar).
    "reporting-daily": {
        "task": "reporting.tasks.reporting_daily",
        "schedule": crontab(minute=0, hour=6),
    },
}
