"""The regulator's clock (DOMAIN.md §2, issue 11): tiers, extensions as request → decision,
pauses, restarts, fixed evidence with approved corrections, bounded receipt times, honest
closing and the customer's review. Every refusal leaves nothing half-written."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from branchservice.models import Branch
from branchservice.roles import Role
from complaints import services
from complaints.deadlines import recompute_deadlines
from complaints.models import (
    Complaint,
    ComplaintEvent,
    Correction,
    CustomerNotice,
    ExtensionRequest,
    Pause,
)
from complaints.workflow import allowed_moves
from tests.complaints.conftest import RECEIVED, at, register, transferred
from tests.factories import UserFactory

S, C = Complaint.Status, Complaint.Complexity


def day(value):
    from django.utils import timezone

    return timezone.localtime(value).date()


@pytest.fixture
def outlet_head(org):
    return UserFactory(username="head_a", branch=org.a, roles=[Role.BRANCH_MANAGER])


@pytest.fixture
def tier1_head(org):
    return UserFactory(username="head_t1", branch=org.t1, roles=[Role.BRANCH_MANAGER])


def unchanged(complaint):
    """A snapshot to compare after a refusal: row, timeline and side records."""
    complaint.refresh_from_db()
    return (
        complaint.version,
        complaint.updated_at,
        ComplaintEvent.objects.filter(complaint=complaint).count(),
        ExtensionRequest.objects.filter(complaint=complaint).count(),
        Pause.objects.filter(complaint=complaint).count(),
        Correction.objects.filter(complaint=complaint).count(),
    )


def refused(fn, complaint, **kwargs):
    """Call the service, expect a refusal; its text (in English, to assert on words)."""
    before = unchanged(complaint)
    with translation.override("en"), pytest.raises(ValidationError) as info:
        fn(complaint=complaint, **kwargs)
    assert unchanged(complaint) == before
    with translation.override("en"):
        return " ".join(info.value.messages)


# --- tiers ------------------------------------------------------------------------------------


def test_the_three_tiers_have_15_30_and_60_natural_days(frozen, outlet_user, org):
    complaint = register(outlet_user, org.a, complexity=C.ESPECIALLY_COMPLEX)
    policy = complaint.policy
    assert [policy.regulatory_days(t) for t in ("", C.COMPLEX, C.ESPECIALLY_COMPLEX)] == [
        15,
        30,
        60,
    ]
    # Not yet extended: 15 natural days from 30 September.
    assert day(complaint.regulatory_due_at) == dt.date(2026, 10, 15)
    assert str(C.ESPECIALLY_COMPLEX.label) == "特别复杂（情况特别复杂）"


# --- extensions -----------------------------------------------------------------------------


def test_an_extension_is_requested_then_approved_above_and_moves_the_ceiling(
    complaint_in, outlet_user, outlet_head, frozen
):
    complaint = complaint_in(S.INVESTIGATING, complexity=C.COMPLEX)
    assert "request_extension" in allowed_moves(complaint, outlet_user)
    assert "extend" not in allowed_moves(complaint, outlet_user)  # nothing to decide yet
    request = services.complaint_request_extension(
        user=outlet_user, complaint=complaint, reason="需调取异地监控。"
    )
    assert request.tier == C.COMPLEX
    # The requester may not decide; the outlet head may.
    assert "extend" not in allowed_moves(complaint, outlet_user)
    assert "extend" in allowed_moves(complaint, outlet_head)
    services.complaint_extend(user=outlet_head, complaint=complaint, approve=True)
    complaint.refresh_from_db()
    assert complaint.extension_tier == C.COMPLEX
    assert day(complaint.regulatory_due_at) == dt.date(2026, 10, 30)  # 30 natural days
    assert complaint.reply_due_at == complaint.regulatory_due_at
    # Simple or at its ceiling: the change page does not offer another extension.
    assert "request_extension" not in allowed_moves(complaint, outlet_user)


def test_an_especially_complex_case_goes_to_60_days_with_a_tier1_approval(
    complaint_in, outlet_user, outlet_head, tier1_head, frozen
):
    complaint = complaint_in(S.INVESTIGATING, complexity=C.ESPECIALLY_COMPLEX)
    services.complaint_request_extension(user=outlet_user, complaint=complaint, reason="鉴定")
    services.complaint_extend(user=outlet_head, complaint=complaint, approve=True)
    services.complaint_request_extension(user=outlet_user, complaint=complaint, reason="再延长")
    # The outlet head is below the level a 60-day extension needs.
    assert "extend" not in allowed_moves(complaint, outlet_head)
    message = refused(services.complaint_extend, complaint, user=outlet_head, approve=True)
    assert "60" in message
    services.complaint_extend(user=tier1_head, complaint=complaint, approve=True)
    complaint.refresh_from_db()
    assert day(complaint.regulatory_due_at) == dt.date(2026, 11, 29)  # 60 natural days


def test_a_second_request_while_one_is_pending_is_refused(complaint_in, outlet_user, frozen):
    complaint = complaint_in(S.INVESTIGATING, complexity=C.COMPLEX)
    services.complaint_request_extension(user=outlet_user, complaint=complaint, reason="一")
    message = refused(
        services.complaint_request_extension, complaint, user=outlet_user, reason="二"
    )
    assert "already awaiting" in message


def test_the_requester_cannot_approve_their_own_extension(complaint_in, outlet_head, frozen):
    complaint = complaint_in(S.INVESTIGATING, complexity=C.COMPLEX)
    services.complaint_request_extension(user=outlet_head, complaint=complaint, reason="自请")
    message = refused(services.complaint_extend, complaint, user=outlet_head, approve=True)
    assert "requested" in message


def test_a_complaint_manager_cannot_approve(complaint_in, outlet_user, outlet_head, org, frozen):
    colleague = UserFactory(username="cm_a2", branch=org.a, roles=[Role.COMPLAINT_MANAGER])
    complaint = complaint_in(S.INVESTIGATING, complexity=C.COMPLEX)
    services.complaint_request_extension(user=outlet_user, complaint=complaint, reason="需时")
    refused(services.complaint_extend, complaint, user=colleague, approve=True)


def test_a_refusal_records_why_and_leaves_the_deadline(complaint_in, outlet_user, outlet_head):
    complaint = complaint_in(S.INVESTIGATING, complexity=C.COMPLEX)
    due = complaint.regulatory_due_at
    services.complaint_request_extension(user=outlet_user, complaint=complaint, reason="需时")
    refused(services.complaint_extend, complaint, user=outlet_head, approve=False, note="")
    request = services.complaint_extend(
        user=outlet_head, complaint=complaint, approve=False, note="证据已齐，无需延期。"
    )
    complaint.refresh_from_db()
    assert (request.decision, complaint.regulatory_due_at) == ("refused", due)
    assert "无需延期" in complaint.events.last().note


def test_a_simple_complaint_offers_no_extension(complaint_in, outlet_user):
    complaint = complaint_in(S.INVESTIGATING)
    assert "request_extension" not in allowed_moves(complaint, outlet_user)
    assert "simple" in refused(
        services.complaint_request_extension, complaint, user=outlet_user, reason="x"
    )


def test_the_customer_told_of_an_extension_is_a_typed_record(
    complaint_in, outlet_user, outlet_head
):
    complaint = complaint_in(S.INVESTIGATING, complexity=C.COMPLEX)
    kwargs = {"subject": "extension", "told_method": "phone", "told_at": at(2026, 9, 30, 15)}
    # Before any approval there is nothing to tell.
    assert refused(
        services.complaint_record_notice, complaint, user=outlet_user, note="电话", **kwargs
    )
    services.complaint_request_extension(user=outlet_user, complaint=complaint, reason="需时")
    services.complaint_extend(user=outlet_head, complaint=complaint, approve=True)
    # A proof is an attachment or the call record.
    refused(services.complaint_record_notice, complaint, user=outlet_user, note="", **kwargs)
    notice = services.complaint_record_notice(
        user=outlet_user, complaint=complaint, note="电话告知，客户同意。", **kwargs
    )
    assert (notice.subject, notice.method, notice.recorded_by) == (
        CustomerNotice.Subject.EXTENSION,
        "phone",
        outlet_user,
    )
    assert notice.extension.decision == "approved"


# --- pauses -----------------------------------------------------------------------------------


def _pause(complaint, user, start, **overrides):
    data = {
        "user": user,
        "complaint": complaint,
        "reason": Pause.Reason.MEDIATION,
        "note": "提交金融纠纷调解中心调解。",
        "started_at": start,
        "told_method": "phone",
        "told_at": start,
    }
    data.update(overrides)
    return services.complaint_pause(**data)


def test_paused_days_do_not_count_and_nothing_is_reminded_while_paused(complaint_in, outlet_user):
    complaint = complaint_in(S.INVESTIGATING)
    with time_machine.travel(at(2026, 10, 9, 10), tick=False):
        _pause(complaint, outlet_user, at(2026, 10, 9, 9))
        complaint.refresh_from_db()
        assert complaint.paused_since == at(2026, 10, 9, 9)
        assert "pause" not in allowed_moves(complaint, outlet_user)
        assert "resume" in allowed_moves(complaint, outlet_user)
        assert not Complaint.objects.overdue(at(2026, 10, 20)).filter(pk=complaint.pk).exists()
    with time_machine.travel(at(2026, 10, 19, 10), tick=False):
        services.complaint_resume(user=outlet_user, complaint=complaint, ended_at=at(2026, 10, 19))
    complaint.refresh_from_db()
    assert complaint.paused_since is None
    # 10 natural days paused: 15 + 10 from 30 September.
    assert day(complaint.regulatory_due_at) == dt.date(2026, 10, 25)
    # 9 Oct (Fri) → 19 Oct (Mon): 12, 13, 14, 15, 16, 19 Oct = 6 working days.
    assert day(complaint.reply_due_at) == dt.date(2026, 10, 16)


def test_a_pause_ending_before_it_started_is_refused(complaint_in, outlet_user):
    complaint = complaint_in(S.INVESTIGATING)
    with time_machine.travel(at(2026, 10, 9, 10), tick=False):
        _pause(complaint, outlet_user, at(2026, 10, 9, 9))
        message = refused(
            services.complaint_resume, complaint, user=outlet_user, ended_at=at(2026, 10, 8)
        )
    assert "before it started" in message


def test_an_overlapping_pause_is_refused(complaint_in, outlet_user):
    complaint = complaint_in(S.INVESTIGATING)
    with time_machine.travel(at(2026, 10, 20, 10), tick=False):
        _pause(complaint, outlet_user, at(2026, 10, 9))
        services.complaint_resume(user=outlet_user, complaint=complaint, ended_at=at(2026, 10, 15))
        message = refused(
            _pause_kwargs_call, complaint, user=outlet_user, started_at=at(2026, 10, 12)
        )
        # A second pause while one runs is not offered and refused.
        _pause(complaint, outlet_user, at(2026, 10, 16))
        refused(_pause_kwargs_call, complaint, user=outlet_user, started_at=at(2026, 10, 17))
    assert "overlap" in message


def _pause_kwargs_call(*, complaint, user, started_at):
    return _pause(complaint, user, started_at)


# --- restart on new materials, merge ------------------------------------------------------------


def test_new_materials_restart_the_regulatory_period(complaint_in, outlet_user):
    complaint = complaint_in(S.INVESTIGATING)
    with time_machine.travel(at(2026, 10, 10, 10), tick=False):
        services.complaint_new_materials(
            user=outlet_user, complaint=complaint, arrived_at=at(2026, 10, 10, 9), what="转账回单"
        )
    complaint.refresh_from_db()
    assert day(complaint.regulatory_due_at) == dt.date(2026, 10, 25)
    assert "转账回单" in complaint.events.last().note


def test_new_materials_on_a_closed_complaint_are_refused(complaint_in, outlet_user):
    complaint = complaint_in(S.FOLLOWED_UP)
    services.complaint_close(user=outlet_user, complaint=complaint)
    refused(
        services.complaint_new_materials,
        complaint,
        user=outlet_user,
        arrived_at=at(2026, 9, 30, 15),
        what="补充材料",
    )


def test_a_repeat_from_another_visible_outlet_merges_and_restarts_with_new_facts(
    complaint_in, outlet_user, manager, org, frozen
):
    earlier = complaint_in(S.INVESTIGATING)
    repeat = register(manager, org.a2, received_at=at(2026, 9, 30, 14))
    services.complaint_acknowledge(
        user=manager,
        complaint=repeat,
        acknowledged_at=at(2026, 9, 30, 14, 30),
        estimated_reply_at=at(2026, 10, 9),
    )
    services.complaint_merge(user=manager, complaint=repeat, into=earlier, new_facts=True)
    earlier.refresh_from_db()
    assert earlier.period_started_at == repeat.received_at
    assert repeat.reference in earlier.events.last().note
    assert earlier.events.filter(action="register").exists()  # its history is kept


# --- fixed evidence and corrections -------------------------------------------------------------


def test_evidence_is_fixed_once_acknowledged(complaint_in, outlet_user):
    complaint = complaint_in(S.ACKNOWLEDGED)
    for field, value in [
        ("received_at", at(2026, 9, 29)),
        ("kind", Complaint.Kind.PRAISE),
        ("channel", Complaint.Channel.LETTER),
        ("description", "改过的事实"),
    ]:
        refused(
            services.complaint_update,
            complaint,
            user=outlet_user,
            data={field: value},
            expected_version=complaint.version,
        )


def test_a_receipt_time_is_corrected_by_an_approved_step_with_old_and_new(
    complaint_in, outlet_user, outlet_head
):
    complaint = complaint_in(S.ACKNOWLEDGED)
    correction = services.complaint_request_correction(
        user=outlet_user,
        complaint=complaint,
        field="received_at",
        new_value="2026-09-29T16:00",
        reason="客户来信邮戳为29日。",
    )
    assert "decide_correction" not in allowed_moves(complaint, outlet_user)
    message = refused(
        services.complaint_decide_correction,
        complaint,
        user=outlet_user,
        correction=correction,
        approve=True,
    )
    assert message
    services.complaint_decide_correction(
        user=outlet_head, complaint=complaint, correction=correction, approve=True
    )
    complaint.refresh_from_db()
    assert complaint.received_at == at(2026, 9, 29, 16)
    assert complaint.corrected_at is not None
    assert day(complaint.regulatory_due_at) == dt.date(2026, 10, 14)
    note = complaint.events.last().note
    assert "2026-09-30 10:00" in note and "2026-09-29 16:00" in note
    # The history has the old and the new value.
    last, previous = complaint.history.all()[:2]
    assert last.diff_against(previous).changed_fields.count("received_at") == 1


@pytest.mark.parametrize(
    "field, value",
    [("reference", "TS-X"), ("status", "closed"), ("kind", "praise"), ("kind", "suggestion")],
)
def test_a_correction_of_what_cannot_be_corrected_is_refused(
    complaint_in, outlet_user, field, value
):
    complaint = complaint_in(S.ACKNOWLEDGED)
    refused(
        services.complaint_request_correction,
        complaint,
        user=outlet_user,
        field=field,
        new_value=value,
        reason="改",
    )


def test_head_office_s_escalated_complaint_is_edited_only_by_head_office(
    complaint_in, outlet_user, hq
):
    complaint = complaint_in(S.ACKNOWLEDGED)
    services.complaint_escalate(
        user=outlet_user,
        complaint=complaint,
        reason="超出权限",
        to_level=Branch.Level.HEAD_OFFICE,
        skip_reason="客户要求总行直接处理",
    )
    complaint.refresh_from_db()
    refused(
        services.complaint_update,
        complaint,
        user=outlet_user,
        data={"customer_request": "改"},
        expected_version=complaint.version,
    )
    assert "request_correction" not in allowed_moves(complaint, outlet_user)
    services.complaint_update(
        user=hq, complaint=complaint, data={"customer_request": "总行补记"}, expected_version=1
    )


@pytest.mark.parametrize(
    "received, channel, words",
    [
        (at(2026, 10, 1), "phone", "future"),
        (at(1000, 1, 1), "phone", "2004"),
        (at(2003, 12, 31), "regulator", "2004"),
        (at(2025, 9, 28), "phone", "366"),
    ],
)
def test_receipt_times_are_bounded(frozen, outlet_user, org, received, channel, words):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        entry = transferred(received) if channel == "regulator" else {"channel": channel}
        register(outlet_user, org.a, **{"received_at": received, **entry})
    with translation.override("en"):
        assert words in " ".join(info.value.message_dict["received_at"])
    assert not Complaint.objects.exists()


def test_a_regulator_transfer_may_be_older_than_a_year(frozen, outlet_user, org):
    complaint = register(outlet_user, org.a, **transferred(at(2025, 6, 1)))
    assert complaint.pk


def test_one_deadline_computation_walks_only_the_days_it_spans(
    frozen, outlet_user, org, django_assert_max_num_queries
):
    complaint = register(outlet_user, org.a, received_at=RECEIVED)
    import branchservice.calendar as calendar

    calls = []
    original = calendar._Days.is_working

    def counting(self, d):
        calls.append(d)
        return original(self, d)

    calendar._Days.is_working = counting
    try:
        recompute_deadlines(complaint)
    finally:
        calendar._Days.is_working = original
    # Receipt to the furthest deadline (the 7-working-day ceiling, 15 October) and back.
    assert calls and min(calls) >= dt.date(2026, 9, 30) and max(calls) <= dt.date(2026, 10, 20)


# --- honest closing and the review --------------------------------------------------------------


def test_unreachable_needs_two_attempts_on_different_days(complaint_in, outlet_user):
    complaint = complaint_in(S.RESOLVED)
    with time_machine.travel(at(2026, 10, 9, 16), tick=False):
        for moment in (at(2026, 10, 8, 10), at(2026, 10, 8, 15)):
            services.complaint_record_contact_attempt(
                user=outlet_user, complaint=complaint, attempted_at=moment, method="phone"
            )
        kwargs = {"followed_up_at": at(2026, 10, 9, 15), "satisfaction": "unreachable"}
        assert "two attempts" in refused(
            services.complaint_follow_up, complaint, user=outlet_user, **kwargs
        )
        services.complaint_record_contact_attempt(
            user=outlet_user, complaint=complaint, attempted_at=at(2026, 10, 9, 10), method="sms"
        )
        services.complaint_follow_up(user=outlet_user, complaint=complaint, **kwargs)
        services.complaint_close(user=outlet_user, complaint=complaint)
    complaint.refresh_from_db()
    assert (complaint.status, complaint.satisfaction) == (S.CLOSED, "unreachable")


def test_dissatisfied_is_handled_again_with_its_own_deadline(complaint_in, outlet_user):
    complaint = complaint_in(S.RESOLVED)
    with time_machine.travel(at(2026, 10, 9, 16), tick=False):
        services.complaint_follow_up(
            user=outlet_user,
            complaint=complaint,
            followed_up_at=at(2026, 10, 9, 15),
            satisfaction="dissatisfied",
        )
        # Closing needs the review right told; handling again is offered.
        assert refused(services.complaint_close, complaint, user=outlet_user)
        assert "handle_again" in allowed_moves(complaint, outlet_user)
        services.complaint_handle_again(user=outlet_user, complaint=complaint, note="重新核实")
    complaint.refresh_from_db()
    assert complaint.status == S.INVESTIGATING
    assert day(complaint.reply_due_at) == dt.date(2026, 10, 10)  # 1 working day, Sat worked


def test_a_review_is_requested_within_30_days_and_decided_above(complaint_in, outlet_user, manager):
    complaint = complaint_in(S.FOLLOWED_UP)
    services.complaint_close(user=outlet_user, complaint=complaint)
    with time_machine.travel(at(2026, 10, 20, 10), tick=False):
        services.complaint_request_review(
            user=outlet_user,
            complaint=complaint,
            requested_at=at(2026, 10, 20, 9),
            request="对处理结果不服，申请核查。",
        )
        complaint.refresh_from_db()
        assert complaint.status == S.REVIEWING
        assert day(complaint.review_due_at) == dt.date(2026, 11, 19)
        # The outlet that decided does not review itself.
        assert "decide_review" not in allowed_moves(complaint, outlet_user)
        services.complaint_decide_review(
            user=manager, complaint=complaint, outcome="upheld", findings="原处理结论正确。"
        )
    complaint.refresh_from_db()
    assert (complaint.status, complaint.review_outcome) == (S.CLOSED, "upheld")


def test_a_review_request_after_30_days_is_refused(complaint_in, outlet_user):
    complaint = complaint_in(S.FOLLOWED_UP)
    services.complaint_close(user=outlet_user, complaint=complaint)
    with time_machine.travel(at(2026, 11, 2, 10), tick=False):
        assert "request_review" not in allowed_moves(complaint, outlet_user)
        message = refused(
            services.complaint_request_review,
            complaint,
            user=outlet_user,
            requested_at=at(2026, 11, 2, 9),
            request="申请核查",
        )
    assert "30 days" in message


# --- the decision to the customer (art. 19) -----------------------------------------------------


def test_the_handling_form_prints_the_decision_and_masks_for_auditors(
    complaint_in, outlet_user, auditor, login
):
    from django.urls import reverse

    complaint = complaint_in(S.RESOLVED)
    url = reverse("admin:complaints_complaint_print", args=[complaint.pk])
    page = login(outlet_user).get(url).content.decode()
    assert "客户投诉处理单" in page
    for text in (complaint.reply_facts, complaint.reply_grounds, "核查", "仲裁", "张伟"):
        assert text in page
    assert "张伟" not in login(auditor).get(url).content.decode()
