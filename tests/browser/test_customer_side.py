"""The customer's side end to end on a phone (issue 20): the customer opens the outlet's
opinion book (the poster's QR code address), leaves a complaint and is shown its reference;
the outlet's complaint manager finds it in the register; the customer follows it with the
reference and lookup code, and after the reply rates it through the one-time link."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from branchservice import demo as org_demo
from branchservice.models import Branch, User
from branchservice.roles import sync_role_permissions
from complaints.models import Complaint
from opinionbook.models import OpinionBook
from tests.opinionbook.conftest import reply_to

WHAT_HAPPENED = "今天上午在2号窗口办理转账，排队一个多小时，柜员态度冷淡。"


@pytest.fixture
def open_book(transactional_db):
    sync_role_permissions()
    org_demo.seed(io.StringIO())
    outlet = Branch.objects.get(code="BJ0101")
    OpinionBook.objects.update_or_create(outlet=outlet, defaults={"is_open": True})
    return outlet


@pytest.mark.parametrize("screen", ["phone"])
def test_a_customer_complains_by_qr_code_follows_it_and_rates_the_reply(
    screen, page, browser, live_server, open_book, admin_login, screenshot_dir
):
    page.goto(live_server.url + reverse("opinionbook:book", args=[open_book.code]))
    expect(page.get_by_text(open_book.name).first).to_be_visible()
    expect(page.locator("header")).not_to_contain_text("/")  # the admin's separator, once
    page.get_by_role("radio", name="投诉").check()
    page.locator("#id_description").fill(WHAT_HAPPENED)
    page.locator("#id_customer_request").fill("希望改进排队管理。")
    page.get_by_label("我希望得到答复").check()
    page.locator("#id_customer_name").fill("张伟")
    page.locator("#id_customer_phone").fill("13812345678")
    page.locator("#id_consent").check()
    page.get_by_role("button", name="提交").click()
    reference = page.locator("#reference").inner_text().strip()
    code = page.locator("#lookup-code").inner_text().strip()
    page.screenshot(path=screenshot_dir / f"customer-receipt-{screen}.png", full_page=True)
    entry = Complaint.objects.get(reference=reference)
    assert entry.branch == open_book

    staff = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
    admin_login(staff, username="complaint_manager", password=org_demo.DEMO_PASSWORD)
    staff.goto(live_server.url + reverse("admin:complaints_complaint_changelist"))
    row = staff.locator("#result_list tr", has_text=reference)
    expect(row).to_be_visible()
    expect(row).not_to_contain_text("13812345678")  # masked in the staff list
    staff.context.close()

    reply_to(entry, User.objects.get(username="complaint_manager"), timezone.now())
    page.goto(live_server.url + reverse("opinionbook:lookup"))
    page.get_by_label("编号").fill(reference)
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#stage")).to_be_visible()
    expect(page.locator("#next-step")).to_contain_text("最迟于")
    expect(page.locator("#next-step")).to_contain_text("。")
    expect(page.locator("#remedies")).to_be_visible()
    page.screenshot(path=screenshot_dir / f"customer-progress-{screen}.png", full_page=True)
    page.locator("#rate-reply").click()
    page.get_by_role("radio", name="满意", exact=True).check()
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#satisfaction-recorded")).to_be_visible()
    entry.refresh_from_db()
    assert entry.satisfaction == Complaint.Satisfaction.SATISFIED
    assert entry.followup_method == Complaint.FollowUpMethod.ONLINE
