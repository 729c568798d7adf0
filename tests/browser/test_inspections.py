"""A mystery-shopper visit on the tablet (issue 16 item 4): the inspector starts it for an
outlet from head office; the outlet's lobby manager is not offered it and is refused it. The
outside firm's inspector fills one at an outlet the firm is engaged for, and opens no other
outlet's checklists."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from branchservice import demo as org_demo
from branchservice.models import Branch, User
from branchservice.roles import sync_role_permissions
from standards.catalogue import seed_catalogue
from standards.models import Checklist
from standards.services import checklist_start

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


@pytest.mark.parametrize("screen", ["tablet"])
def test_the_outside_firms_inspector_fills_a_visit_where_engaged_and_opens_no_other_checklist(
    screen, page, live_server, demo_bank, screenshot_dir
):
    daily, mystery = demo_bank
    today = timezone.localdate()
    engaged, other = Branch.objects.get(code="BJ0201"), Branch.objects.get(code="BJ0101")
    # Under way today: the engaged outlet's own daily check (none of the firm's business),
    # and at an outlet it is not hired for, the daily check and the bank's own visit.
    own_staff = User.objects.filter(branch=engaged, groups__name="lobby_manager").first()
    others = [
        checklist_start(branch=engaged, template=daily, business_date=today, by=own_staff),
        checklist_start(
            branch=other,
            template=daily,
            business_date=today,
            by=User.objects.get(username="lobby_manager"),
        ),
        checklist_start(
            branch=other,
            template=mystery,
            business_date=today,
            by=User.objects.get(username="inspector"),
        ),
    ]

    sign_in(page, live_server, "firm_inspector")
    # Offered the two outlets the firm is engaged for, nothing else.
    expect(page.get_by_role("link", name="国贸营业网点")).to_be_visible()
    expect(page.get_by_role("link", name="陆家嘴营业网点")).to_be_visible()
    expect(page.get_by_role("link", name="中关村营业网点")).to_have_count(0)
    page.get_by_role("link", name="国贸营业网点").click()
    expect(page.get_by_role("button", name="网点每日服务自查表")).to_have_count(0)
    page.get_by_role("button", name=VISIT).click()
    expect(page.locator("h1")).to_have_text(VISIT)

    # Every item scored in full but the farewell, which was not heard.
    cards = page.locator(".item-card")
    for index in range(cards.count()):
        card = cards.nth(index)
        if "离开时有送别" in card.locator(".item-text").inner_text():
            card.locator(".answer-buttons label").first.click()  # 0
            card.locator("textarea").fill("离开时未听到送别语")
        else:
            card.locator(".answer-buttons label").last.click()  # the item's full score
    expect(page.locator("#answered-count")).to_have_text(str(cards.count()))
    page.screenshot(path=screenshot_dir / f"firm-visit-filled-{screen}.png", full_page=True)
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".alert-success")).to_contain_text("检查表已提交")
    expect(page.locator("body")).to_contain_text("1 项不合格")
    page.screenshot(path=screenshot_dir / f"firm-visit-submitted-{screen}.png")

    visit = Checklist.objects.get(branch=engaged, template=mystery)
    assert (visit.status, visit.submitted_by.username) == ("submitted", "firm_inspector")
    assert visit.answers.get(failed=True).comment == "离开时未听到送别语"

    # Neither the other outlet nor any checklist but its own visit opens.
    for address in [
        reverse("standards:outlet", args=[other.pk]),
        *(reverse("standards:checklist", args=[checklist.pk]) for checklist in others),
    ]:
        assert page.goto(live_server.url + address).status == 404, address
    page.screenshot(path=screenshot_dir / f"firm-visit-refused-{screen}.png")
