"""The Celery app. The beat schedule lives here, in code, next to the tasks it names."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchservice.settings.dev")

app = Celery("branchservice")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Lets /healthz and the admin tell a stopped beat from a quiet one.
    "heartbeat": {"task": "branchservice.tasks.record_heartbeat", "schedule": crontab()},
    # Monthly summaries on the first working day of the month (the task checks the calendar).
    "reporting-daily": {
        "task": "reporting.tasks.reporting_daily",
        "schedule": crontab(minute=0, hour=6),
    },
}
