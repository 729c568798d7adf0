"""The complaint manager's day starts on the work queue (issue 15): sign in, land on it, open
the top item, acknowledge it, and the acknowledgement has left the queue."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from branchservice.models import Branch, User
from branchservice.roles import Role
from complaints import services
from complaints.models import Complaint
from tests.factories import PASSWORD, app_code, enrolled_app


def outlet_with_complaints(user):
    """Two complaints at the outlet of `user`: one acknowledged, the top one just registered."""
    outlet = user.branch
    now = timezone.now()

    def register(hours_ago, description):
        return services.complaint_register(
            user=user, branch=outlet, channel=Complaint.Channel.PHONE,
            received_at=now - dt.timedelta(hours=hours_ago), customer_name="张伟",
            customer_phone="13812345678", description=description,
        )  # fmt: skip

    # Both received at the same moment, so on the same local day whatever the hour the test runs
    # at: the top item's acknowledgement (due that day) comes before the other's reply (due
    # a working day later). Received hours apart, the two fell due together after midnight.
    replied_later = register(1, "客户反映自助存款机吞卡后长时间无人处理，要求网点说明原因并致歉。")
    services.complaint_acknowledge(
        user=user, complaint=replied_later, acknowledged_at=now - dt.timedelta(minutes=30),
        estimated_reply_at=now + dt.timedelta(days=1),
    )  # fmt: skip
    top = register(1, "电话反映在网点办理转账时等候一个多小时，柜员态度冷淡。")
    return top


def no_sideways_scrolling(page):
    # The page itself, and the content box beside the sidebar (which can overflow inside it).
    return page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth && "
        "(c => c.scrollWidth <= c.clientWidth)(document.querySelector('#content'))"
    )


@pytest.mark.parametrize("screen", ["laptop", "tablet-portrait"])
def test_the_complaint_manager_acknowledges_the_top_item_and_it_leaves_the_queue(
    screen, page, admin_login, live_server, screenshot_dir, outlet_complaint_manager
):
    top = outlet_with_complaints(outlet_complaint_manager)
    admin_login(page, username="sunli", password=PASSWORD)

    expect(page.locator("h1")).to_have_text("我的待办")
    rows = page.locator("#work-queue tr.queue-item")
    expect(rows).to_have_count(2)
    first = rows.first
    key = f"complaint-{top.pk}-registered"
    expect(first).to_have_attribute("data-key", key)
    expect(first).to_contain_text("受理确认")
    expect(first.locator(".cmpl-badge")).to_have_count(4)  # acknowledge, reply, two ceilings
    assert no_sideways_scrolling(page)
    page.screenshot(path=screenshot_dir / f"work-queue-{screen}.png", full_page=True)

    first.locator("a").click()
    expect(page).to_have_url(
        live_server.url + reverse("admin:complaints_complaint_change", args=[top.pk])
    )
    page.locator("#workflow-moves a", has_text="受理确认").click()
    page.locator("#content-main form [type=submit]").click()
    expect(page.locator(".messagelist")).to_contain_text(top.reference)

    page.goto(live_server.url + reverse("admin:index"))
    expect(page.locator(f'tr[data-key="{key}"]')).to_have_count(0)
    # The complaint is back as its next step, the reply, due later.
    expect(page.locator(f'tr[data-key="complaint-{top.pk}-acknowledged"]')).to_have_count(1)
    assert no_sideways_scrolling(page)
    page.screenshot(path=screenshot_dir / f"work-queue-after-{screen}.png", full_page=True)


def test_an_auditor_lands_on_the_report_centre_in_the_portals_header(
    page, live_server, screenshot_dir
):
    outlet = Branch.objects.create(code="QA", name="海淀支行", level=Branch.Level.HEAD_OFFICE)
    auditor = User.objects.create_user(
        username="zhaomin", password=PASSWORD, branch=outlet, is_staff=True, first_name="敏"
    )
    auditor.groups.add(Group.objects.get(name=Role.AUDITOR))
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(live_server.url + reverse("admin:login"))
    device = enrolled_app(auditor)
    page.locator("#id_username").fill("zhaomin")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()
    # Auditors pass the second factor (tests/browser/conftest.py admin_login does the same).
    page.locator("#id_code").fill(app_code(device))
    page.locator(".twofactor-code [type=submit]").click()
    expect(page).to_have_url(live_server.url + reverse("reporting:centre"))
    tools = page.locator("#user-tools")
    expect(tools.locator("strong")).to_have_text("敏")
    expect(tools.locator(".reminder-bell")).to_be_visible()
    expect(tools.locator("#logout-form button")).to_have_text("退出")
    page.screenshot(path=screenshot_dir / "report-centre-laptop.png", full_page=True)
    page.locator("#language-select").select_option("en")
    expect(page.locator("#site-name")).to_have_text("Branch Service Management")
    expect(tools.locator("#logout-form button")).to_have_text("Log out")
    assert no_sideways_scrolling(page)
    page.screenshot(path=screenshot_dir / "report-centre-laptop-en.png", full_page=True)


def test_a_handled_reminder_is_greyed_under_done_and_the_bell_counts_the_rest(
    page, admin_login, live_server, screenshot_dir, outlet_complaint_manager
):
    from branchservice.notifications.models import Notification
    from complaints.reminders import Kind

    user = outlet_complaint_manager
    top = outlet_with_complaints(user)
    now = timezone.now()
    # As the scan makes them (one per deadline day), already sent.
    for kind, stage, due in [
        (Kind.COMPLAINT_ACKNOWLEDGE, Notification.Stage.OVERDUE, top.acknowledge_due_at),
        (Kind.COMPLAINT_REPLY, Notification.Stage.DUE, top.reply_due_at),
    ]:
        Notification.objects.create(
            recipient=user, kind=kind, stage=stage, target=top,
            occurrence=timezone.localtime(due).date().isoformat(), object_label=top.reference,
            url=reverse("admin:complaints_complaint_change", args=[top.pk]), due_at=due,
            scheduled_for=now, sent_at=now,
        )  # fmt: skip
    page.set_viewport_size({"width": 1366, "height": 768})
    admin_login(page, username="sunli", password=PASSWORD)
    expect(page.locator(".reminder-count")).to_have_text("2")
    services.complaint_acknowledge(
        user=user, complaint=top, acknowledged_at=now, estimated_reply_at=top.reply_due_at
    )
    page.goto(live_server.url + reverse("notifications:mine"))
    expect(page.locator("#reminders tbody tr")).to_have_count(1)
    expect(page.locator(".reminder-count")).to_have_text("1")
    page.locator(".reminder-filter", has_text="全部").click()
    expect(page.locator("#reminders tbody tr.done")).to_have_count(1)
    assert no_sideways_scrolling(page)
    page.screenshot(path=screenshot_dir / "reminders-all-laptop.png", full_page=True)
