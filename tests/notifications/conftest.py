import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from branchservice.notifications.models import Notification
from branchservice.notifications.registry import Reminder
from standards.reminders import Kind as StandardsKind
from tests.notifications import scanner

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def shanghai(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


# Monday 2026-11-23 is an ordinary PRC working day; 2026-11-21/22 a weekend.
MONDAY_10AM = shanghai(2026, 11, 23, 10, 0)


@pytest.fixture
def test_scanner(settings):
    settings.NOTIFICATIONS_SCANNERS = ["tests.notifications.scanner"]
    scanner.DUE.clear()
    yield scanner.DUE
    scanner.DUE.clear()


@pytest.fixture
def remind(test_scanner):
    """Put a reminder about `branch` for `people` on the test scanner's list."""

    def _remind(branch, *people, stage=Notification.Stage.OVERDUE, occurrence="2026-11-23"):
        reminder = Reminder(
            target=branch,
            kind=StandardsKind.CHECKLIST,
            stage=stage,
            recipient_ids=[p.pk for p in people],
            due_at=timezone.make_aware(dt.datetime(2026, 11, 23, 10, 0)),
            occurrence=occurrence,
            label=branch.name,
            url=f"/admin/branchservice/branch/{branch.pk}/change/",
        )
        scanner.DUE.append(reminder)
        return reminder

    return _remind


@pytest.fixture
def beat(django_capture_on_commit_callbacks):
    """Run a beat task at `moment`, with the deliveries it queues on commit (eager Celery)."""
    from branchservice.notifications.tasks import scan_reminders

    def _run(moment, task=scan_reminders):
        with (
            time_machine.travel(moment, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return task.delay().get()

    return _run
