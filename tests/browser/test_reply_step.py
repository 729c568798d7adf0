"""The reply step shows the apology and rectification notice only when the bank is at fault
(issue 15 item 5): hidden until "bank at fault" is ticked, shown again once it is."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from complaints import services
from complaints.models import BusinessCategory, Complaint, ComplaintReason
from tests.complaints.conftest import code_lists
from tests.factories import PASSWORD


def test_the_rectification_notice_appears_when_the_bank_is_at_fault(
    page, admin_login, live_server, screenshot_dir, outlet_complaint_manager
):
    user, now = outlet_complaint_manager, timezone.now()
    code_lists()  # an earlier transactional test may have emptied the seeded lists
    complaint = services.complaint_register(
        user=user, branch=user.branch, channel=Complaint.Channel.PHONE,
        received_at=now - dt.timedelta(hours=2), customer_name="张伟",
        customer_phone="13812345678", description="柜员办理挂失时态度生硬。",
        # A reply needs the regulatory coding (B and C).
        category=BusinessCategory.objects.get(code="01"),
        reason=ComplaintReason.objects.get(code="01"),
    )  # fmt: skip
    services.complaint_acknowledge(
        user=user, complaint=complaint, acknowledged_at=now - dt.timedelta(hours=1),
        estimated_reply_at=now + dt.timedelta(days=1),
    )  # fmt: skip
    services.complaint_investigate(user=user, complaint=complaint)
    admin_login(page, username="sunli", password=PASSWORD)
    page.goto(
        live_server.url + reverse("admin:complaints_complaint_move", args=[complaint.pk, "resolve"])
    )
    notice = page.locator("#at-fault")
    expect(notice).to_be_hidden()
    expect(page.locator("h1")).to_have_text("答复客户")
    page.locator("#id_bank_at_fault").check()
    expect(notice).to_be_visible()
    expect(notice.locator("h2")).to_have_text("有责投诉：致歉与整改通知")
    page.screenshot(path=screenshot_dir / "reply-step-at-fault.png", full_page=True)
    page.locator("#id_bank_at_fault").uncheck()
    expect(notice).to_be_hidden()
