"""Issue 16 in the browser: no answer lost when the session ends on the floor."""

import io

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from playwright.sync_api import expect

from branchservice import demo as org_demo
from branchservice.roles import sync_role_permissions
from standards.catalogue import seed_catalogue
from standards.models import ChecklistAnswer


@pytest.fixture
def demo_bank(transactional_db):
    # live_server flushes the database between tests, role groups included.
    sync_role_permissions()
    org_demo.seed(io.StringIO())
    return seed_catalogue()


def log_in(page):
    page.locator("#id_username").fill("lobby_manager")
    page.locator("#id_password").fill(org_demo.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()


def open_todays_checklist(page, live_server):
    page.goto(live_server.url + reverse("standards:home"))
    log_in(page)
    page.get_by_role("button", name="网点每日服务自查表").click()
    expect(page.locator("h1")).to_have_text("网点每日服务自查表")


def pass_item(card):
    card.locator("label", has_text="合格").first.click()


def saved_answers():
    return ChecklistAnswer.objects.exclude(result="", score=None).count()


@pytest.mark.parametrize("screen", ["tablet-portrait", "phone"])
def test_answers_given_after_the_session_ended_are_sent_after_signing_in_again(
    screen, page, live_server, demo_bank, screenshot_dir
):
    open_todays_checklist(page, live_server)
    cards = page.locator(".item-card")
    state = page.locator("#save-state")
    for index in range(12):
        pass_item(cards.nth(index))
    expect(state).to_contain_text("已保存")
    expect(page.locator("#save-state[data-state=saved]")).to_be_visible()
    assert saved_answers() == 12
    page.screenshot(path=screenshot_dir / f"autosave-saved-{screen}.png")

    # The session ends on the server (idle timeout, or signed out elsewhere).
    session_key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    SessionStore(session_key=session_key).delete()
    for index in range(12, 15):
        pass_item(cards.nth(index))
    warning = page.locator("#session-warning")
    expect(warning).to_contain_text("已退出登录")
    expect(state).to_contain_text("保存在本设备上")
    page.screenshot(path=screenshot_dir / f"autosave-signed-out-{screen}.png")
    assert saved_answers() == 12

    warning.get_by_role("link", name="重新登录").click()
    log_in(page)
    expect(page.locator("h1")).to_have_text("网点每日服务自查表")
    expect(state).to_contain_text("已保存")
    expect(page.locator("#answered-count")).to_have_text("15")
    expect(page.locator(".item-card input[value=pass]:checked")).to_have_count(15)
    assert saved_answers() == 15
    page.screenshot(path=screenshot_dir / f"autosave-back-{screen}.png")
    # Seen again from the server, not from the device: a fresh load shows the 15 as well.
    page.evaluate("localStorage.clear()")
    page.reload()
    expect(page.locator(".item-card input[value=pass]:checked")).to_have_count(15)


@pytest.mark.parametrize("screen", ["phone"])
def test_answers_given_offline_are_sent_when_the_connection_is_back_and_submit_waits(
    screen, page, live_server, demo_bank, screenshot_dir
):
    open_todays_checklist(page, live_server)
    cards = page.locator(".item-card")
    state = page.locator("#save-state")
    page.context.set_offline(True)
    for index in range(3):
        pass_item(cards.nth(index))
    expect(state).to_contain_text("没有网络连接")
    page.screenshot(path=screenshot_dir / f"autosave-offline-{screen}.png")
    assert saved_answers() == 0

    # Submitting now would lose nothing either: the page says the answers are not sent yet.
    page.get_by_role("button", name="提交").click()
    expect(state).to_contain_text("检查表未提交")
    assert saved_answers() == 0

    page.context.set_offline(False)
    expect(state).to_contain_text("已保存")
    assert saved_answers() == 3
