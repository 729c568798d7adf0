import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from branchservice.models import Branch, User
from branchservice.roles import Role

PASSWORD = "outlet-staff-2026"
BRANCH_NAMES = ["示范银行总行", "北京分行", "海淀支行", "中关村营业网点"]


def make_outlet_complaint_manager() -> User:
    parent = None
    for level, name in zip(Branch.Level, BRANCH_NAMES, strict=True):
        parent = Branch.objects.create(code=f"T{level}", name=name, level=level, parent=parent)
    user = User.objects.create_user(
        username="sunli",
        password=PASSWORD,
        branch=parent,
        is_staff=True,
        last_name="孙",
        first_name="丽",
    )
    user.groups.add(Group.objects.get(name=Role.COMPLAINT_MANAGER))
    return user


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_it_logs_an_outlet_user_in_to_the_admin_in_chinese(
    screen, page, admin_login, screenshot_dir
):
    make_outlet_complaint_manager()

    admin_login(page, username="sunli", password=PASSWORD)

    assert page.evaluate("document.documentElement.lang").startswith("zh")
    expect(page.locator("#site-name")).to_have_text("网点服务管理")
    expect(page.locator("#user-tools")).to_contain_text("欢迎")
    expect(page.locator("#user-tools strong")).to_have_text("孙丽")
    page.screenshot(path=screenshot_dir / f"admin-index-{screen}.png", full_page=True)
