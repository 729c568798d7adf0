"""Issue 14: the lobby manager takes a complaint down on the tablet, in Chinese, and the
outlet's complaint manager finds it in the register."""

import io
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from branchservice import demo as org_demo
from branchservice.roles import sync_role_permissions
from complaints.models import Complaint


@pytest.fixture
def demo_bank(transactional_db):
    # live_server flushes the database between tests, role groups included.
    sync_role_permissions()
    org_demo.seed(io.StringIO())


@pytest.mark.parametrize("screen", ["tablet"])
def test_a_lobby_manager_registers_a_complaint_and_the_complaint_manager_sees_it(
    screen, page, browser, live_server, demo_bank, admin_login, screenshot_dir
):
    page.goto(live_server.url + reverse("standards:home"))
    page.locator("#id_username").fill("lobby_manager")
    page.locator("#id_password").fill(org_demo.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    # The intake page is one tap from the tablet shell's menu.
    page.locator("#nav-intake").click()
    expect(page.locator("h1")).to_contain_text("首问登记")

    page.get_by_text("现场口头投诉", exact=True).click()
    page.get_by_label("客户反映的问题").fill("客户反映取号后等候四十分钟无人叫号。")
    page.get_by_label("客户诉求").fill("希望网点改进排队管理。")
    page.get_by_label("客户姓名").fill("王芳")
    page.get_by_label("联系电话").fill("139123")
    page.get_by_role("button", name="登记", exact=True).click()
    # A phone of the wrong length: refused in Chinese, nothing typed lost.
    expect(page.locator("#field-customer_phone .invalid-feedback")).to_contain_text("11")
    expect(page.get_by_label("客户姓名")).to_have_value("王芳")
    page.screenshot(path=screenshot_dir / "intake-refused-tablet.png")

    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_role("button", name="登记", exact=True).click()
    reference = Complaint.objects.get().reference
    expect(page.locator("#reference")).to_have_text(reference)
    expect(page.get_by_role("link", name="再登记一条")).to_be_visible()
    page.screenshot(path=screenshot_dir / "intake-done-tablet.png")

    manager = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    admin_login(manager, username="complaint_manager", password=org_demo.DEMO_PASSWORD)
    manager.goto(live_server.url + reverse("admin:complaints_complaint_changelist"))
    row = manager.locator("#result_list tr", has_text=reference)
    expect(row).to_have_count(1)
    manager.context.close()
    assert re.match(r"TS-\w+-\d{6}-\d{4}", reference)
