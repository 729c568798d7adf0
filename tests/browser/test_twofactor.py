"""The second factor in the browser: a branch manager enrols an authenticator app from the QR
code page and signs in again with a generated code (django-otp's TOTP with the key the page
shows, as a phone computes it)."""

import base64
import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from branchservice.models import Branch
from branchservice.roles import Role
from tests.factories import PASSWORD, BranchFactory, UserFactory, app_code


@pytest.fixture
def branch_manager(db):
    hq = BranchFactory(code="HQ", name="示范银行总行", level=Branch.Level.HEAD_OFFICE)
    t1 = BranchFactory(code="T1", name="北京分行", level=Branch.Level.TIER1_BRANCH, parent=hq)
    s1 = BranchFactory(code="S1", name="海淀支行", level=Branch.Level.SUB_BRANCH, parent=t1)
    return UserFactory(
        username="zhangwei", last_name="张", first_name="伟", branch=s1,
        roles=[Role.BRANCH_MANAGER],
    )  # fmt: skip


def sign_in_with_password(page, live_server):
    page.goto(live_server.url + reverse("admin:login"))
    page.locator("#id_username").fill("zhangwei")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()


@pytest.mark.parametrize("screen", ["laptop", "tablet"])
def test_a_branch_manager_enrols_with_the_qr_code_and_signs_in_with_a_code(
    screen, page, live_server, branch_manager, screenshot_dir
):
    sign_in_with_password(page, live_server)
    expect(page).to_have_url(re.compile(re.escape(reverse("twofactor:enrol"))))
    expect(page.locator("#content h1")).to_have_text("设置动态验证码")
    qr = page.locator(".twofactor-qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 150 and box["height"] >= 150, "too small to scan from a screen"
    # Nothing of the portal before the code: no bell, no report centre, no sidebar of apps.
    expect(page.locator("#user-tools")).not_to_contain_text("统计报表")
    expect(page.locator("#nav-sidebar")).to_have_count(0)
    page.screenshot(path=screenshot_dir / f"twofactor-enrol-{screen}.png", full_page=True)

    # The phone: the key under the QR code, and the code it computes from it.
    key = base64.b32decode(page.locator("#totp-secret").inner_text().replace(" ", ""))
    device = TOTPDevice.objects.get(user=branch_manager)
    assert device.bin_key == key
    page.locator("#id_code").fill(app_code(device))
    page.locator(".twofactor-code [type=submit]").click()

    codes = page.locator("#backup-codes li")
    expect(codes).to_have_count(10)
    page.screenshot(path=screenshot_dir / f"twofactor-backup-codes-{screen}.png", full_page=True)
    page.get_by_role("link", name="我已保存，继续").click()
    expect(page).to_have_url(live_server.url + reverse("admin:index"))

    page.locator("#logout-form button").click()
    sign_in_with_password(page, live_server)
    expect(page).to_have_url(re.compile(re.escape(reverse("twofactor:verify"))))
    expect(page.locator("#content h1")).to_have_text("动态验证码")
    page.screenshot(path=screenshot_dir / f"twofactor-verify-{screen}.png", full_page=True)
    page.locator("#id_code").fill("000000" if app_code(device) != "000000" else "111111")
    page.locator(".twofactor-code [type=submit]").click()
    expect(page.locator(".errorlist, .errornote")).to_contain_text("验证码不正确")
    expect(page).to_have_url(re.compile(re.escape(reverse("twofactor:verify"))))
    page.screenshot(path=screenshot_dir / f"twofactor-wrong-code-{screen}.png", full_page=True)
    # The next try waits a second after a wrong code (django-otp's throttle).
    page.wait_for_timeout(1100)
    page.locator("#id_code").fill(app_code(device))
    page.locator(".twofactor-code [type=submit]").click()
    expect(page).to_have_url(live_server.url + reverse("admin:index"))
