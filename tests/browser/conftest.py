"""Headless Chromium, Debian's package, driven by Playwright against pytest-django's live_server.

Every test under tests/browser is marked `browser`. Screenshots go to artifacts/browser/.
"""

import datetime as dt
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect, sync_playwright

from tests.standards.conftest import WORKDAY

# Playwright's sync API keeps an asyncio event loop running in the main thread from the moment
# it starts, and Django refuses ORM calls in a thread with a running loop
# (SynchronousOnlyOperation). The tests' own code is synchronous; only the loop is there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    # CI runs as root in a container, where Chromium's sandbox cannot start.
    "--no-sandbox",
    "--disable-gpu",
    # No calls home: the CI machine has no internet, and waiting on them slows every page.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    # The smallest laptop screen at a bank's head office, and the lobby manager's tablet.
    "laptop": {"viewport": {"width": 1366, "height": 768}},
    "tablet": {
        "viewport": {"width": 1024, "height": 768},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "tablet-portrait": {
        "viewport": {"width": 820, "height": 1180},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    # The most common tablet held upright (a 9.7-inch iPad): the narrowest admin pane.
    "tablet-portrait-768": {
        "viewport": {"width": 768, "height": 1024},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
}


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing; the browser tests need Debian's Chromium and a CJK font: "
            "apt-get install -y chromium fonts-wqy-microhei"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def an_afternoon():
    """15:00 in Beijing on a working day (tests.standards.conftest.WORKDAY), the clock running,
    for the whole test and the live server's thread: a test that submits closing checks
    (tests.standards.factories.closed_for_the_day) holds at whatever hour it runs, even one
    that would straddle midnight. Data fixtures ask for it first, so their rows are made then."""
    with time_machine.travel(
        dt.datetime.combine(WORKDAY, dt.time(15, 0), tzinfo=ZoneInfo("Asia/Shanghai")), tick=True
    ):
        yield


@pytest.fixture
def screen():
    """The screen of `page`: "desktop", or another of SCREENS with
    @pytest.mark.parametrize("screen", [...])."""
    return "desktop"


@pytest.fixture
def page(browser, screen):
    """A page in a fresh browser context, as a user in mainland China sees it."""
    context = browser.new_context(**SCREENS[screen], locale="zh-CN", timezone_id="Asia/Shanghai")
    # Playwright's 30 s default makes a broken page slow to report; pages here are local.
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def admin_login(live_server):
    """Logs a user in through the admin login form of the live server; returns on the index.

    A role that must pass the second factor (TWO_FACTOR_REQUIRED_ROLES) has an authenticator
    app enrolled for it here, and its current code is typed on the code page after the
    password, as the person would (tests/browser/test_twofactor.py enrols through the page)."""

    def log_in(page, *, username: str, password: str):
        from branchservice.models import User
        from branchservice.twofactor.policy import second_factor_required
        from tests.factories import app_code, enrolled_app

        user = User.objects.get(username=username)
        device = enrolled_app(user) if second_factor_required(user) else None
        page.goto(live_server.url + reverse("admin:login"))
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(password)
        page.locator("#login-form [type=submit]").click()
        if device is not None:
            expect(page).to_have_url(re.compile(re.escape(reverse("twofactor:verify"))))
            page.locator("#id_code").fill(app_code(device))
            page.locator(".twofactor-code [type=submit]").click()
        expect(page).to_have_url(live_server.url + reverse("admin:index"))

    return log_in


@pytest.fixture
def outlet_complaint_manager(db):
    """孙丽 (username sunli, the factories' PASSWORD), complaint manager of 中关村营业网点, an
    outlet at the foot of the four levels: head office, tier-1 branch, sub-branch, outlet."""
    from django.contrib.auth.models import Group

    from branchservice.models import Branch, User
    from branchservice.roles import Role
    from tests.factories import PASSWORD

    parent = None
    names = ["示范银行总行", "北京分行", "海淀支行", "中关村营业网点"]
    for level, name in zip(Branch.Level, names, strict=True):
        parent = Branch.objects.create(code=f"Q{level}", name=name, level=level, parent=parent)
    user = User.objects.create_user(
        username="sunli", password=PASSWORD, branch=parent, is_staff=True, last_name="孙",
        first_name="丽",
    )  # fmt: skip
    user.groups.add(Group.objects.get(name=Role.COMPLAINT_MANAGER))
    return user


@pytest.fixture
def screenshot_dir() -> Path:
    path = Path(settings.BASE_DIR) / "artifacts" / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path
