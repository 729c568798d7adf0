"""The sub-branch manager verifies (验收) a rectification in the admin: it is on screen in the
list, the change page offers the steps allowed, and the step page records the verification."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from branchservice import demo as org_demo
from branchservice.models import Branch, User
from branchservice.rectifications import services
from branchservice.rectifications.models import Rectification
from branchservice.roles import sync_role_permissions
from tests.complaints.factories import ComplaintFactory


@pytest.fixture
def done(transactional_db):
    sync_role_permissions()
    org_demo.seed(io.StringIO())
    clerk = User.objects.get(username="complaint_manager")
    complaint = ComplaintFactory(branch=Branch.objects.get(code="BJ0101"))
    rectification = services.rectification_raise(
        user=clerk,
        outlet=complaint.branch,
        source=complaint,
        source_kind="complaint",
        source_label=complaint.reference,
        owner=clerk,
        required_action="高峰时段增开窗口，大堂经理主动分流。",
        responsible_department="运营部",
        due_date=timezone.localdate() + dt.timedelta(days=5),
    )
    return services.rectification_complete(
        user=clerk, rectification=rectification, evidence="已增开 2 个窗口，排班表已存档。"
    )


@pytest.mark.parametrize("screen", ["laptop", "tablet"])
def test_the_manager_verifies_a_done_rectification(
    screen, page, live_server, admin_login, done, screenshot_dir
):
    admin_login(page, username="branch_manager", password=org_demo.DEMO_PASSWORD)
    page.goto(live_server.url + reverse("admin:rectifications_rectification_changelist"))
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("已整改，待验收")
    expect(row).to_be_in_viewport()
    page.screenshot(path=screenshot_dir / f"rectifications-list-{screen}.png")

    row.locator("a").first.click()
    steps = page.locator(".object-tools")
    expect(steps).to_contain_text("验收通过")
    expect(steps).to_contain_text("验收不通过")
    expect(steps).not_to_contain_text("登记整改完成")
    page.screenshot(path=screenshot_dir / f"rectification-change-{screen}.png")

    steps.get_by_role("link", name="验收通过").click()
    expect(page.locator("#content-main")).to_contain_text("已增开 2 个窗口")
    page.screenshot(path=screenshot_dir / f"rectification-verify-{screen}.png")
    page.locator("#content-main [type=submit]").click()
    expect(page.locator(".messagelist")).to_contain_text("验收通过")
    done.refresh_from_db()
    assert done.status == Rectification.Status.VERIFIED
    assert done.verified_by.username == "branch_manager"
