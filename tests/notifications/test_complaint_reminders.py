"""The complaint scan: each reminder kind and stage, to the right people, at the right time.

One simple complaint received at outlet A on Monday 23 Nov 2026, 10:00. With the default
policy: acknowledge by Monday's close, reply by Tuesday's close (1 working day), escalate 2
working days after a breach, warn 3 days before the 15-day regulatory ceiling (8 Dec).
"""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from branchservice.models import CalendarOverride, User
from branchservice.notifications.models import Notification
from branchservice.notifications.services import notifications_deliver, reminders_scan
from branchservice.roles import Role
from complaints import services
from complaints.models import Complaint, DeadlinePolicy, end_of_day
from complaints.reminders import Kind as ComplaintKind
from tests.complaints.conftest import register, transferred
from tests.factories import UserFactory
from tests.notifications.conftest import shanghai

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _complaints_only(settings):
    settings.NOTIFICATIONS_SCANNERS = ["complaints.reminders"]


K, S = ComplaintKind, Notification.Stage
RECEIVED = shanghai(2026, 11, 23, 10, 0)


@pytest.fixture
def cast(org, outlet_user, manager, hq):
    head_a = UserFactory(username="head_a", branch=org.a, roles=[Role.BRANCH_MANAGER])
    head_t1 = UserFactory(username="head_t1", branch=org.t1, roles=[Role.BRANCH_MANAGER])
    head_b = UserFactory(username="head_b", branch=org.b, roles=[Role.BRANCH_MANAGER])
    return type("Cast", (), {"head_a": head_a, "head_t1": head_t1, "head_b": head_b})


@pytest.fixture
def complaint(cast, outlet_user, org):
    with time_machine.travel(RECEIVED, tick=False):
        return register(outlet_user, org.a, received_at=RECEIVED)


def scan_at(moment) -> set[tuple[str, str, str]]:
    """Run a scan at `moment`; the (kind, stage, recipient) of the reminders it created."""
    with time_machine.travel(moment, tick=False):
        reminders_scan()
    return {
        (n.kind, n.stage, n.recipient.username)
        for n in Notification.objects.filter(created_at=moment).select_related("recipient")
    }


def test_the_deadlines_of_the_example_complaint(complaint):
    assert complaint.handler.username == "cm_a"
    assert complaint.acknowledge_due_at == shanghai(2026, 11, 23, 23, 59, 59)
    assert complaint.reply_due_at == shanghai(2026, 11, 24, 23, 59, 59)
    assert complaint.regulatory_due_at == shanghai(2026, 12, 8, 23, 59, 59)


def test_the_acknowledgement_is_reminded_at_noon_and_two_hours_before_the_working_day_ends(
    complaint,
):
    assert scan_at(shanghai(2026, 11, 23, 11, 59)) == set()
    assert scan_at(shanghai(2026, 11, 23, 12, 0)) == {(K.COMPLAINT_ACKNOWLEDGE, S.DUE, "cm_a")}
    assert scan_at(shanghai(2026, 11, 23, 15, 0)) == set()  # told once
    # The working day ends at 18:00.
    assert scan_at(shanghai(2026, 11, 23, 16, 0)) == {(K.COMPLAINT_ACKNOWLEDGE, S.WARNING, "cm_a")}
    assert scan_at(shanghai(2026, 11, 23, 17, 0)) == set()
    # Both within working hours: sent as they are made, not held for the morning.
    sent = Notification.objects.filter(kind=K.COMPLAINT_ACKNOWLEDGE)
    assert [(n.scheduled_for, n.created_at) for n in sent.order_by("created_at")] == [
        (shanghai(2026, 11, 23, 12, 0),) * 2,
        (shanghai(2026, 11, 23, 16, 0),) * 2,
    ]


def test_an_entry_registered_late_in_the_day_gets_the_last_reminder_only(cast, outlet_user, org):
    late = shanghai(2026, 11, 23, 16, 30)
    with time_machine.travel(late, tick=False):
        register(outlet_user, org.a, received_at=late)
    assert scan_at(shanghai(2026, 11, 23, 16, 35)) == {(K.COMPLAINT_ACKNOWLEDGE, S.WARNING, "cm_a")}


def test_an_acknowledgement_made_in_the_morning_is_not_reminded(complaint, outlet_user):
    with time_machine.travel(shanghai(2026, 11, 23, 11, 0), tick=False):
        services.complaint_acknowledge(
            user=outlet_user,
            complaint=complaint,
            acknowledged_at=shanghai(2026, 11, 23, 11, 0),
            estimated_reply_at=shanghai(2026, 11, 24, 16, 0),
        )
    assert scan_at(shanghai(2026, 11, 23, 12, 0)) == set()
    assert scan_at(shanghai(2026, 11, 23, 16, 0)) == set()


def test_an_unacknowledged_complaint_reminds_its_handler_after_the_receiving_day(complaint):
    assert scan_at(shanghai(2026, 11, 24, 0, 15)) == {
        (K.COMPLAINT_ACKNOWLEDGE, S.OVERDUE, "cm_a"),
        # Past midnight it is also the reply's due day: the pre-breach reminder.
        (K.COMPLAINT_REPLY, S.DUE, "cm_a"),
    }
    # Created at night, both wait for the morning.
    night = Notification.objects.exclude(kind=K.COMPLAINT_REGISTERED)  # told at registration
    assert set(night.values_list("scheduled_for", flat=True)) == {shanghai(2026, 11, 24, 8, 30)}


def test_an_acknowledged_complaint_gets_only_the_reply_reminder(complaint, outlet_user):
    with time_machine.travel(shanghai(2026, 11, 23, 11, 0), tick=False):
        services.complaint_acknowledge(
            user=outlet_user,
            complaint=complaint,
            acknowledged_at=shanghai(2026, 11, 23, 11, 0),
            estimated_reply_at=shanghai(2026, 11, 24, 16, 0),
        )
    assert scan_at(shanghai(2026, 11, 24, 8, 30)) == {(K.COMPLAINT_REPLY, S.DUE, "cm_a")}


def test_a_breached_reply_reminds_the_handler_and_the_outlet_head(complaint):
    scan_at(shanghai(2026, 11, 24, 8, 30))
    assert scan_at(shanghai(2026, 11, 25, 9, 0)) == {
        (K.COMPLAINT_REPLY, S.OVERDUE, "cm_a"),
        (K.COMPLAINT_REPLY, S.OVERDUE, "head_a"),
    }


def test_still_unanswered_two_working_days_after_the_breach_it_escalates_above_the_outlet(
    complaint,
):
    scan_at(shanghai(2026, 11, 25, 9, 0))
    assert scan_at(shanghai(2026, 11, 25, 17, 0)) == set()  # one working day after
    assert scan_at(shanghai(2026, 11, 26, 9, 0)) == {
        (K.COMPLAINT_REPLY, S.ESCALATED, "mgr_s1"),
        (K.COMPLAINT_REPLY, S.ESCALATED, "head_t1"),
        (K.COMPLAINT_REPLY, S.ESCALATED, "hq_service"),
    }


def test_the_escalation_follows_the_complaints_policy(complaint):
    complaint.policy.escalate_after_breach_working_days = 0
    complaint.policy.save()
    assert (K.COMPLAINT_REPLY, S.ESCALATED, "hq_service") in scan_at(shanghai(2026, 11, 25, 9))


def test_the_regulatory_ceiling_warns_the_outlet_head_and_head_office(complaint):
    scan_at(shanghai(2026, 11, 26, 9, 0))
    assert scan_at(shanghai(2026, 12, 5, 23, 0)) == set()  # 3 days + 1 second before
    assert scan_at(shanghai(2026, 12, 6, 0, 0)) == {
        (K.COMPLAINT_REGULATORY, S.WARNING, "head_a"),
        (K.COMPLAINT_REGULATORY, S.WARNING, "hq_service"),
    }
    assert scan_at(shanghai(2026, 12, 8, 23, 0)) == set()
    assert scan_at(shanghai(2026, 12, 9, 0, 0)) == {
        (K.COMPLAINT_REGULATORY, S.OVERDUE, "head_a"),
        (K.COMPLAINT_REGULATORY, S.OVERDUE, "hq_service"),
    }


def _reply(complaint, user, moment):
    with time_machine.travel(moment, tick=False):
        services.complaint_acknowledge(
            user=user, complaint=complaint, acknowledged_at=moment, estimated_reply_at=moment
        )
        services.complaint_investigate(user=user, complaint=complaint, note="核实情况。")
        return services.complaint_resolve(
            user=user,
            complaint=complaint,
            replied_at=moment,
            reply_method=Complaint.ReplyMethod.PHONE,
            reply_content="已向客户致歉并说明改进措施。",
            customer_accepted=True,
            founded=True,
            reply_facts="核实属实。",
            reply_grounds="服务规范。",
        )


def test_the_follow_up_visit_is_reminded_on_its_day_and_when_overdue(complaint, outlet_user):
    complaint = _reply(complaint, outlet_user, shanghai(2026, 11, 23, 15, 0))
    assert complaint.followup_due_at == shanghai(2026, 11, 26, 23, 59, 59)
    assert scan_at(shanghai(2026, 11, 25, 9, 0)) == set()  # a reply answers every reply stage
    assert scan_at(shanghai(2026, 11, 26, 9, 0)) == {(K.COMPLAINT_FOLLOWUP, S.DUE, "cm_a")}
    assert scan_at(shanghai(2026, 11, 27, 9, 0)) == {(K.COMPLAINT_FOLLOWUP, S.OVERDUE, "cm_a")}


def test_an_entry_without_a_handler_reminds_the_outlets_complaint_managers(complaint):
    Complaint.objects.filter(pk=complaint.pk).update(handler=None)
    assert (K.COMPLAINT_REPLY, S.DUE, "cm_a") in scan_at(shanghai(2026, 11, 24, 9, 0))


def test_praise_has_no_deadlines_and_no_reminders(cast, outlet_user, org):
    with time_machine.travel(RECEIVED, tick=False):
        register(outlet_user, org.a, received_at=RECEIVED, kind=Complaint.Kind.PRAISE)
    assert scan_at(shanghai(2026, 12, 20, 9, 0)) == set()


def test_a_complaint_answered_between_scan_and_send_is_not_mailed(complaint, outlet_user):
    scan_at(shanghai(2026, 11, 24, 6, 0))  # both reminders held for 08:30
    _reply(complaint, outlet_user, shanghai(2026, 11, 24, 8, 0))
    with time_machine.travel(shanghai(2026, 11, 24, 8, 30), tick=False):
        assert notifications_deliver(recipient_id=outlet_user.pk) == 0
    assert mail.outbox == []
    assert Notification.objects.filter(cancelled_at=None).count() == 0
    assert set(Notification.objects.values_list("last_error", flat=True)) == {"提醒创建后已办理。"}


def test_a_voided_complaint_is_not_reminded_any_more(complaint, outlet_user, hq):
    scan_at(shanghai(2026, 11, 24, 6, 0))
    with time_machine.travel(shanghai(2026, 11, 24, 7, 0), tick=False):
        services.complaint_void(user=hq, complaint=complaint, reason="重复登记。")
    with time_machine.travel(shanghai(2026, 11, 24, 8, 30), tick=False):
        assert notifications_deliver(recipient_id=outlet_user.pk) == 0
    cancelled = Notification.objects.exclude(cancelled_at=None)
    # The scan's two for the handler, and the outlet head's from the registration.
    assert set(cancelled.values_list("kind", "recipient__username")) == {
        (K.COMPLAINT_ACKNOWLEDGE, "cm_a"),
        (K.COMPLAINT_REPLY, "cm_a"),
        (K.COMPLAINT_REGISTERED, "head_a"),
    }
    assert cancelled.first().last_error.startswith("已不在办理中")
    assert scan_at(shanghai(2026, 11, 26, 9, 0)) == set()


def test_an_approved_extension_moves_the_reply_deadline_and_its_reminders(complaint):
    scan_at(shanghai(2026, 11, 24, 9, 0))
    Complaint.objects.filter(pk=complaint.pk).update(
        reply_due_at=shanghai(2026, 12, 23, 23, 59, 59)
    )
    with time_machine.travel(shanghai(2026, 11, 24, 9, 5), tick=False):
        notifications_deliver(recipient_id=complaint.handler_id)
    reply = Notification.objects.get(kind=K.COMPLAINT_REPLY)
    assert reply.cancelled_at is not None
    assert scan_at(shanghai(2026, 11, 25, 9, 0)) == set()


def test_a_policy_with_a_negative_offset_is_refused_in_the_admin(hq, login):
    policy = DeadlinePolicy.current()
    url = reverse("admin:complaints_deadlinepolicy_change", args=[policy.pk])
    form = login(hq).get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "is_active"}
    data.update(escalate_after_breach_working_days=-1, regulatory_warning_days=-3)
    response = login(hq).post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"escalate_after_breach_working_days", "regulatory_warning_days"} <= set(errors)
    policy.refresh_from_db()
    assert policy.escalate_after_breach_working_days == 2


def test_the_escalation_is_written_once_on_the_complaints_timeline(complaint, outlet_user, login):
    scan_at(shanghai(2026, 11, 26, 9, 0))
    scan_at(shanghai(2026, 11, 26, 9, 15))  # the next scan finds it stored already
    lines = complaint.events.filter(actor=None)
    assert lines.count() == 1
    note = lines.get().note
    assert "2026-11-24" in note and "超期" in note
    for person in User.objects.filter(username__in=["mgr_s1", "head_t1", "hq_service"]):
        assert person.get_full_name() in note
    page = login(outlet_user).get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    assert "系统" in page.content.decode() and note in page.content.decode()


# --- the regulator's clock ---------------------------------------------------------------------


def _acknowledged(complaint, user, moment):
    with time_machine.travel(moment, tick=False):
        services.complaint_acknowledge(
            user=user, complaint=complaint, acknowledged_at=moment, estimated_reply_at=moment
        )
        return services.complaint_investigate(user=user, complaint=complaint, note="核实")


def test_nothing_is_reminded_while_the_clock_is_paused_but_a_long_pause_tells_the_head(
    complaint, outlet_user, cast
):
    _acknowledged(complaint, outlet_user, shanghai(2026, 11, 23, 11, 0))
    with time_machine.travel(shanghai(2026, 11, 23, 12, 0), tick=False):
        services.complaint_pause(
            user=outlet_user,
            complaint=complaint,
            reason="appraisal",
            note="送司法鉴定。",
            started_at=shanghai(2026, 11, 23, 12, 0),
            told_method="phone",
            told_at=shanghai(2026, 11, 23, 12, 0),
        )
    # The reply was due on Tuesday: paused, nothing is reminded.
    assert scan_at(shanghai(2026, 11, 26, 10, 0)) == set()
    # Thirty natural days later the outlet head hears of the pause, and only of it.
    assert scan_at(shanghai(2026, 12, 24, 10, 0)) == {(K.COMPLAINT_PAUSE, S.WARNING, "head_a")}


def test_an_approved_extension_not_told_within_a_working_day_reminds_the_handler(
    cast, outlet_user, org
):
    with time_machine.travel(RECEIVED, tick=False):
        complaint = register(outlet_user, org.a, received_at=RECEIVED, complexity="complex")
    _acknowledged(complaint, outlet_user, shanghai(2026, 11, 23, 11, 0))
    with time_machine.travel(shanghai(2026, 11, 23, 15, 0), tick=False):
        services.complaint_request_extension(user=outlet_user, complaint=complaint, reason="需时")
        services.complaint_extend(user=cast.head_a, complaint=complaint, approve=True)
    kinds = {k for k, _s, _r in scan_at(shanghai(2026, 11, 24, 16, 0))}
    assert K.COMPLAINT_EXTENSION_NOTICE not in kinds  # still within the working day after
    assert (K.COMPLAINT_EXTENSION_NOTICE, S.OVERDUE, "cm_a") in scan_at(
        shanghai(2026, 11, 25, 9, 0)
    )


def test_a_review_due_reminds_the_levels_above(complaint, outlet_user, manager, cast):
    with time_machine.travel(shanghai(2026, 11, 23, 11, 0), tick=False):
        services.complaint_resolve_on_spot(
            user=outlet_user, complaint=complaint, reply_content="当场解释。"
        )
        services.complaint_follow_up(
            user=outlet_user,
            complaint=complaint,
            followed_up_at=shanghai(2026, 11, 23, 11, 0),
            satisfaction="dissatisfied",
        )
        services.complaint_close(user=outlet_user, complaint=complaint, review_right_told=True)
        services.complaint_request_review(
            user=outlet_user,
            complaint=complaint,
            requested_at=shanghai(2026, 11, 23, 11, 0),
            request="申请核查",
        )
    found = scan_at(shanghai(2026, 12, 23, 10, 0))
    assert (K.COMPLAINT_REVIEW, S.DUE, "mgr_s1") in found
    assert (K.COMPLAINT_REVIEW, S.DUE, "hq_service") in found


def test_a_scan_reads_every_due_complaint_however_many_batches_it_takes(
    cast, outlet_user, org, monkeypatch
):
    """The scan reads rows (not model instances) in keyset batches: each complaint of every
    batch is reminded once, and a reminder's row is stored against the complaint itself."""
    monkeypatch.setattr("branchservice.notifications.registry.BATCH_SIZE", 2)
    with time_machine.travel(RECEIVED, tick=False):
        complaints = [register(outlet_user, org.a, received_at=RECEIVED) for _ in range(5)]
    scan_at(shanghai(2026, 11, 24, 0, 15))
    acknowledgements = Notification.objects.filter(kind=K.COMPLAINT_ACKNOWLEDGE)
    assert sorted(n.target.pk for n in acknowledgements) == sorted(c.pk for c in complaints)
    assert {n.url for n in acknowledgements} == {
        reverse("admin:complaints_complaint_change", args=[c.pk]) for c in complaints
    }


def test_an_escalated_complaint_reminds_the_level_that_holds_it(complaint, outlet_user, manager):
    """Escalated to the sub-branch, the sub-branch's managers hold it (only they move it):
    its reply reminder goes to them, not to the outlet handler who can no longer act."""
    with time_machine.travel(shanghai(2026, 11, 23, 11, 0), tick=False):
        services.complaint_acknowledge(
            user=outlet_user,
            complaint=complaint,
            acknowledged_at=shanghai(2026, 11, 23, 11, 0),
            estimated_reply_at=shanghai(2026, 11, 24, 17, 0),
        )
        services.complaint_escalate(
            user=outlet_user, complaint=Complaint.objects.get(pk=complaint.pk), reason="涉及贷款。"
        )
    due = scan_at(shanghai(2026, 11, 24, 0, 15))
    assert (K.COMPLAINT_REPLY, S.DUE, manager.username) in due
    assert (K.COMPLAINT_REPLY, S.DUE, "cm_a") not in due


# --- on the outlet's own calendar ---------------------------------------------------------------


def test_an_extension_notice_is_reminded_on_the_regions_calendar(cast, outlet_user, org):
    """Haidian works Sunday 29 November: an extension approved on the Saturday is to be told
    by the close of that Sunday, and reminded on the Monday (not on Tuesday)."""
    CalendarOverride.objects.create(
        date=dt.date(2026, 11, 29), kind="workday", branch=org.s1, note="区域调休"
    )
    with time_machine.travel(RECEIVED, tick=False):
        complaint = register(outlet_user, org.a, received_at=RECEIVED, complexity="complex")
    _acknowledged(complaint, outlet_user, shanghai(2026, 11, 23, 11, 0))
    with time_machine.travel(shanghai(2026, 11, 28, 15, 0), tick=False):
        services.complaint_request_extension(user=outlet_user, complaint=complaint, reason="需时")
        services.complaint_extend(user=cast.head_a, complaint=complaint, approve=True)
    assert (K.COMPLAINT_EXTENSION_NOTICE, S.OVERDUE, "cm_a") in scan_at(
        shanghai(2026, 11, 30, 9, 0)
    )


def test_a_feedback_is_due_soon_on_the_regions_calendar(cast, outlet_user, outsider, org):
    """Haidian's Friday 27 November is a holiday: two working days from the Thursday reach
    Tuesday 1 December there, Monday elsewhere."""
    CalendarOverride.objects.create(
        date=dt.date(2026, 11, 27), kind="holiday", branch=org.s1, note="区域节日"
    )
    due = end_of_day(dt.date(2026, 12, 1))
    with time_machine.travel(RECEIVED, tick=False):
        for user, branch, reference in ((outlet_user, org.a, "A-1"), (outsider, org.b, "B-1")):
            register(
                user,
                branch,
                **transferred(
                    RECEIVED, regulator_reference=reference, regulator_feedback_due_at=due
                ),
            )
    told = {
        (stage, name)
        for kind, stage, name in scan_at(shanghai(2026, 11, 26, 10, 0))
        if kind == K.COMPLAINT_REGULATOR_FEEDBACK
    }
    assert told == {(S.WARNING, "cm_a"), (S.WARNING, "head_a")}
