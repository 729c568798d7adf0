"""The regulator's clock, walked in the admin as its users would (issue 11): the complaint
manager acknowledges, pauses the clock for mediation and ends the pause, asks for more time;
the branch manager approves; the complaint manager records telling the customer. Each step is
found as a button on the complaint's page, and the ceiling and timeline show what happened."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from branchservice import demo as org_demo
from branchservice.models import Branch, User
from branchservice.roles import sync_role_permissions
from complaints.models import Complaint
from tests.complaints.conftest import register


@pytest.fixture
def complaint(transactional_db):
    sync_role_permissions()
    org_demo.seed(io.StringIO())
    clerk = User.objects.get(username="complaint_manager")
    return register(
        clerk,
        Branch.objects.get(code="BJ0101"),
        received_at=timezone.now() - dt.timedelta(hours=1),
        complexity=Complaint.Complexity.COMPLEX,  # a simple complaint cannot be extended
    )


def step(page, name):
    page.locator("#workflow-moves").get_by_role("link", name=name, exact=True).click()


def submit(page):
    page.locator("#content-main [type=submit]").first.click()
    expect(page.locator(".messagelist")).to_be_visible()


@pytest.mark.parametrize("screen", ["laptop"])
def test_pause_resume_and_extension_through_the_complaint_page(
    screen, page, live_server, admin_login, complaint, screenshot_dir
):
    change = live_server.url + reverse("admin:complaints_complaint_change", args=[complaint.pk])
    ceiling_before = complaint.regulatory_due_at
    admin_login(page, username="complaint_manager", password=org_demo.DEMO_PASSWORD)
    page.goto(change)

    step(page, "受理确认")
    submit(page)

    step(page, "暂停计时")
    page.get_by_label("暂停事由").select_option(label="调解")
    page.locator("textarea").first.fill("提交人民银行金融消费纠纷调解中心调解。")
    page.screenshot(path=screenshot_dir / f"clock-pause-{screen}.png")
    submit(page)
    complaint.refresh_from_db()
    assert complaint.paused_since is not None
    expect(page.locator("#workflow-moves")).to_contain_text("恢复计时")
    expect(page.locator("#workflow-moves")).not_to_contain_text("暂停计时")
    expect(page.locator("#clock-facts")).to_contain_text("暂停")

    step(page, "恢复计时")
    submit(page)
    complaint.refresh_from_db()
    assert complaint.paused_since is None
    assert complaint.regulatory_due_at >= ceiling_before

    step(page, "申请延期")
    page.locator("textarea").first.fill("需调取总行系统日志，核实交易流水。")
    submit(page)

    page.context.clear_cookies()
    admin_login(page, username="branch_manager", password=org_demo.DEMO_PASSWORD)
    page.goto(change)
    step(page, "审批延期")
    page.get_by_role("radio", name="批准", exact=True).check()
    submit(page)
    complaint.refresh_from_db()
    assert complaint.regulatory_due_at > ceiling_before + dt.timedelta(days=14)

    page.context.clear_cookies()
    admin_login(page, username="complaint_manager", password=org_demo.DEMO_PASSWORD)
    page.goto(change)
    step(page, "登记告知客户凭证")
    page.get_by_label("告知事项").select_option(value="extension")
    page.locator("textarea").first.fill("11月30日电话告知客户延期至30日内答复，客户表示理解。")
    submit(page)
    assert complaint.notices.filter(subject="extension").exists()

    page.goto(change)
    main = page.locator("#content-main")
    for line in ("暂停计时", "恢复计时", "申请延期", "延期"):
        expect(main).to_contain_text(line)
    ceiling = timezone.localtime(Complaint.objects.get(pk=complaint.pk).regulatory_due_at)
    with translation.override("zh-hans"):
        expect(main).to_contain_text(formats.date_format(ceiling, "DATE_FORMAT"))
    page.screenshot(path=screenshot_dir / f"clock-after-{screen}.png", full_page=True)
