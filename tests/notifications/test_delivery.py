import datetime as dt
import socket

import pytest
import time_machine
from django.core import mail

from branchservice.notifications.models import Notification, NotificationPreference
from branchservice.notifications.registry import Reminder
from branchservice.notifications.services import (
    DeliveryFailed,
    notification_retry,
    notifications_deliver,
    reminders_scan,
)
from branchservice.notifications.tasks import morning_digest
from standards.reminders import Kind as StandardsKind
from tests.factories import BranchFactory
from tests.notifications.conftest import MONDAY_10AM, shanghai

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_it_mails_a_due_reminder_at_once_in_working_hours(org, outlet_user, remind, beat):
    remind(org.a, outlet_user)
    beat(MONDAY_10AM)
    n = Notification.objects.get()
    assert n.recipient == outlet_user
    assert n.sent_at == MONDAY_10AM
    assert [m.to for m in mail.outbox] == [[outlet_user.email]]
    message = mail.outbox[0]
    assert "中关村网点" in message.subject
    assert "未提交" in message.body
    assert f"/admin/branchservice/branch/{org.a.pk}/change/" in message.alternatives[0][0]


def test_it_never_stores_or_sends_one_reminder_twice(org, outlet_user, remind, beat):
    remind(org.a, outlet_user)
    beat(MONDAY_10AM)
    beat(MONDAY_10AM)
    beat(MONDAY_10AM + dt.timedelta(minutes=15))
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_new_stage_or_a_moved_deadline_is_a_new_reminder(org, outlet_user, remind):
    remind(org.a, outlet_user)
    remind(org.a, outlet_user, stage=Notification.Stage.ESCALATED)
    remind(org.a, outlet_user, occurrence="2026-11-24")
    with time_machine.travel(MONDAY_10AM, tick=False):
        reminders_scan()
    assert Notification.objects.count() == 3


@pytest.mark.parametrize(
    ("created", "sent_from"),
    [
        # Monday evening, after 18:00: Tuesday morning.
        (shanghai(2026, 11, 23, 19, 30), shanghai(2026, 11, 24, 8, 30)),
        # Monday early morning: the same morning.
        (shanghai(2026, 11, 23, 6, 0), shanghai(2026, 11, 23, 8, 30)),
        # Saturday noon: Monday morning.
        (shanghai(2026, 11, 21, 12, 0), shanghai(2026, 11, 23, 8, 30)),
        # Eve of the National Day holiday (1-7 Oct 2026 off): Thursday 8 Oct.
        (shanghai(2026, 9, 30, 18, 0), shanghai(2026, 10, 8, 8, 30)),
    ],
)
def test_it_holds_reminders_outside_working_hours_for_the_next_working_morning(
    org, outlet_user, remind, created, sent_from, beat
):
    remind(org.a, outlet_user)
    beat(created)
    assert mail.outbox == []
    assert Notification.objects.get().scheduled_for == sent_from
    beat(sent_from - dt.timedelta(minutes=1))
    assert mail.outbox == []
    beat(sent_from, morning_digest)
    assert len(mail.outbox) == 1


def test_working_hours_are_a_setting(org, outlet_user, remind, settings, beat):
    settings.NOTIFICATIONS_WORKING_HOURS = ("07:00", "09:00")
    remind(org.a, outlet_user)
    beat(MONDAY_10AM)
    assert Notification.objects.get().scheduled_for == shanghai(2026, 11, 24, 7, 0)


def test_the_morning_digest_sends_one_mail_per_person_with_everything_held(
    org, outlet_user, manager, remind, beat
):
    remind(org.a, outlet_user, manager)
    remind(org.a2, outlet_user)
    remind(org.a, outlet_user, stage=Notification.Stage.ESCALATED)
    beat(shanghai(2026, 11, 22, 20, 0))
    assert mail.outbox == []
    beat(shanghai(2026, 11, 23, 8, 30), morning_digest)
    by_person = {m.to[0]: m for m in mail.outbox}
    assert len(mail.outbox) == 2
    digest = by_person[outlet_user.email]
    assert "3" in digest.subject
    assert "中关村网点" in digest.body and "五道口网点" in digest.body
    assert digest.body.count("\n1. ") == 1 and "\n3. " in digest.body
    assert by_person[manager.email].subject.startswith("【提醒·已超期】")
    assert Notification.objects.filter(sent_at=None).count() == 0


def test_the_morning_digest_does_nothing_on_a_day_off(org, outlet_user, remind, beat):
    remind(org.a, outlet_user)
    assert beat(shanghai(2026, 10, 3, 8, 30), morning_digest) == {"skipped": "not a working day"}
    assert not Notification.objects.exists()


def test_it_writes_to_each_person_in_their_language(org, outlet_user, manager, remind, beat):
    NotificationPreference.objects.create(user=manager, language="en")
    remind(org.a, outlet_user)
    remind(org.a2, manager)
    beat(MONDAY_10AM)
    by_person = {m.to[0]: m for m in mail.outbox}
    assert "has not been submitted" in by_person[manager.email].body
    assert "Dear" in by_person[manager.email].body
    assert "未提交" in by_person[outlet_user.email].body


def test_a_recipient_without_an_email_address_is_recorded_not_retried(
    org, outlet_user, remind, beat
):
    outlet_user.email = ""
    outlet_user.save()
    remind(org.a, outlet_user)
    beat(MONDAY_10AM)
    n = Notification.objects.get()
    assert n.failed_at == MONDAY_10AM
    assert n.sent_at is None
    assert "没有电子邮件地址" in n.last_error
    assert n.read_at is None  # still in the person's bell


def test_an_unreachable_mail_server_is_retried_with_backoff_then_marked_failed(
    org, outlet_user, remind, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    remind(org.a, outlet_user)
    with time_machine.travel(MONDAY_10AM, tick=False):
        reminders_scan()
        with pytest.raises(DeliveryFailed) as failed:
            notifications_deliver(recipient_id=outlet_user.pk)
    n = Notification.objects.get()
    assert (n.attempts, n.sent_at, n.failed_at) == (1, None, None)
    assert "Mail server" in n.last_error or "邮件服务器" in n.last_error
    assert n.scheduled_for == MONDAY_10AM + dt.timedelta(seconds=failed.value.retry_in)

    # Before the backoff has passed nothing is attempted; afterwards twice more, then failed.
    with time_machine.travel(MONDAY_10AM + dt.timedelta(seconds=30), tick=False):
        assert notifications_deliver(recipient_id=outlet_user.pk) == 0
    with (
        time_machine.travel(MONDAY_10AM + dt.timedelta(minutes=2), tick=False),
        pytest.raises(DeliveryFailed),
    ):
        notifications_deliver(recipient_id=outlet_user.pk)
    with time_machine.travel(MONDAY_10AM + dt.timedelta(minutes=10), tick=False):
        assert notifications_deliver(recipient_id=outlet_user.pk) == 0
    n.refresh_from_db()
    assert n.attempts == 3
    assert n.failed_at == MONDAY_10AM + dt.timedelta(minutes=10)

    # The mail server is back; an administrator sends it again.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(MONDAY_10AM + dt.timedelta(hours=1), tick=False):
        notification_retry(notification=n)
        assert notifications_deliver(recipient_id=outlet_user.pk) == 1
    assert len(mail.outbox) == 1


def test_a_reminder_settled_or_deleted_before_sending_is_cancelled_not_sent(
    org, outlet_user, remind
):
    closing = BranchFactory(code="C1", name="将关闭网点", parent=org.s1)
    gone = BranchFactory(code="G1", name="已撤销网点", parent=org.s1)
    remind(closing, outlet_user)
    remind(gone, outlet_user)
    remind(org.a, outlet_user)
    with time_machine.travel(shanghai(2026, 11, 23, 7, 0), tick=False):
        reminders_scan()
    closing.is_active = False
    closing.save()
    gone.delete()
    with time_machine.travel(MONDAY_10AM, tick=False):
        assert notifications_deliver(recipient_id=outlet_user.pk) == 1
    assert len(mail.outbox) == 1 and "中关村网点" in mail.outbox[0].subject
    cancelled = Notification.objects.exclude(cancelled_at=None).order_by("object_label")
    assert [(n.object_label, n.last_error) for n in cancelled] == [
        ("将关闭网点", "将关闭网点 (C1) was closed."),
        ("已撤销网点", "已撤销网点不再存在。"),
    ]


def test_one_failing_scanner_does_not_stop_the_others(org, outlet_user, remind, settings, beat):
    settings.NOTIFICATIONS_SCANNERS = [
        "tests.notifications.broken_scanner",
        "tests.notifications.scanner",
    ]
    remind(org.a, outlet_user)
    beat(MONDAY_10AM)
    assert len(mail.outbox) == 1


def test_the_demo_may_switch_the_hold_off(org, outlet_user, remind, beat, settings):
    settings.NOTIFICATIONS_HOLD_OUTSIDE_WORKING_HOURS = False
    remind(org.a, outlet_user)
    beat(shanghai(2026, 11, 22, 23, 0))  # Sunday night
    assert len(mail.outbox) == 1


def test_a_reminders_side_effect_runs_once_however_often_it_is_scanned(
    org, outlet_user, manager, test_scanner
):
    runs = []
    test_scanner.append(
        Reminder(
            target=org.a,
            kind=StandardsKind.CHECKLIST,
            stage=Notification.Stage.ESCALATED,
            recipient_ids=[outlet_user.pk, manager.pk],
            label=org.a.name,
            on_first_creation=lambda: runs.append("escalated"),
        )
    )
    with time_machine.travel(MONDAY_10AM, tick=False):
        reminders_scan()
        reminders_scan()
    assert Notification.objects.count() == 2
    assert runs == ["escalated"]
