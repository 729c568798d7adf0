"""Issue 14 item 6, regulator transfers: a complaint received through the regulator channel
carries the transferring body, its reference, its receipt date and the feedback owed to it,
whose deadline is watched and reminded like the others. Item 2: a regulator transfer, or an
entry marked urgent, is told to the sub-branch head as well."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from branchservice.notifications.models import Notification
from branchservice.notifications.services import reminders_scan
from branchservice.roles import Role
from complaints import services
from complaints.deadlines import watched_states
from complaints.models import Complaint, DeadlinePolicy, DeadlineStatus, Move
from complaints.reminders import Kind
from complaints.workflow import allowed_moves
from tests.complaints.conftest import RECEIVED, at, register, transferred
from tests.complaints.test_admin_workflow import change_url, move_url
from tests.complaints.test_clock import _pause
from tests.complaints.test_concurrent_edits import form_data
from tests.exports.helpers import open_workbook, response_bytes, sheet_rows
from tests.factories import UserFactory

S = Complaint.Status
FEEDBACK = Kind.COMPLAINT_REGULATOR_FEEDBACK
# transferred(): received Wed 30 Sep 2026, feedback due by the close of Sat 10 Oct.
FEEDBACK_DUE = timezone.make_aware(dt.datetime(2026, 10, 10, 23, 59, 59))


def test_a_regulator_transfer_carries_its_bodys_details(frozen, outlet_user, org):
    complaint = register(outlet_user, org.a, **transferred())
    assert complaint.get_regulator_body_display() == "国家金融监督管理总局 12378 热线"
    assert complaint.regulator_reference == "BJ-12378-20260928-0042"
    assert complaint.regulator_received_on == dt.date(2026, 9, 28)
    assert complaint.regulator_feedback_due_at == FEEDBACK_DUE
    assert complaint.deadline_status("regulator_feedback") == DeadlineStatus.ON_TIME


def test_a_regulator_transfer_without_its_details_is_refused_in_chinese(frozen, outlet_user, org):
    with pytest.raises(ValidationError) as info:
        register(outlet_user, org.a, channel=Complaint.Channel.REGULATOR)
    errors = info.value.message_dict
    assert errors["regulator_body"] == ["请选择转办单位。"]
    assert errors["regulator_reference"] == ["请填写转办单位的编号。"]
    assert errors["regulator_received_on"] == ["请填写转办单位受理日期。"]
    assert errors["regulator_feedback_due_at"] == ["请填写转办单位要求的反馈时限。"]
    assert not Complaint.objects.exists()


def test_impossible_transfer_dates_and_details_on_another_channel_are_refused(
    frozen, outlet_user, org
):
    with pytest.raises(ValidationError) as info:
        register(
            outlet_user,
            org.a,
            **transferred(
                regulator_received_on=dt.date(2026, 10, 1),
                regulator_feedback_due_at=at(2026, 9, 29),
            ),
        )
    assert set(info.value.message_dict) == {"regulator_received_on", "regulator_feedback_due_at"}
    with pytest.raises(ValidationError) as info:
        register(outlet_user, org.a, regulator_reference="12378-1")
    assert info.value.message_dict["regulator_reference"] == ["只有监管转办的投诉才填写此项。"]


def test_the_add_page_refuses_a_transfer_without_its_details_and_keeps_what_was_typed(
    frozen, outlet_user, org, login
):
    client = login(outlet_user)
    page = client.get(reverse("admin:complaints_complaint_add"))
    data = form_data(
        page,
        branch=org.a.pk,
        channel="regulator",
        received_at="2026-09-30T10:00",
        customer_name="王秀英",
        customer_phone="13912345678",
        description="客户向12378反映网点乱收费。",
        regulator_body="pboc_12363",
        regulator_reference="",
        regulator_received_on="2026-09-29",
        regulator_feedback_due_at="",
    )
    response = client.post(reverse("admin:complaints_complaint_add"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "请填写转办单位的编号。" in html and "请填写转办单位要求的反馈时限。" in html
    assert "客户向12378反映网点乱收费。" in html
    assert not Complaint.objects.exists()
    data.update(regulator_reference="12363-0001", regulator_feedback_due_at="2026-10-12")
    response = client.post(reverse("admin:complaints_complaint_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    complaint = Complaint.objects.get()
    assert timezone.localtime(complaint.regulator_feedback_due_at).date() == dt.date(2026, 10, 12)
    # The change page shows the feedback deadline among the others.
    assert "向转办单位反馈" in client.get(change_url(complaint)).content.decode()


def test_the_feedback_is_recorded_once_on_its_page_and_meets_its_deadline(
    complaint_in, outlet_user, login
):
    complaint = complaint_in(S.ACKNOWLEDGED, **transferred())
    client = login(outlet_user)
    assert Move.REGULATOR_FEEDBACK in allowed_moves(complaint, outlet_user)
    response = client.post(
        move_url(complaint, Move.REGULATOR_FEEDBACK),
        {"fed_back_at": "2026-09-30T15:00", "feedback": "已向12378反馈受理及处理进展。"},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.deadline_status("regulator_feedback") == DeadlineStatus.MET
    event = complaint.events.get(action=Move.REGULATOR_FEEDBACK)
    assert "BJ-12378-20260928-0042" in event.note and "已向12378反馈" in event.note
    assert complaint.history.first().regulator_feedback_at is not None
    assert Move.REGULATOR_FEEDBACK not in allowed_moves(complaint, outlet_user)


def test_only_a_regulator_transfer_owes_feedback(complaint_in, outlet_user):
    complaint = complaint_in(S.ACKNOWLEDGED)
    assert Move.REGULATOR_FEEDBACK not in allowed_moves(complaint, outlet_user)
    with pytest.raises(ValidationError):
        services.complaint_record_regulator_feedback(
            user=outlet_user, complaint=complaint, fed_back_at=RECEIVED, feedback="x"
        )


def test_an_overdue_feedback_is_found_by_the_register_filter(complaint_in, frozen):
    complaint = complaint_in(S.ACKNOWLEDGED, **transferred())
    assert not Complaint.objects.overdue(stage="regulator_feedback").exists()
    later = FEEDBACK_DUE + dt.timedelta(hours=1)
    assert list(Complaint.objects.overdue(later, stage="regulator_feedback")) == [complaint]


def _feedback_shown(complaint, moment):
    """What the change page (deadline_status), the register's overdue filter and the badges of
    the list and the work queue (watched_states) say of the feedback at `moment`."""
    complaint.refresh_from_db()
    annotated = Complaint.objects.annotate(
        **watched_states(moment, DeadlinePolicy.objects.all())
    ).get(pk=complaint.pk)
    return (
        complaint.deadline_status("regulator_feedback", moment),
        Complaint.objects.overdue(moment, stage="regulator_feedback")
        .filter(pk=complaint.pk)
        .exists(),
        annotated.dl_regulator_feedback,
    )


def test_the_feedback_stays_owed_after_closing_and_while_paused_everywhere_it_is_shown(
    complaint_in, outlet_user, hq
):
    """The reminders say the transferring body waits for its feedback whatever became of the
    complaint; the badges, the filter and the queue say the same (one rule)."""
    later = FEEDBACK_DUE + dt.timedelta(hours=1)
    overdue = (DeadlineStatus.OVERDUE, True, DeadlineStatus.OVERDUE)
    paused = complaint_in(S.INVESTIGATING, **transferred())
    _pause(paused, outlet_user, timezone.now())
    assert _feedback_shown(paused, later) == overdue
    closed = complaint_in(S.FOLLOWED_UP, **transferred(regulator_reference="BJ-12378-2"))
    services.complaint_close(user=outlet_user, complaint=closed, review_right_told=True)
    assert _feedback_shown(closed, later) == overdue
    void = complaint_in(S.ACKNOWLEDGED, **transferred(regulator_reference="BJ-12378-3"))
    services.complaint_void(user=hq, complaint=void, reason="重复登记。")
    assert _feedback_shown(void, later) == (DeadlineStatus.NONE, False, "")


# --- the reminder -------------------------------------------------------------------------------


@pytest.fixture
def _complaints_only(settings):
    settings.NOTIFICATIONS_SCANNERS = ["complaints.reminders"]


def scan_at(moment):
    with time_machine.travel(moment, tick=False):
        reminders_scan()
    return {
        (n.stage, n.recipient.username)
        for n in Notification.objects.filter(kind=FEEDBACK, created_at=moment)
    }


@pytest.mark.usefixtures("_complaints_only")
def test_the_feedback_is_reminded_before_and_after_its_deadline_until_it_is_given(
    complaint_in, outlet_user, head_a, hq
):
    complaint = complaint_in(S.ACKNOWLEDGED, **transferred())
    # Due soon within two working days: not yet on 7 Oct (a holiday; the 8th and 9th follow),
    # from 9 Oct (the 10th, an adjusted working Saturday, is the second).
    assert scan_at(at(2026, 10, 7, 10)) == set()
    assert scan_at(at(2026, 10, 9, 10)) == {("warning", "cm_a"), ("warning", "head_a")}
    # Overdue: head office as well.
    assert scan_at(at(2026, 10, 12, 10)) == {
        ("overdue", "cm_a"),
        ("overdue", "head_a"),
        ("overdue", "hq_service"),
    }
    with time_machine.travel(at(2026, 10, 12, 11), tick=False):
        services.complaint_record_regulator_feedback(
            user=outlet_user,
            complaint=complaint,
            fed_back_at=at(2026, 10, 12, 11),
            feedback="已书面反馈。",
        )
    assert scan_at(at(2026, 10, 13, 10)) == set()


# --- told at once (item 2) ----------------------------------------------------------------------

MONDAY_10 = at(2026, 11, 23, 10)


def told():
    return {n.recipient.username for n in Notification.objects.filter(kind="complaint_registered")}


@time_machine.travel(MONDAY_10, tick=False)
def test_an_urgent_entry_is_told_to_the_sub_branch_head_as_well(
    org, outlet_user, head_a, manager, django_capture_on_commit_callbacks
):
    UserFactory(username="head_b", branch=org.b, roles=[Role.BRANCH_MANAGER])
    with django_capture_on_commit_callbacks(execute=True):
        register(outlet_user, org.a, received_at=MONDAY_10, is_urgent=True)
    assert told() == {"head_a", "mgr_s1"}


# --- the register's export ----------------------------------------------------------------------


def test_the_export_names_the_transferring_body_and_the_feedback_owed(
    frozen, outlet_user, auditor, org, login
):
    register(outlet_user, org.a, **transferred())
    response = login(auditor).post(reverse("exports:export", args=["complaints"]))
    assert response.status_code == 200
    header, row = sheet_rows(open_workbook(response_bytes(response)).active)[:2]
    found = dict(zip(header, row, strict=True))
    assert found["转办单位"] == "国家金融监督管理总局 12378 热线"
    assert found["转办单位编号"] == "BJ-12378-20260928-0042"
    assert found["向转办单位反馈时限"] is not None
    assert found["向转办单位反馈时间"] in (None, "")


@time_machine.travel(MONDAY_10, tick=False)
def test_the_intake_page_marks_an_entry_urgent_and_leaves_transfers_to_the_register(
    org, outlet_user, head_a, manager, login, django_capture_on_commit_callbacks
):
    teller = UserFactory(
        username="teller_a", branch=org.a, roles=[Role.FRONTLINE_STAFF], is_staff=False
    )
    client = login(teller)
    intake = reverse("complaints:intake")
    assert 'value="regulator"' not in client.get(intake).content.decode()
    data = {
        "submission_token": "3f2b8c1e-5d6a-4b7c-9e0f-1a2b3c4d5e6f",
        "kind": "complaint",
        "channel": "on_site",
        "description": "客户情绪激动，称要向媒体反映。",
        "customer_name": "王芳",
        "customer_phone": "13912345678",
        "is_urgent": "on",
    }
    refused = client.post(intake, {**data, "channel": "regulator"})
    assert refused.status_code == 200 and not Complaint.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(intake, data).status_code == 302
    assert Complaint.objects.get().is_urgent
    assert told() == {"cm_a", "head_a", "mgr_s1"}
