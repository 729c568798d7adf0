"""The outlet head reviews a submitted checklist in the admin: the review link is on screen in
the list, the review page shows the failure first, with its photo and a player for its audio
note, and the failure's
rectification is raised with the sign-off on that page."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from branchservice import demo as org_demo
from branchservice.models import Branch, User
from branchservice.roles import sync_role_permissions
from standards.catalogue import seed_catalogue
from standards.services import AnswerInput, checklist_start, checklist_submit
from tests.standards.factories import closed_for_the_day, png_photo, wav_note

FAILED_ITEM = "照明、空调、电子显示屏工作正常"


@pytest.fixture
def submitted(transactional_db, an_afternoon):
    sync_role_permissions()
    org_demo.seed(io.StringIO())
    daily, _mystery = seed_catalogue()
    closed_for_the_day()
    lobby = User.objects.get(username="lobby_manager")
    checklist = checklist_start(
        branch=Branch.objects.get(code="BJ0101"),
        template=daily,
        business_date=timezone.localdate(),
        by=lobby,
    )
    answers = {}
    for item in checklist.template_version.items.all():
        if item.text == FAILED_ITEM:
            answers[item.pk] = AnswerInput(
                result="fail", comment="大厅 3 号灯管不亮", photo=png_photo(), audio=wav_note()
            )
        elif item.answer_type == "score":
            answers[item.pk] = AnswerInput(score=item.max_score)
        else:
            answers[item.pk] = AnswerInput(result="pass")
    checklist_submit(checklist=checklist, answers=answers, by=lobby, revision=1)
    return checklist


@pytest.mark.parametrize("screen", ["laptop", "tablet"])
def test_the_review_page_shows_the_failure_first_with_its_photo(
    screen, page, live_server, admin_login, submitted, screenshot_dir
):
    admin_login(page, username="branch_manager", password=org_demo.DEMO_PASSWORD)
    page.goto(live_server.url + reverse("admin:standards_checklist_changelist"))
    link = page.get_by_role("link", name="审核", exact=True)
    expect(link).to_be_in_viewport()
    box = link.bounding_box()
    assert box["x"] + box["width"] <= page.viewport_size["width"]
    page.screenshot(path=screenshot_dir / f"review-list-{screen}.png")

    link.click()
    first = page.locator("#failed-items tbody tr").first
    expect(first).to_contain_text(FAILED_ITEM)
    expect(first).to_contain_text("大厅 3 号灯管不亮")
    expect(first.locator(".review-mark")).to_have_text("✗ 不合格")
    thumb = first.locator(".photo-thumb img")
    expect(thumb).to_be_visible()
    # The photo itself loads (a thumbnail of the 160 px wide test photo), not a broken image.
    page.wait_for_function("(img) => img.naturalWidth === 160", arg=thumb.element_handle())
    # Beside it, the audio note's player, which loads the one-second recording when asked.
    player = first.locator("audio.review-audio")
    expect(player).to_be_visible()
    player.evaluate("(audio) => audio.load()")
    page.wait_for_function("(audio) => audio.duration > 0.9", arg=player.element_handle())
    # Passed items are folded away, and marked with a tick when unfolded.
    passed = page.locator("#passed-items")
    expect(passed.locator("tr").first).to_be_hidden()
    page.screenshot(path=screenshot_dir / f"review-page-{screen}.png")
    passed.locator("summary").click()
    expect(passed.locator(".review-mark").first).to_have_text("✓ 合格")

    thumb.click()
    dialog = page.locator("#photo-dialog")
    expect(dialog).to_be_visible()
    large = dialog.locator("img")
    expect(large).to_be_visible()
    assert large.bounding_box()["width"] > 300
    page.screenshot(path=screenshot_dir / f"review-photo-{screen}.png")
    dialog.get_by_role("button", name="关闭").click()
    expect(dialog).to_be_hidden()

    # Sign-off and the rectification from the same page: tick the failure, sign off, and the
    # page comes back with the failure's rectification in place of the box.
    first.get_by_label("发起整改").check()
    page.get_by_role("button", name="审核确认").click()
    expect(page.locator(".review-summary")).to_contain_text("已审核")
    first = page.locator("#failed-items tbody tr").first
    expect(first.locator(".review-action")).to_contain_text("待整改")
    expect(first.get_by_label("发起整改")).to_have_count(0)
    page.screenshot(path=screenshot_dir / f"review-signed-off-{screen}.png")
