"""The lobby manager fills today's checklist on a phone, in Chinese, end to end."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from branchservice import demo as org_demo
from branchservice.models import Branch
from branchservice.rectifications.models import Rectification
from branchservice.roles import sync_role_permissions
from standards.catalogue import seed_catalogue
from standards.models import Checklist
from tests.standards.factories import closed_for_the_day, parts_template

# A non-critical item that needs a comment (and no photo) when it fails.
FAILING_ITEM = "照明、空调、电子显示屏工作正常"


@pytest.fixture
def demo_bank(transactional_db, an_afternoon):
    # live_server flushes the database between tests, role groups included.
    sync_role_permissions()
    org_demo.seed(io.StringIO())
    catalogue = seed_catalogue()
    closed_for_the_day()
    return catalogue


@pytest.mark.parametrize("screen", ["phone"])
def test_a_lobby_manager_fills_and_submits_todays_checklist_on_a_phone(
    screen, page, live_server, demo_bank, screenshot_dir
):
    page.goto(live_server.url + reverse("standards:home"))
    # Lobby managers have no admin access: the checklist pages have their own login.
    page.locator("#id_username").fill("lobby_manager")
    page.locator("#id_password").fill(org_demo.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("h1")).to_have_text("中关村营业网点")

    # One tap opens today's checklist.
    page.get_by_role("button", name="网点每日服务自查表").click()
    expect(page.locator("h1")).to_have_text("网点每日服务自查表")
    cards = page.locator(".item-card")
    count = cards.count()
    assert count >= 40
    for index in range(count):
        cards.nth(index).locator("label", has_text="合格").first.click()
    failing = cards.filter(has_text=FAILING_ITEM)
    failing.locator("label", has_text="不合格").click()
    # The comment field appears only once the item fails.
    expect(failing.locator("textarea")).to_be_visible()
    expect(page.locator("#answered-count")).to_have_text(str(count))

    page.get_by_role("button", name="提交").click()
    # The form goes once every answer given is saved, one request each: 41 here, all at once.
    expect(page.locator(".alert-danger")).to_contain_text("尚未提交", timeout=30_000)
    failing = page.locator(".item-card").filter(has_text=FAILING_ITEM)
    expect(failing.locator(".item-error")).to_contain_text("不合格项须说明存在的问题")
    page.screenshot(path=screenshot_dir / "checklist-refused-phone.png", full_page=False)
    failing.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "checklist-refused-item-phone.png")
    # Nothing entered was lost: every other answer is still chosen.
    expect(page.locator(".item-card input[value=pass]:checked")).to_have_count(count - 1)

    failing.locator("textarea").fill("大厅 3 号灯管不亮，已报物业维修")
    page.get_by_role("button", name="提交").click()

    expect(page.locator(".alert-success")).to_contain_text("检查表已提交")
    expect(page.locator("#score")).to_contain_text("%")
    expect(page.locator("body")).to_contain_text("1 项不合格")
    page.screenshot(path=screenshot_dir / "checklist-submitted-phone.png")

    # Back on the outlet page, today's checklist shows as submitted with its score.
    page.get_by_role("link", name="中关村营业网点").click()
    expect(page.locator(".touch-button", has_text="网点每日服务自查表")).to_contain_text("已提交")
    page.screenshot(path=screenshot_dir / "checklist-outlet-phone.png")

    checklist = Checklist.objects.get()
    assert checklist.status == Checklist.Status.SUBMITTED
    assert checklist.failed_items == 1
    assert checklist.critical_failures == 0
    assert not Rectification.objects.exists()


@pytest.mark.parametrize("screen", ["tablet-portrait"])
def test_the_tablet_shows_which_part_of_the_day_is_due_now(
    screen, page, live_server, demo_bank, settings, screenshot_dir
):
    # Opening and daytime checks due late tonight, at noon on a working day in Beijing: run
    # on the real clock, the test failed from 23:58 on.
    parts_template()
    settings.STANDARDS_CHECKLIST_DUE_TIME = "23:59"
    Branch.objects.filter(code="BJ0101").update(opens_at=dt.time(23, 58), closes_at=dt.time(23, 59))
    noon = dt.datetime(2026, 12, 2, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(noon, tick=True):
        page.goto(live_server.url + reverse("standards:home"))
        page.locator("#id_username").fill("lobby_manager")
        page.locator("#id_password").fill(org_demo.DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.get_by_role("button", name="分时段检查表").click()

        now = page.locator(".part-now")
        expect(now).to_have_text("现在应做：营业前检查，23:58 前完成")
        expect(page.locator(".part-badge")).to_have_count(3)
        page.screenshot(path=screenshot_dir / f"part-due-now-{screen}.png")
        opening = page.locator("section[data-section]").first
        opening.get_by_role("button", name="全部合格").click()
        expect(page.locator("#save-state")).to_contain_text("已保存")
        page.reload()
        expect(now).to_have_text("现在应做：日间检查，23:59 前完成")


@pytest.mark.parametrize("screen", ["tablet"])
def test_a_page_opened_before_closing_opens_the_closing_checks_when_the_outlet_closes(
    screen, page, live_server, demo_bank, screenshot_dir
):
    # Opened ten seconds before the outlet closes (17:00) on a working day in Beijing, and
    # left open: the closing checks and the submit open by themselves, with no reload.
    parts_template()
    Branch.objects.filter(code="BJ0101").update(opens_at=dt.time(9, 0), closes_at=dt.time(17, 0))
    before = dt.datetime(2026, 12, 2, 16, 59, 50, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(before, tick=True):
        page.goto(live_server.url + reverse("standards:home"))
        page.locator("#id_username").fill("lobby_manager")
        page.locator("#id_password").fill(org_demo.DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.get_by_role("button", name="分时段检查表").click()

        submit = page.locator("button[value=submit]")
        closing = page.locator("section[data-section]").last
        expect(submit).to_be_disabled()
        expect(submit).to_have_text("17:00 起提交")
        expect(closing.locator("input[type=radio]").first).to_be_disabled()
        page.screenshot(path=screenshot_dir / f"closing-locked-{screen}.png")

        expect(submit).to_be_enabled(timeout=30_000)
        expect(submit).to_have_text("提交")
        expect(closing.locator("input[type=radio]").first).to_be_enabled()
        expect(closing.locator(".part-locked")).to_be_hidden()
        page.screenshot(path=screenshot_dir / f"closing-opened-{screen}.png")
        # And the closing check answered now is saved (the server agrees it is time).
        closing.locator("label", has_text="合格").first.click()
        expect(page.locator("#save-state")).to_contain_text("已保存")
