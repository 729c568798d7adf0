"""The standards scan: today's missing daily checklist."""

import datetime as dt

import pytest
import time_machine

from branchservice.notifications.models import Notification
from branchservice.notifications.services import notifications_deliver, reminders_scan
from standards.reminders import Kind as StandardsKind
from standards.services import checklist_start, checklist_submit
from tests.notifications.conftest import shanghai
from tests.standards import factories
from tests.standards.conftest import all_pass

pytestmark = pytest.mark.django_db

K, S = StandardsKind, Notification.Stage
MONDAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _standards_only(settings):
    settings.NOTIFICATIONS_SCANNERS = ["standards.reminders"]


@pytest.fixture
def daily(db):
    """A daily template all of daytime checks (the shipped one's opening and closing checks
    are reminded each at its own time: tests/standards/test_parts_of_the_day.py)."""
    return factories.small_template()


def scan_at(moment, kind=None):
    with time_machine.travel(moment, tick=False):
        reminders_scan()
    created = Notification.objects.filter(created_at=moment).select_related("recipient")
    return {
        (n.kind, n.stage, n.recipient.username, n.object_label)
        for n in (created.filter(kind=kind) if kind else created)
    }


def _submit(org, daily, lobby_user, moment):
    with time_machine.travel(moment, tick=False):
        checklist = checklist_start(
            branch=org.a, template=daily, business_date=MONDAY, by=lobby_user
        )
        checklist_submit(
            checklist=checklist,
            answers=all_pass(checklist),
            by=lobby_user,
            revision=checklist.revision,
        )
    return checklist


def test_a_missing_checklist_reminds_the_lobby_managers_then_the_outlet_head(
    org, lobby_user, head_a, daily
):
    assert scan_at(shanghai(2026, 11, 23, 9, 59)) == set()
    assert scan_at(shanghai(2026, 11, 23, 10, 0)) == {
        (K.CHECKLIST, S.OVERDUE, "lm_a", "中关村网点")
    }
    assert scan_at(shanghai(2026, 11, 23, 11, 30)) == {
        (K.CHECKLIST, S.ESCALATED, "head_a", "中关村网点")
    }
    # The next working day is a new day with its own checklist.
    assert (K.CHECKLIST, S.OVERDUE, "lm_a", "中关村网点") in scan_at(shanghai(2026, 11, 24, 10))


def test_the_checklist_times_are_settings(org, lobby_user, head_a, daily, settings):
    settings.CHECKLIST_REMINDER_AT = "09:00"
    assert scan_at(shanghai(2026, 11, 23, 9, 0)) == {(K.CHECKLIST, S.OVERDUE, "lm_a", "中关村网点")}


def test_no_checklist_is_due_on_a_day_off(org, lobby_user, head_a, daily):
    assert scan_at(shanghai(2026, 10, 3, 12, 0)) == set()


def test_a_submitted_checklist_is_not_reminded(org, lobby_user, head_a, daily):
    _submit(org, daily, lobby_user, shanghai(2026, 11, 23, 9, 30))
    assert scan_at(shanghai(2026, 11, 23, 12, 0)) == set()


def test_a_checklist_submitted_after_the_scan_cancels_the_waiting_reminder(
    org, lobby_user, head_a, daily, settings
):
    settings.NOTIFICATIONS_WORKING_HOURS = ("10:30", "18:00")
    scan_at(shanghai(2026, 11, 23, 10, 0))  # held until 10:30
    _submit(org, daily, lobby_user, shanghai(2026, 11, 23, 10, 15))
    with time_machine.travel(shanghai(2026, 11, 23, 10, 30), tick=False):
        assert notifications_deliver(recipient_id=lobby_user.pk) == 0
    assert Notification.objects.get().cancelled_at == shanghai(2026, 11, 23, 10, 30)
