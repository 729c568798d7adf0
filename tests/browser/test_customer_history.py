"""The complaint manager registers a caller who complained before: as the phone number is typed
into the add page, the customer's earlier entry appears below the form (issue 14 item 5), with
no number shown and nothing of another sub-branch."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from branchservice import demo as org_demo
from branchservice.models import Branch, User
from branchservice.roles import sync_role_permissions
from tests.complaints.conftest import register


@pytest.fixture
def earlier(transactional_db):
    sync_role_permissions()
    org_demo.seed(io.StringIO())
    clerk = User.objects.get(username="complaint_manager")
    return register(
        clerk,
        Branch.objects.get(code="BJ0101"),
        received_at=timezone.now() - dt.timedelta(days=20),
        customer_phone="13912345678",
    )


@pytest.mark.parametrize("screen", ["laptop"])
def test_the_earlier_entry_appears_as_the_phone_is_typed(
    screen, page, live_server, admin_login, earlier, screenshot_dir
):
    admin_login(page, username="complaint_manager", password=org_demo.DEMO_PASSWORD)
    page.goto(live_server.url + reverse("admin:complaints_complaint_add"))
    history = page.locator("#customer-history")
    expect(history).to_contain_text("填写客户电话或证件号码后")
    page.locator("#id_customer_phone").fill("139 1234 5678")
    expect(history).to_contain_text(earlier.reference)
    expect(history).to_contain_text("电话")
    expect(history).not_to_contain_text("13912345678")
    # Right below the customer section the phone is typed in.
    expect(
        page.locator("#customer-history").locator("xpath=preceding-sibling::fieldset[1]")
    ).to_contain_text("客户信息")
    history.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / f"customer-history-typed-{screen}.png")
    page.locator("#id_customer_phone").fill("13700000000")
    expect(history).to_contain_text("该客户没有更早的登记")
