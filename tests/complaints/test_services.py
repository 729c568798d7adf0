import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from branchservice.models import CalendarOverride
from branchservice.rectifications import services as rectifications
from branchservice.rectifications.models import Rectification
from branchservice.roles import Role
from complaints import services
from complaints.models import Complaint, ComplaintEvent
from tests.complaints.conftest import RECEIVED, at, register
from tests.factories import UserFactory

S = Complaint.Status


def local_date(value):
    from django.utils import timezone

    return timezone.localtime(value).date()


# --- registration -----------------------------------------------------------------------------


def test_it_registers_with_a_readable_reference_and_deadlines_across_the_national_day(
    frozen, outlet_user, org
):
    complaint = register(outlet_user, org.a, complexity=Complaint.Complexity.COMPLEX)
    assert complaint.reference == "TS-A-202609-0001"
    assert complaint.status == S.REGISTERED
    assert complaint.handler == outlet_user  # the outlet's complaint manager
    # Day of receipt is day 0; 1-7 October are off, Saturday 10 October is worked.
    assert local_date(complaint.acknowledge_due_at) == dt.date(2026, 9, 30)
    assert local_date(complaint.reply_due_at) == dt.date(2026, 10, 13)  # 5 working days
    assert local_date(complaint.branch_due_at) == dt.date(2026, 10, 15)  # 7 working days
    assert local_date(complaint.regulatory_due_at) == dt.date(2026, 10, 15)  # 15 days
    assert complaint.events.get().action == "register"


def test_a_simple_complaint_is_due_the_first_working_day_after_the_holiday(
    frozen, outlet_user, org
):
    complaint = register(outlet_user, org.a)
    assert local_date(complaint.reply_due_at) == dt.date(2026, 10, 8)


def test_a_holiday_entered_by_head_office_moves_the_deadline(frozen, outlet_user, org):
    CalendarOverride.objects.create(date=dt.date(2026, 10, 8), kind="holiday", note="演练")
    assert local_date(register(outlet_user, org.a).reply_due_at) == dt.date(2026, 10, 9)


def test_numbers_run_per_outlet_and_month_of_receipt(frozen, outlet_user, manager, org):
    first = register(outlet_user, org.a)
    second = register(outlet_user, org.a)
    other_outlet = register(manager, org.a2)
    august = register(outlet_user, org.a, received_at=at(2026, 8, 31))
    assert [first.reference, second.reference] == ["TS-A-202609-0001", "TS-A-202609-0002"]
    assert other_outlet.reference == "TS-A2-202609-0001"
    assert august.reference == "TS-A-202608-0001"


def test_a_double_click_registers_once(frozen, outlet_user, org):
    token = uuid.uuid4()
    first = register(outlet_user, org.a, submission_token=token)
    with pytest.raises(services.DuplicateSubmission) as refused:
        register(outlet_user, org.a, submission_token=token)
    assert refused.value.complaint == first
    assert Complaint.objects.count() == 1


def test_registering_costs_at_most_twelve_queries(
    frozen, outlet_user, org, django_assert_max_num_queries
):
    # With an outlet head, who is told at once (reminders.new_entry); one query tells whether
    # the customer complained before (services._repeat_on_register), one reads the outlet's
    # managers and heads (services._outlet_people), one takes the next number (_count_on).
    UserFactory(username="head_a", branch=org.a, roles=[Role.BRANCH_MANAGER])
    register(outlet_user, org.a)  # warm the user's caches as a logged-in request would
    with django_assert_max_num_queries(12):
        register(outlet_user, org.a)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"received_at": at(2026, 10, 1)}, "received_at"),  # in the future
        ({"customer_phone": "1234"}, "customer_phone"),
        ({"customer_id_number": "110101199003071234"}, "customer_id_number"),  # bad check digit
        ({"customer_account": "6222 abc"}, "customer_account"),
        ({"channel": "carrier_pigeon"}, "channel"),
        ({"customer_name": ""}, "customer_name"),  # a phone complaint is not anonymous
        ({"description": "  "}, "description"),
    ],
)
def test_bad_registrations_are_refused_and_nothing_is_saved(
    frozen, outlet_user, org, overrides, field
):
    with pytest.raises(ValidationError) as refused:
        register(outlet_user, org.a, **overrides)
    assert field in refused.value.message_dict
    assert not Complaint.objects.exists()
    assert not ComplaintEvent.objects.exists()


def test_the_opinion_book_allows_anonymous_entries(frozen, outlet_user, org):
    complaint = register(
        outlet_user,
        org.a,
        channel=Complaint.Channel.OPINION_BOOK,
        customer_name="",
        customer_phone="",
    )
    assert complaint.customer_name == ""


def test_a_valid_id_and_landline_are_accepted_and_normalised(frozen, outlet_user, org):
    complaint = register(
        outlet_user, org.a, customer_phone="(010) 62550101", customer_id_number="11010519491231002x"
    )
    assert complaint.customer_phone == "01062550101"
    assert complaint.customer_id_number == "11010519491231002X"


def test_an_outsider_cannot_register_at_another_outlet(frozen, outsider, org):
    with pytest.raises(PermissionDenied):
        register(outsider, org.a)


def test_an_auditor_cannot_register(frozen, auditor, org):
    # A lobby manager may, as first responder at their own outlet (tests/complaints/test_intake).
    with pytest.raises(ValidationError):
        register(auditor, org.a)


def test_complaints_are_registered_at_outlets_only(frozen, manager, org):
    with pytest.raises(ValidationError) as refused:
        register(manager, org.s1)
    assert "branch" in refused.value.message_dict


# --- each move, and its refusals --------------------------------------------------------------


def test_acknowledge_records_the_contact_and_estimated_time(complaint_in, outlet_user):
    complaint = complaint_in(S.ACKNOWLEDGED)
    assert complaint.status == S.ACKNOWLEDGED
    assert complaint.acknowledged_at == at(2026, 9, 30, 11)
    assert complaint.estimated_reply_at == at(2026, 10, 9)
    assert complaint.deadline_status("acknowledge") == "met"


def test_a_second_acknowledge_click_is_refused(complaint_in, outlet_user):
    complaint = complaint_in(S.ACKNOWLEDGED)
    with pytest.raises(ValidationError) as refused:
        services.complaint_acknowledge(
            user=outlet_user,
            complaint=complaint,
            acknowledged_at=at(2026, 9, 30, 12),
            estimated_reply_at=at(2026, 10, 9),
        )
    assert refused.value.code == "move_not_allowed"
    assert complaint.events.filter(action="acknowledge").count() == 1


def test_acknowledging_before_receipt_is_refused(complaint_in, outlet_user):
    complaint = complaint_in(S.REGISTERED)
    with pytest.raises(ValidationError) as refused:
        services.complaint_acknowledge(
            user=outlet_user,
            complaint=complaint,
            acknowledged_at=at(2026, 9, 30, 9),
            estimated_reply_at=at(2026, 10, 9),
        )
    assert "acknowledged_at" in refused.value.message_dict
    complaint.refresh_from_db()
    assert complaint.status == S.REGISTERED


def test_investigation_follows_acknowledgement_only(complaint_in, outlet_user):
    with pytest.raises(ValidationError):
        services.complaint_investigate(user=outlet_user, complaint=complaint_in(S.REGISTERED))
    assert complaint_in(S.INVESTIGATING).status == S.INVESTIGATING


def test_a_reply_sets_the_follow_up_deadline_in_working_days(complaint_in, outlet_user):
    complaint = complaint_in(S.RESOLVED)
    assert complaint.status == S.RESOLVED
    assert complaint.founded is False
    # Replied 30 Sep: 3 working days later is Saturday 10 October (an adjusted working day).
    assert local_date(complaint.followup_due_at) == dt.date(2026, 10, 10)


def test_a_reply_before_receipt_is_refused(complaint_in, outlet_user):
    complaint = complaint_in(S.INVESTIGATING)
    with pytest.raises(ValidationError) as refused:
        services.complaint_resolve(
            user=outlet_user,
            complaint=complaint,
            replied_at=RECEIVED - dt.timedelta(hours=1),
            reply_method="phone",
            reply_content="已答复",
            customer_accepted=True,
            founded=False,
        )
    assert "replied_at" in refused.value.message_dict


def _founded(complaint, user, **overrides):
    data = {
        "user": user,
        "complaint": complaint,
        "replied_at": at(2026, 9, 30, 15),
        "reply_method": "in_person",
        "reply_content": "当面致歉，承诺整改排队管理。",
        "customer_accepted": True,
        "founded": True,
        "reply_facts": "柜员未按规范接待。",
        "reply_grounds": "《网点服务规范》第三条。",
        "bank_at_fault": True,
        "root_cause": "skill",
        "apology": "网点负责人当面向客户致歉。",
        "rectification": {
            "owner": user,
            "responsible_department": "运营部",
            "required_action": "高峰时段增开窗口，大堂经理主动分流。",
            "due_date": dt.date(2026, 10, 20),
        },
    }
    data.update(overrides)
    return services.complaint_resolve(**data)


def test_a_founded_complaint_with_the_bank_at_fault_gets_a_rectification_notice(
    complaint_in, outlet_user
):
    complaint = _founded(complaint_in(S.INVESTIGATING), outlet_user)
    notice = complaint.rectifications.get()
    assert (notice.owner, notice.status) == (outlet_user, Rectification.Status.OPEN)
    assert complaint.bank_at_fault and complaint.founded


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"apology": ""}, "apology"),
        ({"rectification": None}, "owner"),
        (
            {
                "rectification": {
                    "owner": None,
                    "responsible_department": "运营部",
                    "required_action": "整改",
                    "due_date": dt.date(2026, 10, 20),
                }
            },
            "owner",
        ),
        ({"founded": None}, "founded"),
        ({"reply_method": "pigeon"}, "reply_method"),
    ],
)
def test_an_incomplete_outcome_is_refused_and_nothing_half_saved(
    complaint_in, outlet_user, overrides, field
):
    complaint = complaint_in(S.INVESTIGATING)
    with pytest.raises(ValidationError) as refused:
        _founded(complaint, outlet_user, **overrides)
    assert field in refused.value.message_dict
    complaint.refresh_from_db()
    assert complaint.status == S.INVESTIGATING
    assert not Rectification.objects.exists()


def test_a_rectification_is_completed_with_evidence(complaint_in, outlet_user):
    complaint = _founded(complaint_in(S.INVESTIGATING), outlet_user)
    notice = rectifications.rectification_complete(
        user=outlet_user, rectification=complaint.rectifications.get(), evidence="已增开 2 个窗口。"
    )
    assert notice.status == Rectification.Status.DONE
    with pytest.raises(ValidationError):
        rectifications.rectification_complete(
            user=outlet_user, rectification=notice, evidence="再次"
        )


def test_every_step_of_a_complaints_rectification_is_on_the_complaints_timeline(
    complaint_in, outlet_user, manager
):
    """Wherever the step is taken (the rectification's own admin page calls the ground's
    services), the complaint keeps its whole history."""
    complaint = _founded(complaint_in(S.INVESTIGATING), outlet_user)
    notice = complaint.rectifications.get()
    notice = rectifications.rectification_complete(
        user=outlet_user, rectification=notice, evidence="已增开 2 个窗口。"
    )
    notice = rectifications.rectification_reject(
        user=manager, rectification=notice, reason="缺少排班表。"
    )
    notice = rectifications.rectification_complete(
        user=outlet_user, rectification=notice, evidence="排班表已补。"
    )
    rectifications.rectification_verify(user=manager, rectification=notice)
    steps = list(complaint.events.filter(action__startswith="rectif").values_list("action", "note"))
    assert steps == [
        ("rectify", "高峰时段增开窗口，大堂经理主动分流。"),
        ("rectified", "已增开 2 个窗口。"),
        ("rectification_rejected", "缺少排班表。"),
        ("rectified", "排班表已补。"),
        ("rectification_verified", ""),
    ]


def test_resolve_on_the_spot_in_one_step(complaint_in, outlet_user):
    complaint = services.complaint_resolve_on_spot(
        user=outlet_user, complaint=complaint_in(S.REGISTERED), reply_content="当场解释，客户接受。"
    )
    assert complaint.status == S.RESOLVED and complaint.resolved_on_spot
    assert complaint.acknowledged_at == complaint.replied_at


def test_follow_up_then_close(complaint_in, outlet_user):
    complaint = complaint_in(S.FOLLOWED_UP)
    assert complaint.satisfaction == Complaint.Satisfaction.SATISFIED
    closed = services.complaint_close(user=outlet_user, complaint=complaint)
    assert closed.status == S.CLOSED and closed.closed_at


def test_a_complaint_cannot_be_closed_without_its_follow_up(complaint_in, outlet_user):
    with pytest.raises(ValidationError):
        services.complaint_close(user=outlet_user, complaint=complaint_in(S.RESOLVED))


def test_a_follow_up_before_the_reply_is_refused(complaint_in, outlet_user):
    with pytest.raises(ValidationError) as refused:
        services.complaint_follow_up(
            user=outlet_user,
            complaint=complaint_in(S.RESOLVED),
            followed_up_at=at(2026, 9, 30, 14),
            satisfaction="satisfied",
        )
    assert "followed_up_at" in refused.value.message_dict


def test_praise_is_filed_and_a_suggestion_closed_after_its_reply(frozen, outlet_user, org):
    praise = register(outlet_user, org.a, kind=Complaint.Kind.PRAISE)
    assert praise.reply_due_at is None
    assert services.complaint_close(user=outlet_user, complaint=praise).status == S.CLOSED
    suggestion = register(outlet_user, org.a, kind=Complaint.Kind.SUGGESTION)
    with pytest.raises(ValidationError):
        services.complaint_close(user=outlet_user, complaint=suggestion)


def test_escalation_hands_the_complaint_to_the_sub_branch_and_back(
    complaint_in, outlet_user, manager
):
    complaint = services.complaint_escalate(
        user=outlet_user, complaint=complaint_in(S.ACKNOWLEDGED), reason="超出网点权限。"
    )
    assert complaint.status == S.ESCALATED and complaint.escalated_at
    # Escalated: the outlet can no longer reply, the sub-branch can hand it back.
    with pytest.raises(ValidationError) as refused:
        _founded(complaint, outlet_user)
    assert refused.value.code == "move_refused"
    with pytest.raises(ValidationError):
        services.complaint_hand_back(user=outlet_user, complaint=complaint, note="退回")
    back = services.complaint_hand_back(user=manager, complaint=complaint, note="请网点继续调查。")
    assert back.status == S.INVESTIGATING


def test_escalation_needs_a_reason(complaint_in, outlet_user):
    with pytest.raises(ValidationError):
        services.complaint_escalate(
            user=outlet_user, complaint=complaint_in(S.ACKNOWLEDGED), reason=""
        )


def test_making_a_complaint_complex_before_acknowledgement_recomputes_its_deadlines(
    complaint_in, outlet_user
):
    complaint = complaint_in(S.REGISTERED)
    updated = services.complaint_update(
        user=outlet_user,
        complaint=complaint,
        data={"complexity": Complaint.Complexity.COMPLEX},
        expected_version=complaint.version,
    )
    assert local_date(updated.reply_due_at) == dt.date(2026, 10, 13)
    assert updated.events.filter(action="edit").exists()


def test_withdraw_needs_the_customers_words(complaint_in, outlet_user):
    complaint = complaint_in(S.ACKNOWLEDGED)
    with pytest.raises(ValidationError):
        services.complaint_withdraw(user=outlet_user, complaint=complaint, reason="")
    done = services.complaint_withdraw(user=outlet_user, complaint=complaint, reason="客户撤诉")
    assert done.status == S.WITHDRAWN


def test_merge_into_an_earlier_entry_of_the_same_customer(complaint_in, outlet_user, frozen):
    earlier = complaint_in(S.ACKNOWLEDGED)
    repeat = complaint_in(S.REGISTERED, received_at=at(2026, 9, 30, 14))
    other = complaint_in(S.REGISTERED, customer_phone="13900001111")
    with pytest.raises(ValidationError):
        services.complaint_merge(user=outlet_user, complaint=repeat, into=other)
    with pytest.raises(ValidationError):
        services.complaint_merge(user=outlet_user, complaint=earlier, into=repeat)  # later
    merged = services.complaint_merge(user=outlet_user, complaint=repeat, into=earlier)
    assert (merged.status, merged.merged_into) == (S.MERGED, earlier)


def test_only_head_office_voids_and_with_a_reason(complaint_in, outlet_user, manager, hq):
    complaint = complaint_in(S.REGISTERED)
    for user in (outlet_user, manager):
        with pytest.raises(ValidationError):
            services.complaint_void(user=user, complaint=complaint, reason="重复登记")
    with pytest.raises(ValidationError):
        services.complaint_void(user=hq, complaint=complaint, reason="")
    voided = services.complaint_void(user=hq, complaint=complaint, reason="重复登记")
    assert voided.status == S.VOID and voided.void_reason == "重复登记"


def test_a_hand_over_is_recorded_and_stays_within_the_outlet(complaint_in, outlet_user, org):
    complaint = complaint_in(S.ACKNOWLEDGED)
    colleague = UserFactory(branch=org.a, roles=[Role.COMPLAINT_MANAGER], last_name="刘")
    stranger = UserFactory(branch=org.a2, roles=[Role.COMPLAINT_MANAGER])
    with pytest.raises(ValidationError):
        services.complaint_reassign(user=outlet_user, complaint=complaint, handler=stranger)
    moved = services.complaint_reassign(user=outlet_user, complaint=complaint, handler=colleague)
    assert moved.handler == colleague
    assert "刘" in moved.events.get(action="reassign").note


def test_an_outsider_can_make_no_move(complaint_in, outsider):
    complaint = complaint_in(S.ACKNOWLEDGED)
    with pytest.raises(PermissionDenied):
        services.complaint_investigate(user=outsider, complaint=complaint)
    with pytest.raises(PermissionDenied):
        services.complaint_add_note(user=outsider, complaint=complaint, note="看看")


def test_an_auditor_reads_but_moves_nothing(complaint_in, auditor):
    with pytest.raises(ValidationError) as refused:
        services.complaint_investigate(user=auditor, complaint=complaint_in(S.ACKNOWLEDGED))
    assert refused.value.code == "role_not_allowed"
