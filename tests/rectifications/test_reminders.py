"""The one rectification scan, whatever the source: due soon → owner; due today and overdue →
owner and outlet head; done → the outlet head, to verify (验收)."""

import datetime as dt

import pytest
import time_machine

from branchservice.notifications.models import Notification
from branchservice.notifications.services import notifications_deliver, reminders_scan
from branchservice.rectifications import services
from branchservice.rectifications.reminders import Kind
from standards.services import AnswerInput, checklist_start, checklist_submit
from tests.notifications.conftest import shanghai
from tests.standards.conftest import all_pass, items_of
from tests.standards.factories import small_template

pytestmark = pytest.mark.django_db
K, S = Kind, Notification.Stage


@pytest.fixture(autouse=True)
def _rectifications_only(settings):
    settings.NOTIFICATIONS_SCANNERS = ["branchservice.rectifications.reminders"]


def scan_at(moment):
    """Run a scan at `moment`; (kind, stage, recipient) of the reminders it created."""
    with time_machine.travel(moment, tick=False):
        reminders_scan()
    return {
        (n.kind, n.stage, n.recipient.username)
        for n in Notification.objects.filter(created_at=moment).select_related("recipient")
    }


def test_a_complaints_notice_is_reminded_before_on_and_after_its_due_date(
    raise_for, head_a, manager
):
    raise_for(due=dt.date(2026, 11, 30))  # owned by cm_a; head_a heads the outlet
    assert scan_at(shanghai(2026, 11, 27, 9, 0)) == set()
    assert scan_at(shanghai(2026, 11, 28, 9, 0)) == {(K.RECTIFICATION, S.WARNING, "cm_a")}
    assert scan_at(shanghai(2026, 11, 30, 9, 0)) == {
        (K.RECTIFICATION, S.DUE, "cm_a"),
        (K.RECTIFICATION, S.DUE, "head_a"),
    }
    assert scan_at(shanghai(2026, 12, 1, 9, 0)) == {
        (K.RECTIFICATION, S.OVERDUE, "cm_a"),
        (K.RECTIFICATION, S.OVERDUE, "head_a"),
    }
    # A second scan the same day sends nothing twice.
    assert scan_at(shanghai(2026, 12, 1, 9, 15)) == set()


def test_a_done_rectification_asks_the_outlet_head_to_verify_it_not_its_doer(
    raise_for, outlet_user, head_a, manager
):
    rectification = raise_for()
    with time_machine.travel(shanghai(2026, 11, 24, 15, 0), tick=False):
        services.rectification_complete(
            user=outlet_user, rectification=rectification, evidence="已完成"
        )
    assert scan_at(shanghai(2026, 11, 24, 16, 0)) == {(K.RECTIFICATION_VERIFY, S.DUE, "head_a")}
    # Verified before the reminder went out: it is dropped, not sent.
    with time_machine.travel(shanghai(2026, 11, 24, 16, 30), tick=False):
        services.rectification_verify(user=manager, rectification=rectification)
    with time_machine.travel(shanghai(2026, 11, 24, 17, 0), tick=False):
        notifications_deliver(recipient_id=head_a.pk)
    reminder = Notification.objects.get(kind=K.RECTIFICATION_VERIFY)
    assert reminder.sent_at is None and reminder.cancelled_at is not None


def test_the_outlet_head_who_did_it_is_not_asked_the_managers_above_are(raise_for, head_a, manager):
    rectification = raise_for(owner=head_a)
    with time_machine.travel(shanghai(2026, 11, 24, 15, 0), tick=False):
        services.rectification_complete(user=head_a, rectification=rectification, evidence="好")
    assert scan_at(shanghai(2026, 11, 24, 16, 0)) == {(K.RECTIFICATION_VERIFY, S.DUE, "mgr_s1")}


def test_a_checklists_rectification_is_reminded_by_the_same_scan(org, lobby_user, head_a):
    template = small_template()
    with time_machine.travel(shanghai(2026, 11, 23, 9, 0), tick=False):
        checklist = checklist_start(
            branch=org.a, template=template, business_date=dt.date(2026, 11, 23), by=lobby_user
        )
        answers = all_pass(checklist)
        answers[items_of(checklist)[1].pk] = AnswerInput(
            result="fail", comment="叫号机黑屏", photo="x.jpg"
        )
        checklist_submit(checklist=checklist, answers=answers, by=lobby_user, revision=1)
    # Due 5 working days after Monday 23 Nov: Monday 30 Nov; owned by the outlet head.
    assert scan_at(shanghai(2026, 11, 30, 9, 0)) == {(K.RECTIFICATION, S.DUE, "head_a")}
