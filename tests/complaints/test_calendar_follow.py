"""Stored deadlines follow the calendar: a notice applied after registration moves them."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branchservice import calendar, calendar_notices
from branchservice.demo import SAMPLE_NOTICE
from branchservice.models import CalendarOverride
from complaints import services
from complaints.deadlines import recompute_deadlines
from complaints.models import Complaint, ComplaintEvent, Move

from .conftest import at, register

SAMPLE = SAMPLE_NOTICE.read_text(encoding="utf-8")
D = dt.date
# Monday 2026-12-28: the package knows nothing of 2027, so 2027-01-01 (Friday) counts as a
# working day until the notice says it is 元旦.
MONDAY = at(2026, 12, 28, 9)


@pytest.fixture
def end_of_december():
    with time_machine.travel(at(2026, 12, 28, 10), tick=False):
        yield


def day(moment):
    return timezone.localdate(moment)


def apply_sample(user, captured):
    """Apply the sample 2027 notice as head office does, running what waits for the commit."""
    preview = calendar_notices.preview_notice(SAMPLE, 2027)
    with captured(execute=True):
        calendar_notices.apply_notice(
            user=user, text=SAMPLE, year=2027, fingerprint=preview.fingerprint
        )


def complex_complaint(user, branch):
    return register(user, branch, received_at=MONDAY, complexity=Complaint.Complexity.COMPLEX)


def closed_complaint(user, branch):
    complaint = register(user, branch, received_at=MONDAY, complexity="complex")
    complaint = services.complaint_resolve_on_spot(
        user=user, complaint=complaint, reply_content="当场致歉并办理。", customer_accepted=True
    )
    complaint = services.complaint_follow_up(
        user=user,
        complaint=complaint,
        followed_up_at=at(2026, 12, 28, 10),
        satisfaction=Complaint.Satisfaction.SATISFIED,
    )
    return services.complaint_close(user=user, complaint=complaint)


def test_a_notice_making_a_day_a_holiday_moves_an_open_complaints_deadlines(
    end_of_december, org, outlet_user, hq, django_capture_on_commit_callbacks
):
    complaint = complex_complaint(outlet_user, org.a)
    # Five working days from Monday, 2027-01-01 counted: Tue, Wed, Thu, Fri 1st, Mon 4th.
    assert day(complaint.reply_due_at) == D(2027, 1, 4)
    assert day(complaint.branch_due_at) == D(2027, 1, 6)
    regulatory = complaint.regulatory_due_at

    apply_sample(hq, django_capture_on_commit_callbacks)

    complaint.refresh_from_db()
    assert day(complaint.reply_due_at) == D(2027, 1, 5)
    assert day(complaint.branch_due_at) == D(2027, 1, 7)
    assert day(complaint.acknowledge_due_at) == D(2026, 12, 28)  # counted before the day
    assert complaint.regulatory_due_at == regulatory  # 15 natural days: no holiday moves it
    lines = list(complaint.events.filter(action=Move.DEADLINE_MOVED).values_list("note", "actor"))
    assert lines == [
        ("答复：期限由 2027-01-04 改为 2027-01-05，因为 2027-01-01 改为节假日。", None),
        ("网点办结上限：期限由 2027-01-06 改为 2027-01-07，因为 2027-01-01 改为节假日。", None),
    ]
    history = complaint.history.latest()
    assert day(history.reply_due_at) == D(2027, 1, 5)
    assert history.history_change_reason == "日历调整后重新计算期限。"
    assert (history.history_type, history.reference, history.history_user) == (
        "~",
        complaint.reference,
        None,
    )


def test_closed_entries_and_natural_day_ceilings_are_left_alone(
    end_of_december, org, outlet_user, hq, django_capture_on_commit_callbacks
):
    closed = closed_complaint(outlet_user, org.a)
    # Extended to 30 natural days: the reply and both ceilings fall on the regulatory date.
    extended = complex_complaint(outlet_user, org.a)
    Complaint.objects.filter(pk=extended.pk).update(extension_tier="30")
    extended.refresh_from_db()
    recompute_deadlines(extended)
    extended.save()
    before = {
        c.pk: (c.reply_due_at, c.branch_due_at, c.regulatory_due_at) for c in (closed, extended)
    }

    apply_sample(hq, django_capture_on_commit_callbacks)

    for c in (closed, extended):
        c.refresh_from_db()
        assert (c.reply_due_at, c.branch_due_at, c.regulatory_due_at) == before[c.pk]
    assert day(closed.reply_due_at) == D(2027, 1, 4)  # what was due then stays on record
    assert not ComplaintEvent.objects.filter(action=Move.DEADLINE_MOVED).exists()


def test_the_same_notice_again_moves_nothing_and_a_refused_one_queues_nothing(
    end_of_december, org, outlet_user, hq, django_capture_on_commit_callbacks
):
    complaint = complex_complaint(outlet_user, org.a)
    apply_sample(hq, django_capture_on_commit_callbacks)
    apply_sample(hq, django_capture_on_commit_callbacks)
    assert complaint.events.filter(action=Move.DEADLINE_MOVED).count() == 2

    CalendarOverride.objects.filter(date=D(2027, 1, 4)).delete()  # someone edits meanwhile
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError):
        calendar_notices.apply_notice(user=hq, text=SAMPLE, year=2027, fingerprint="stale")
    assert callbacks == []


def test_a_batch_costs_the_same_few_queries_however_many_rows_move(
    end_of_december, org, outlet_user
):
    complaints = [complex_complaint(outlet_user, org.a) for _ in range(6)]
    CalendarOverride.objects.create(date=D(2027, 1, 1), kind="holiday", note="元旦")
    calendar.add_working_days(D(2026, 12, 28), 5)  # the year's overrides read once, cached
    with CaptureQueriesContext(connection) as queries:
        moved = services.complaints_follow_calendar(flips={D(2027, 1, 1): False}, batch_size=4)
    assert moved == 6
    # Once: who holds which role (two) and the deadline policies (two), for what is due on
    # the new deadlines. Two batches (4 and 2 rows), each: the rows, their pauses, the update,
    # the history, the timeline, the reminders sent for the old deadlines, the handlers'
    # notices (and the transaction's savepoint statements); never a query per row.
    assert len(queries) <= 4 + 2 * 9, [q["sql"][:80] for q in queries]
    for c in complaints:
        c.refresh_from_db()
        assert day(c.reply_due_at) == D(2027, 1, 5)


def test_a_date_entered_or_deleted_by_hand_in_the_admin_moves_deadlines_both_ways(
    end_of_december, org, outlet_user, hq, login, django_capture_on_commit_callbacks
):
    complaint = complex_complaint(outlet_user, org.a)
    client = login(hq)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:branchservice_calendaroverride_add"),
            {"date": "2027-01-01", "kind": "holiday", "note": "元旦"},
        )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert day(complaint.reply_due_at) == D(2027, 1, 5)

    override = CalendarOverride.objects.get(date=D(2027, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:branchservice_calendaroverride_delete", args=[override.pk]),
            {"post": "yes"},
        )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert day(complaint.reply_due_at) == D(2027, 1, 4)
    assert complaint.events.filter(action=Move.DEADLINE_MOVED).last().note == (
        "网点办结上限：期限由 2027-01-07 改为 2027-01-06，因为 2027-01-01 改为工作日。"
    )


def test_the_handler_hears_of_moved_deadlines_at_once_and_in_one_mail(
    end_of_december, org, outlet_user, hq, django_capture_on_commit_callbacks, mailoutbox
):
    from branchservice.notifications.models import Notification
    from branchservice.notifications.services import notifications_deliver, reminders_scan

    first, second = complex_complaint(outlet_user, org.a), complex_complaint(outlet_user, org.a)
    handler = first.handler
    mailoutbox.clear()

    apply_sample(hq, django_capture_on_commit_callbacks)

    told = Notification.objects.filter(kind="complaint_deadline_moved").order_by("object_id")
    assert [(n.recipient, n.object_label) for n in told] == [
        (handler, first.reference),
        (handler, second.reference),
    ]
    # Its next deadline is the acknowledgement, today; the reply moved to 2027-01-05.
    assert told[0].headline == (
        f"节假日安排有变，投诉 {first.reference} 的期限已重新计算（变动见其处理记录）；"
        f"下一个期限为 {timezone.localtime(told[0].due_at):%Y年%m月%d日} 23:59。"
    )
    assert notifications_deliver(recipient_id=handler.pk, now=at(2026, 12, 28, 10)) == 2
    assert len(mailoutbox) == 1  # one mail for the whole recount
    assert first.reference in mailoutbox[0].body and second.reference in mailoutbox[0].body

    # The same notice again moves nothing and tells nothing.
    apply_sample(hq, django_capture_on_commit_callbacks)
    assert told.count() == 2

    # Read, it is done: the bell no longer counts it.
    told.filter(pk=told[0].pk).update(read_at=at(2026, 12, 28, 11))
    reminders_scan(now=at(2026, 12, 28, 11))
    assert list(told.filter(done_at=None)) == [told[1]]


def test_a_reminder_sent_for_a_deadline_that_moved_is_superseded_not_sent_again(
    end_of_december, org, outlet_user, mailoutbox
):
    from branchservice.notifications.models import Notification
    from branchservice.notifications.services import notifications_deliver, reminders_scan

    complaint = complex_complaint(outlet_user, org.a)
    reply = Notification.objects.filter(object_id=complaint.pk, kind="complaint_reply")
    with time_machine.travel(at(2027, 1, 6, 10), tick=False):
        reminders_scan()
        notifications_deliver(recipient_id=complaint.handler_id)
        sent = reply.get(stage="overdue", recipient=complaint.handler)
        assert (sent.occurrence, sent.sent_at is not None) == ("2027-01-04", True)

        # Entered late: 元旦 makes the reply due on the 5th, overdue still.
        CalendarOverride.objects.create(date=D(2027, 1, 1), kind="holiday", note="元旦")
        services.complaints_follow_calendar(flips={D(2027, 1, 1): False})
        reminders_scan()

    sent.refresh_from_db()
    assert sent.done_at is not None
    again = reply.filter(occurrence="2027-01-05", recipient=complaint.handler)
    # Held by a cancelled row in its place; the handler was told of the move instead.
    assert [n.cancelled_at is not None for n in again.filter(stage="overdue")] == [True]
    assert not again.filter(cancelled_at=None).exists()
    assert Notification.objects.filter(
        object_id=complaint.pk, kind="complaint_deadline_moved", recipient=complaint.handler
    ).exists()


def test_one_mail_tells_a_person_of_their_moved_complaints_and_rectifications(
    end_of_december, org, outlet_user, hq, django_capture_on_commit_callbacks, mailoutbox
):
    from branchservice.notifications.services import notifications_deliver
    from branchservice.rectifications.services import rectification_raise

    complaint = complex_complaint(outlet_user, org.a)
    rectification = rectification_raise(
        user=outlet_user,
        outlet=org.a,
        source=complaint,
        source_kind=services.RECTIFICATION_SOURCE,
        source_label=complaint.reference,
        owner=complaint.handler,
        required_action="高峰时段增开窗口。",
        responsible_department="运营部",
        due_counted_from=D(2026, 12, 28),
        due_working_days=5,
    )
    mailoutbox.clear()

    apply_sample(hq, django_capture_on_commit_callbacks)

    rectification.refresh_from_db()
    assert rectification.due_date == D(2027, 1, 5)
    assert notifications_deliver(recipient_id=complaint.handler_id, now=at(2026, 12, 28, 10)) == 2
    assert len(mailoutbox) == 1
    assert "高峰时段增开窗口" in mailoutbox[0].body and "期限已重新计算" in mailoutbox[0].body
