"""Two scans and two deliveries running at the same moment send each reminder once."""

import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection

from branchservice.notifications.models import Notification
from branchservice.notifications.services import notifications_deliver, reminders_scan
from tests.factories import BranchFactory, UserFactory
from tests.notifications.conftest import MONDAY_10AM

PEOPLE = 6


def _run_together(target, count=2):
    """Start `count` threads on `target` at one barrier; re-raise the first error."""
    barrier = threading.Barrier(count)
    errors = []

    def run():
        try:
            barrier.wait()
            target()
        except Exception as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_every_reminder_exactly_once(org, remind):
    people = [UserFactory(branch=org.a) for _ in range(PEOPLE)]
    outlets = [BranchFactory(parent=org.s1) for _ in range(3)]
    for outlet in outlets:
        remind(outlet, *people)

    def beat_run():
        with time_machine.travel(MONDAY_10AM, tick=False):
            reminders_scan()
            for person in people:
                notifications_deliver(recipient_id=person.pk)

    _run_together(beat_run)

    assert Notification.objects.count() == PEOPLE * len(outlets)
    assert Notification.objects.filter(sent_at=None).count() == 0
    # One mail (a digest of three) per person, never two.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
