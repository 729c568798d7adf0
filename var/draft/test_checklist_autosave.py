"""Issue 16 in the browser: no answer lost when the session ends on the floor, a stale tab's
answers shown and kept on purpose, "all pass" per section, the place on the page kept."""

import io

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from playwright.sync_api import expect

from branchservice import demo as org_demo
from branchservice.roles import sync_role_permissions
from standards.catalogue import seed_catalogue
from standards.models import Checklist, ChecklistAnswer


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


@pytest.mark.parametrize("screen", ["tablet-portrait"])
def test_all_pass_answers_a_section_in_one_tap_and_keeps_the_exceptions(
    screen, page, live_server, demo_bank, screenshot_dir
):
    open_todays_checklist(page, live_server)
    section = page.locator("section[data-section]").first
    section_cards = section.locator(".item-card[data-kind=pass_fail]")
    count = section_cards.count()
    assert count >= 3
    exception = section_cards.nth(1)
    exception.locator("label", has_text="不合格").click()
    exception.locator("textarea").fill("宣传折页缺货")
    section.get_by_role("button", name="全部合格").click()
    expect(page.locator("#save-state")).to_contain_text("已保存")
    expect(section.locator("input[value=pass]:checked")).to_have_count(count - 1)
    expect(exception.locator("input[value=fail]")).to_be_checked()
    page.screenshot(path=screenshot_dir / f"all-pass-{screen}.png")
    checklist = Checklist.objects.get()
    answers = ChecklistAnswer.objects.filter(checklist=checklist)
    assert answers.filter(result="pass").count() == count - 1
    assert answers.get(result="fail").comment == "宣传折页缺货"
    # Nothing else on the page was answered for the user.
    assert answers.count() == count


@pytest.mark.parametrize("screen", ["tablet-portrait"])
def test_a_stale_tab_is_refused_shows_its_answers_and_overwrites_only_on_purpose(
    screen, page, live_server, demo_bank, screenshot_dir
):
    open_todays_checklist(page, live_server)
    other = page.context.new_page()
    other.goto(page.url)
    page.locator(".item-card").nth(0).locator("label", has_text="合格").first.click()
    expect(page.locator("#save-state")).to_contain_text("已保存")

    stale = other.locator(".item-card").nth(1)
    stale.locator("label", has_text="不适用").click()
    panel = other.locator("#queue-panel")
    expect(panel).to_contain_text("在其他设备或页面上保存过")
    expect(panel.locator(".queued-answers")).to_contain_text("不适用")
    other.screenshot(path=screenshot_dir / f"stale-tab-{screen}.png")
    assert ChecklistAnswer.objects.count() == 1

    panel.get_by_role("button", name="用我的答案覆盖").click()
    expect(other.locator("#save-state")).to_contain_text("已保存")
    expect(panel).to_be_hidden()
    assert set(ChecklistAnswer.objects.values_list("result", flat=True)) == {"pass", "na"}


@pytest.mark.parametrize("screen", ["phone"])
def test_the_page_keeps_its_place_after_a_save_and_a_refused_submit_goes_to_the_problem(
    screen, page, live_server, demo_bank
):
    open_todays_checklist(page, live_server)
    cards = page.locator(".item-card")
    middle = cards.nth(20)
    middle.scroll_into_view_if_needed()
    before = page.evaluate("window.scrollY")
    assert before > 1000
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".alert-success")).to_contain_text("草稿")
    assert abs(page.evaluate("window.scrollY") - before) < 50

    failing = cards.nth(30)
    failing.locator("label", has_text="不合格").click()
    expect(page.locator("#save-state")).to_contain_text("已保存")
    page.evaluate("window.scrollTo(0, 0)")
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".alert-danger")).to_contain_text("尚未提交")
    # The first item needing attention is on screen, not the top of the form.
    expect(page.locator(".item-card.border-danger").first).to_be_in_viewport()
