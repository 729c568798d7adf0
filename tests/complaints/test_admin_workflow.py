"""The "done when" path of the issue, driven through the admin pages with the test client."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from branchservice.rectifications.models import Rectification
from complaints.models import BusinessCategory, Complaint, ComplaintReason


def move_url(complaint, move):
    return reverse("admin:complaints_complaint_move", args=[complaint.pk, move])


def change_url(complaint):
    return reverse("admin:complaints_complaint_change", args=[complaint.pk])


def moves_offered(client, complaint):
    response = client.get(change_url(complaint))
    assert response.status_code == 200
    return {m["url"].rstrip("/").rsplit("/", 1)[-1] for m in response.context["workflow_moves"]}


def test_a_phone_complaint_goes_from_registration_to_closure_in_the_admin(
    frozen, outlet_user, org, login
):
    client = login(outlet_user)
    page = client.get(reverse("admin:complaints_complaint_add"))
    token = page.context["adminform"].form.initial["submission_token"]
    form = {
        "branch": org.a.pk,
        "kind": "complaint",
        "channel": "phone",
        "received_at": "2026-09-30T10:00",
        "customer_name": "王秀英",
        "customer_phone": "139 1234 5678",
        "customer_id_number": "",
        "customer_account": "",
        "description": "来电反映网点柜员办理挂失时态度生硬，等候 50 分钟。",
        "customer_request": "要求道歉。",
        "complained_about": "2 号柜员",
        "first_responder": outlet_user.pk,
        "handler": "",
        "category": BusinessCategory.objects.get(code="01").pk,
        "reason": ComplaintReason.objects.get(code="01").pk,
        "complexity": "simple",
        "submission_token": token,
    }
    response = client.post(reverse("admin:complaints_complaint_add"), form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    complaint = Complaint.objects.get()
    # "Save" lands on the new entry, not on the list.
    assert response["Location"] == change_url(complaint)
    assert complaint.reference == "TS-A-202609-0001"
    assert complaint.customer_phone == "13912345678"
    # A second submit of the same form (double click) registers nothing new.
    client.post(reverse("admin:complaints_complaint_add"), form)
    assert Complaint.objects.count() == 1
    # Simple complaint received the day before the National Day holiday: reply due 8 October.
    assert timezone.localtime(complaint.reply_due_at).date() == dt.date(2026, 10, 8)
    assert moves_offered(client, complaint) >= {"acknowledge", "resolve_on_spot", "escalate"}
    assert "resolve" not in moves_offered(client, complaint)

    response = client.post(
        move_url(complaint, "acknowledge"),
        {"acknowledged_at": "2026-09-30T10:30", "estimated_reply_at": "2026-10-08T17:00"},
    )
    assert response.status_code == 302
    client.post(move_url(complaint, "investigate"), {"note": "调取监控录像。"})
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.INVESTIGATING

    response = client.post(
        move_url(complaint, "resolve"),
        {
            "founded": "yes",
            "bank_at_fault": "on",
            "root_cause": "skill",
            "investigation_notes": "监控显示柜员未使用礼貌用语。",
            "reply_facts": "柜员接待时未使用礼貌用语。",
            "reply_grounds": "《网点服务规范》文明用语要求。",
            "apology": "网点负责人电话致歉。",
            "replied_at": "2026-09-30T15:00",
            "reply_method": "phone",
            "reply_content": "致歉并说明整改措施，客户表示接受。",
            "customer_accepted": "yes",
            "owner": outlet_user.pk,
            "responsible_department": "运营柜组",
            "required_action": "组织柜员服务礼仪培训。",
            "due_date": "2026-10-16",
        },
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RESOLVED and complaint.founded
    notice = complaint.rectifications.get()
    assert timezone.localtime(complaint.followup_due_at).date() == dt.date(2026, 10, 10)

    response = client.post(
        reverse("admin:rectifications_rectification_step", args=[notice.pk, "complete"]),
        {"evidence": "10 月 9 日完成培训，签到表已存档。"},
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == Rectification.Status.DONE

    client.post(
        move_url(complaint, "follow_up"),
        {
            "followed_up_at": "2026-09-30T15:45",
            "method": "phone",
            "satisfaction": "satisfied",
            "comment": "满意",
        },
    )
    client.post(move_url(complaint, "close"), {"note": ""})
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED
    assert complaint.followup_method == Complaint.FollowUpMethod.PHONE
    page = client.get(change_url(complaint))
    actions = [e.action for e in page.context["events"]]
    assert actions == [
        "register",
        "acknowledge",
        "investigate",
        "rectify",
        "resolve",
        "rectified",
        "follow_up",
        "close",
    ]
    # After 办结: notes, files, proof of notices, and the customer's review request.
    assert moves_offered(client, complaint) == {
        "note",
        "rectify",
        "attach",
        "notify",
        "request_review",
    }


def test_a_refused_step_shows_the_reason_and_changes_nothing(complaint_in, outlet_user, login):
    complaint = complaint_in(Complaint.Status.INVESTIGATING)
    response = login(outlet_user).post(
        move_url(complaint, "resolve"),
        {
            "founded": "yes",
            "bank_at_fault": "on",
            "replied_at": "2026-09-30T15:00",
            "reply_method": "phone",
            "reply_content": "已答复",
            "reply_facts": "属实。",
            "reply_grounds": "服务规范。",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "apology" in errors
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.INVESTIGATING


def test_a_move_the_workflow_does_not_allow_is_forbidden(complaint_in, outlet_user, login):
    complaint = complaint_in(Complaint.Status.REGISTERED)
    client = login(outlet_user)
    assert client.get(move_url(complaint, "close")).status_code == 403
    assert client.post(move_url(complaint, "void"), {"reason": "x"}).status_code == 403
    assert client.get(move_url(complaint, "no_such_move")).status_code == 404


def test_a_future_receipt_is_refused_on_the_add_page(frozen, outlet_user, org, login):
    response = login(outlet_user).post(
        reverse("admin:complaints_complaint_add"),
        {
            "branch": org.a.pk,
            "kind": "complaint",
            "channel": "phone",
            "received_at": "2026-10-02T10:00",
            "customer_name": "王秀英",
            "customer_phone": "12345",
            "description": "x",
            "complexity": "simple",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"received_at", "customer_phone"} <= set(errors)
    assert not Complaint.objects.exists()


def test_editing_details_recomputes_deadlines_and_leaves_hand_over_to_its_step(
    complaint_in, outlet_user, org, login
):
    complaint = complaint_in(Complaint.Status.REGISTERED)
    client = login(outlet_user)
    page = client.get(change_url(complaint))
    form = page.context["adminform"].form
    assert "handler" not in form.fields and "branch" not in form.fields
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(received_at="2026-09-30T10:00", complexity="complex", is_quality="")
    response = client.post(change_url(complaint), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    complaint.refresh_from_db()
    assert timezone.localtime(complaint.reply_due_at).date() == dt.date(2026, 10, 13)
    assert complaint.events.filter(action="edit").exists()
