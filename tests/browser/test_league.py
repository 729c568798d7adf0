"""The branch league table in Chromium (issue 15 items 3 and 4): a sub-branch manager opens it
from the report pages, sorts by a column and back, follows a number to the list behind it and
an outlet's name to its overview; the page never scrolls sideways (the table scrolls in its
own box)."""

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
from reporting.selectors import last_complete_month

PASSWORD = "branch-manager-2026"
OUTLETS = {"QA": ("中关村营业网点", 3), "QB": ("五道口营业网点", 1), "QC": ("学院路营业网点", 0)}


def sub_branch_with_outlets():
    """Head office › tier-1 › sub-branch with three outlets; last month's complaints, none
    acknowledged (so all of them overdue at the month's end): 3, 1 and 0 per outlet."""
    hq = Branch.objects.create(code="QHQ", name="示范银行总行", level=Branch.Level.HEAD_OFFICE)
    tier1 = Branch.objects.create(
        code="QT1", name="北京分行", level=Branch.Level.TIER1_BRANCH, parent=hq
    )
    sub = Branch.objects.create(
        code="QS1", name="海淀支行", level=Branch.Level.SUB_BRANCH, parent=tier1
    )
    manager = User.objects.create_user(
        username="wangqiang", password=PASSWORD, branch=sub, is_staff=True, first_name="强"
    )
    manager.groups.add(Group.objects.get(name=Role.BRANCH_MANAGER))
    received = timezone.make_aware(dt.datetime.combine(last_complete_month(), dt.time(10)))
    outlets = {}
    for code, (name, complaints) in OUTLETS.items():
        outlets[code] = Branch.objects.create(
            code=code, name=name, level=Branch.Level.OUTLET, parent=sub, customer_base=20_000
        )
        for n in range(complaints):
            services.complaint_register(
                user=manager, branch=outlets[code], channel=Complaint.Channel.PHONE,
                received_at=received + dt.timedelta(days=n + 1), customer_name="张伟",
                customer_phone="13812345678", description=f"排队等候时间过长，第{n + 1}次。",
            )  # fmt: skip
    return sub, outlets


def no_sideways_scrolling(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def names(page):
    return page.locator("#league-table tbody th").all_inner_texts()


@pytest.mark.parametrize("screen", ["laptop", "tablet"])
def test_the_league_table_sorts_and_links_to_the_lists_and_the_overview(
    screen, page, admin_login, live_server, screenshot_dir
):
    sub, outlets = sub_branch_with_outlets()
    admin_login(page, username="wangqiang", password=PASSWORD)
    page.goto(live_server.url + reverse("reporting:dashboard"))
    page.locator(".breadcrumbs a", has_text="机构排名表").click()
    expect(page).to_have_url(live_server.url + reverse("reporting:league"))
    # Worst first by the complaints overdue at the month's end.
    expect(page.locator("#league-table tbody tr")).to_have_count(3)
    assert names(page) == ["中关村营业网点", "五道口营业网点", "学院路营业网点"]
    expect(page.locator("#id_scope")).to_have_value(str(sub.pk))  # the table's own scope
    assert no_sideways_scrolling(page)
    page.screenshot(path=screenshot_dir / f"league-{screen}.png", full_page=True)

    # Sort by complaints per 10,000 customers (3, 1, 0 of 20,000: 1.50, 0.50, 0.00), then again
    # for the best first.
    heading = page.locator('#league-table th[data-key="complaints_per_10k"] a')
    heading.click()
    expect(page.locator('#league-table th.sorted[data-key="complaints_per_10k"]')).to_be_visible()
    assert names(page) == ["中关村营业网点", "五道口营业网点", "学院路营业网点"]
    expect(page.locator('#league-table tr[data-code="QA"] td').nth(1)).to_have_text("1.50")
    page.locator('#league-table th[data-key="complaints_per_10k"] a').click()
    expect(page.locator("#league-table tbody th").first).to_have_text("学院路营业网点")
    assert names(page) == ["学院路营业网点", "五道口营业网点", "中关村营业网点"]

    # A number opens the list behind it: the outlet's complaints of the month.
    page.locator('#league-table tr[data-code="QA"] td').first.locator("a").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    page.go_back()

    # The outlet's name opens its overview.
    page.locator("#league-table tbody th a", has_text="中关村营业网点").click()
    expect(page).to_have_url(
        live_server.url
        + reverse("reporting:outlet", args=[outlets["QA"].pk])
        + f"?period={last_complete_month():%Y-%m}"
    )
    expect(page.locator("#content-main h2")).to_contain_text("中关村营业网点 (QA) · 海淀支行")
    expect(page.locator("#overview-complaints tbody tr")).to_have_count(3)
    expect(page.locator("#overview-figures td.sub-branch").first).to_be_visible()
    # The 30-day strip stays inside its part of the page (it scrolls in its own box).
    strip, part = (
        page.locator(selector).bounding_box()
        for selector in ("#overview-checklists .strip-scroll", "#overview-checklists")
    )
    assert strip["x"] + strip["width"] <= part["x"] + part["width"] + 1
    assert no_sideways_scrolling(page)
    page.screenshot(path=screenshot_dir / f"outlet-overview-{screen}.png", full_page=True)
