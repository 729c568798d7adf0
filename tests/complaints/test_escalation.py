"""Issue 14 item 3, escalation level by level (逐级上报, 属地管理、分级负责): outlet → sub-branch →
tier-1 branch → head office. Each escalation names its level (the next one up unless a reason
says why levels are skipped), the level's managers are told at once and hold the complaint
(only they move it there), and may hand it back down with instructions. The timeline and the
change page show each level; reporting counts the escalations by level."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from branchservice.models import Branch, InspectionFirm, User
from branchservice.notifications.models import Notification
from branchservice.roles import Role
from complaints import reminders, services
from complaints.models import Complaint, Move
from complaints.workflow import allowed_moves, may
from tests.complaints.test_admin_workflow import change_url, move_url
from tests.exports.helpers import open_workbook, response_bytes, sheet_rows
from tests.factories import UserFactory

S = Complaint.Status
L = Branch.Level


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def tier1(org):
    """The tier-1 branch's manager (北京分行)."""
    return UserFactory(username="mgr_t1", branch=org.t1, roles=[Role.BRANCH_MANAGER])


def escalate(user, complaint, **kwargs):
    return services.complaint_escalate(
        user=user, complaint=complaint, reason=kwargs.pop("reason", "超出本级权限。"), **kwargs
    )


def told(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind).count()


def test_an_escalation_goes_to_the_next_level_whose_managers_hold_it_and_are_told(
    complaint_in, outlet_user, manager, tier1, hq
):
    complaint = escalate(outlet_user, complaint_in(S.ACKNOWLEDGED), reason="涉及贷款业务。")
    assert (complaint.status, complaint.level, complaint.holder) == (
        S.ESCALATED,
        L.SUB_BRANCH,
        complaint.branch.parent,
    )
    # Told at once: the sub-branch's manager, not the levels above nor whoever escalated.
    assert told(manager, "complaint_escalated") == 1
    assert told(tier1, "complaint_escalated") == told(hq, "complaint_escalated") == 0
    assert told(outlet_user, "complaint_escalated") == 0
    # On the timeline: who, when, to which level, why.
    event = complaint.events.get(action=Move.ESCALATE)
    assert (event.actor, event.level, event.to_status) == (outlet_user, L.SUB_BRANCH, S.ESCALATED)
    assert "海淀支行" in event.note and "涉及贷款业务。" in event.note
    # Only the sub-branch moves it now: not the outlet, not the levels above.
    assert Move.RESOLVE in allowed_moves(complaint, manager)
    assert Move.HAND_BACK in allowed_moves(complaint, manager)
    for other in (outlet_user, tier1, hq):
        assert not {Move.RESOLVE, Move.HAND_BACK, Move.ESCALATE} & set(
            allowed_moves(complaint, other)
        ), other
    with pytest.raises(ValidationError) as refused:
        services.complaint_hand_back(user=hq, complaint=complaint, note="退回")
    assert "支行 海淀支行" in " ".join(refused.value.messages)
    assert "只有该级的管理人员" in " ".join(refused.value.messages)


def test_skipping_a_level_needs_a_reason(complaint_in, outlet_user, tier1, manager):
    complaint = complaint_in(S.INVESTIGATING)
    with pytest.raises(ValidationError) as refused:
        escalate(outlet_user, complaint, to_level=L.TIER1_BRANCH)
    assert "逐级上报" in " ".join(refused.value.message_dict["skip_reason"])
    complaint.refresh_from_db()
    assert (complaint.status, complaint.level) == (S.INVESTIGATING, L.OUTLET)
    assert not complaint.events.filter(action=Move.ESCALATE).exists()
    # Nor down, nor to where it is.
    with pytest.raises(ValidationError) as refused:
        escalate(outlet_user, complaint, to_level=L.OUTLET)
    assert "to_level" in refused.value.message_dict
    complaint = escalate(
        outlet_user,
        complaint,
        to_level=L.TIER1_BRANCH,
        skip_reason="支行行长是被投诉人的直属领导。",
    )
    assert complaint.level == L.TIER1_BRANCH
    assert told(tier1, "complaint_escalated") == 1 and told(manager, "complaint_escalated") == 0
    assert "支行行长是被投诉人的直属领导。" in complaint.events.get(action=Move.ESCALATE).note


def test_level_by_level_up_and_handed_back_down_with_instructions(
    complaint_in, outlet_user, manager, tier1, hq
):
    complaint = escalate(outlet_user, complaint_in(S.ACKNOWLEDGED))
    complaint = escalate(manager, complaint, reason="需分行调取档案。")
    assert complaint.level == L.TIER1_BRANCH and told(tier1, "complaint_escalated") == 1
    # The tier-1 branch hands it down one level by default: still escalated, the sub-branch's.
    complaint = services.complaint_hand_back(
        user=tier1, complaint=complaint, note="档案已调取，请支行核实后答复客户。"
    )
    assert (complaint.status, complaint.level) == (S.ESCALATED, L.SUB_BRANCH)
    assert told(manager, "complaint_handed_back") == 1
    assert Move.RESOLVE in allowed_moves(complaint, manager)
    assert Move.RESOLVE not in allowed_moves(complaint, tier1)
    # The sub-branch hands it back to the outlet: investigated there again, its handler told.
    complaint = services.complaint_hand_back(user=manager, complaint=complaint, note="请网点答复。")
    assert (complaint.status, complaint.level) == (S.INVESTIGATING, L.OUTLET)
    assert told(outlet_user, "complaint_handed_back") == 1
    lines = complaint.events.filter(action__in=[Move.ESCALATE, Move.HAND_BACK])
    assert [(e.action, e.level, e.actor) for e in lines] == [
        (Move.ESCALATE, L.SUB_BRANCH, outlet_user),
        (Move.ESCALATE, L.TIER1_BRANCH, manager),
        (Move.HAND_BACK, L.SUB_BRANCH, tier1),
        (Move.HAND_BACK, L.OUTLET, manager),
    ]
    # A hand-back goes down only.
    complaint = escalate(outlet_user, complaint)
    with pytest.raises(ValidationError) as refused:
        services.complaint_hand_back(
            user=manager, complaint=complaint, note="上交", to_level=L.HEAD_OFFICE
        )
    assert "to_level" in refused.value.message_dict


def test_head_office_is_the_top(complaint_in, outlet_user, hq):
    complaint = escalate(
        outlet_user, complaint_in(S.ACKNOWLEDGED), to_level=L.HEAD_OFFICE, skip_reason="重大投诉。"
    )
    assert told(hq, "complaint_escalated") == 1
    assert Move.ESCALATE not in allowed_moves(complaint, hq)
    assert Move.RESOLVE in allowed_moves(complaint, hq)


def test_the_escalate_page_offers_the_levels_and_keeps_the_text_when_refused(
    complaint_in, outlet_user, login, org
):
    complaint = complaint_in(S.ACKNOWLEDGED)
    client = login(outlet_user)
    page = client.get(move_url(complaint, Move.ESCALATE)).content.decode()
    assert "海淀支行" in page and "北京分行" in page and "总行" in page
    response = client.post(
        move_url(complaint, Move.ESCALATE),
        {"to_level": L.TIER1_BRANCH, "reason": "客户要求分行出面处理。", "skip_reason": ""},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "逐级上报" in html and "客户要求分行出面处理。" in html
    response = client.post(
        move_url(complaint, Move.ESCALATE),
        {"to_level": L.SUB_BRANCH, "reason": "客户要求分行出面处理。"},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.level == L.SUB_BRANCH


def test_the_change_page_and_the_list_show_the_level_that_holds_it(
    complaint_in, outlet_user, manager, login
):
    complaint = escalate(outlet_user, complaint_in(S.ACKNOWLEDGED))
    client = login(manager)
    page = client.get(change_url(complaint)).content.decode()
    assert "所在层级" in page and "支行：海淀支行" in page
    listing = client.get("/admin/complaints/complaint/").content.decode()
    assert "已上报 · 支行" in listing


def test_reporting_counts_the_escalations_by_level(complaint_in, outlet_user, manager, org):
    from reporting import selectors
    from reporting.selectors import STATISTIC_BY_KEY

    first = escalate(outlet_user, complaint_in(S.ACKNOWLEDGED))
    escalate(manager, first)
    escalate(outlet_user, complaint_in(S.ACKNOWLEDGED), to_level=L.HEAD_OFFICE, skip_reason="重大")
    rows = {
        row.branch.code: row
        for row in selectors.branch_summary(scope=org.hq, period=first.received_at.date())
    }

    def value(key):
        return STATISTIC_BY_KEY[key].compute(rows["S1"].parts)

    assert value("escalated") == 2  # complaints that left the outlet
    assert value("escalated_to_sub_branch") == 1
    assert value("escalated_to_tier1") == 1
    assert value("escalated_to_head_office") == 1


def test_only_the_level_that_holds_it_escalates(complaint_in, outlet_user, manager, hq):
    complaint = complaint_in(S.ACKNOWLEDGED)
    # At the outlet: the outlet's, not the sub-branch's nor head office's, to escalate.
    for other in (manager, hq):
        assert Move.ESCALATE not in allowed_moves(complaint, other)
    with pytest.raises(ValidationError) as refused:
        escalate(manager, complaint)
    assert "营业网点 中关村网点" in " ".join(refused.value.messages)
    complaint.refresh_from_db()
    assert complaint.level == L.OUTLET and complaint.status == S.ACKNOWLEDGED


def test_only_the_level_that_holds_it_issues_a_rectification_notice(
    complaint_in, outlet_user, manager
):
    complaint = escalate(outlet_user, complaint_in(S.ACKNOWLEDGED))
    assert Move.RECTIFY not in allowed_moves(complaint, outlet_user)
    assert Move.RECTIFY in allowed_moves(complaint, manager)


def test_who_may_move_it_at_each_level_is_who_is_told_and_reminded(
    complaint_in, outlet_user, manager, tier1, hq, org
):
    """One rule (scoping.holds_at) for the moves, the notice of the move and the reminders:
    at head office any complaint handler there holds it, not only the service department."""
    people = [
        outlet_user,
        manager,
        tier1,
        hq,
        UserFactory(username="cm_hq", branch=org.hq, roles=[Role.COMPLAINT_MANAGER]),
        UserFactory(username="hq_at_t1", branch=org.t1, roles=[Role.HQ_SERVICE]),
        UserFactory(username="cm_t1", branch=org.t1, roles=[Role.COMPLAINT_MANAGER]),
        UserFactory(username="cm_s1", branch=org.s1, roles=[Role.COMPLAINT_MANAGER]),
        UserFactory(username="mgr_s2", branch=org.s2, roles=[Role.BRANCH_MANAGER]),
        UserFactory(username="audit_t1", branch=org.t1, roles=[Role.AUDITOR]),
        UserFactory(
            username="gone_t1", branch=org.t1, roles=[Role.BRANCH_MANAGER], is_active=False
        ),
        # An outside inspection firm's account, whatever roles it was given, holds no level.
        UserFactory(
            username="firm_t1",
            branch=org.t1,
            roles=[Role.BRANCH_MANAGER, Role.COMPLAINT_MANAGER],
            firm=InspectionFirm.objects.create(name="明察调研", credit_code="91110000MA0000001X"),
        ),
    ]
    expected = {
        L.SUB_BRANCH: {"mgr_s1", "cm_s1"},
        L.TIER1_BRANCH: {"mgr_t1", "cm_t1"},
        L.HEAD_OFFICE: {"hq_service", "cm_hq", "hq_at_t1"},
    }
    for level, names in expected.items():
        complaint = escalate(
            outlet_user, complaint_in(S.ACKNOWLEDGED), to_level=level, skip_reason="测试。"
        )
        movers = {u.username for u in people if may(complaint, u, Move.HAND_BACK)}
        notice = reminders.level_changed(complaint, up=True, moved_by=None, now=timezone.now())
        notified = set(
            User.objects.filter(pk__in=notice.recipient_ids).values_list("username", flat=True)
        )
        reminded = set(
            User.objects.filter(
                pk__in=reminders.scan_at(timezone.now()).handler(complaint)
            ).values_list("username", flat=True)
        )
        told_now = set(
            Notification.objects.filter(
                kind="complaint_escalated", occurrence__endswith=f"@{level}"
            ).values_list("recipient__username", flat=True)
        )
        assert movers == notified == reminded == told_now == names, level
        Notification.objects.all().delete()


def test_the_export_and_the_printed_form_show_the_level_that_holds_it(
    complaint_in, outlet_user, login
):
    complaint = escalate(outlet_user, complaint_in(S.ACKNOWLEDGED))
    client = login(outlet_user)
    response = client.post(reverse("exports:export", args=["complaints"]))
    header, row = sheet_rows(open_workbook(response_bytes(response)).active)[:2]
    assert dict(zip(header, row, strict=True))["所在层级"] == "支行：海淀支行"
    page = client.get(reverse("admin:complaints_complaint_print", args=[complaint.pk]))
    assert '<th>所在层级</th><td colspan="3">支行：海淀支行</td>' in page.content.decode()
