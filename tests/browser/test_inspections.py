"""A mystery-shopper visit on the tablet (issue 16 item 4): the inspector starts it for an
outlet from head office; the outlet's lobby manager is not offered it and is refused it."""

import io

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from branchservice import demo as org_demo
from branchservice.roles import sync_role_permissions
from standards.catalogue import seed_catalogue
from standards.models import Checklist

VISIT = "神秘访客暗访表"


@pytest.fixture
def demo_bank(transactional_db):
    sync_role_permissions()
    org_demo.seed(io.StringIO())
    return seed_catalogue()


def sign_in(page, live_server, username):
    page.goto(live_server.url + reverse("standards:home"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(org_demo.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()


@pytest.mark.parametrize("screen", ["tablet"])
def test_the_inspector_starts_a_visit_the_outlet_is_refused_it(
    screen, page, live_server, demo_bank, screenshot_dir, browser
):
    sign_in(page, live_server, "inspector")
    page.get_by_role("link", name="中关村营业网点").click()
    page.get_by_role("button", name=VISIT).click()
    expect(page.locator("h1")).to_have_text(VISIT)
    page.screenshot(path=screenshot_dir / f"inspection-start-{screen}.png")
    visit = Checklist.objects.get(template__name=VISIT)

    outlet_side = browser.new_context(viewport=page.viewport_size, locale="zh-CN").new_page()
    sign_in(outlet_side, live_server, "lobby_manager")
    expect(outlet_side.locator("h1")).to_have_text("中关村营业网点")
    expect(outlet_side.get_by_role("button", name="网点每日服务自查表")).to_be_visible()
    expect(outlet_side.get_by_role("button", name=VISIT)).to_have_count(0)
    expect(outlet_side.get_by_role("link", name=VISIT)).to_have_count(0)
    response = outlet_side.goto(live_server.url + reverse("standards:checklist", args=[visit.pk]))
    assert response.status == 404  # simply not there for the outlet, as outside its scope
    outlet_side.screenshot(path=screenshot_dir / f"inspection-refused-{screen}.png")
    outlet_side.context.close()
