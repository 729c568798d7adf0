"""Head office pastes next year's State Council notice: the preview shows the year's grid, and
confirming enters the year, which the overrides list then reports."""

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from branchservice import demo as org_demo
from branchservice.models import CalendarOverride
from branchservice.roles import sync_role_permissions


@pytest.fixture
def demo(transactional_db):
    sync_role_permissions()
    org_demo.seed(io.StringIO())  # with the 2027 sample notice as a draft


@pytest.fixture
def december_2026():
    # The sample is for 2027: in December 2026 that is next year, still to be entered.
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)):
        yield


@pytest.mark.parametrize("screen", ["laptop", "tablet"])
def test_head_office_previews_and_applies_the_sample_notice(
    screen, page, live_server, admin_login, demo, december_2026, screenshot_dir
):
    admin_login(page, username="hq_service", password=org_demo.DEMO_PASSWORD)
    page.goto(live_server.url + reverse("admin:branchservice_calendaroverride_changelist"))
    expect(page.locator(".year-status .year-weekends")).to_contain_text("2027：仅按周末计算")

    page.get_by_role("link", name="按国务院通知录入全年安排").click()
    expect(page.locator("#id_text")).to_have_value(org_demo.SAMPLE_NOTICE.read_text("utf-8"))
    page.get_by_role("button", name="预览").click()

    expect(page.locator(".notice-sample")).to_contain_text("【示例】")
    spring = page.locator('td[data-date="2027-02-08"]')
    expect(spring).to_have_class("cell holiday")
    expect(spring).to_have_attribute("title", "春节")
    expect(page.locator('td[data-date="2027-02-14"]')).to_have_class("cell workday")
    expect(page.locator(".notice-changes tbody tr")).to_have_count(33)
    page.screenshot(path=screenshot_dir / f"calendar-notice-preview-{screen}.png", full_page=True)
    page.locator(".notice-grid").screenshot(
        path=screenshot_dir / f"calendar-notice-grid-{screen}.png"
    )

    page.get_by_role("button", name="确认写入 2027 年日历").click()
    expect(page.locator(".messagelist")).to_contain_text("2027：新增 33 个日期")
    expect(page.locator(".year-status .year-notice")).to_contain_text(
        "2027：已于 2026-12-02 根据国务院通知录入"
    )
    page.screenshot(path=screenshot_dir / f"calendar-year-status-{screen}.png")
    assert CalendarOverride.objects.filter(date__year=2027, notice__isnull=False).count() == 33
