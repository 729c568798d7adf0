"""An export starts from its button, a POST form (finding 10 of issue 12): in a real browser the
button sends the list's filters and the CSRF token, and the file comes down."""

import datetime as dt
import io

from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from branchservice.models import Branch, User
from branchservice.roles import Role
from complaints import services
from complaints.models import Complaint

PASSWORD = "outlet-staff-2026"
BRANCH_NAMES = ["示范银行总行", "北京分行", "海淀支行", "中关村营业网点"]


def outlet_with_two_complaints():
    parent = None
    for level, name in zip(Branch.Level, BRANCH_NAMES, strict=True):
        parent = Branch.objects.create(code=f"X{level}", name=name, level=level, parent=parent)
    user = User.objects.create_user(
        username="sunli", password=PASSWORD, branch=parent, is_staff=True, last_name="孙",
        first_name="丽",
    )  # fmt: skip
    user.groups.add(Group.objects.get(name=Role.COMPLAINT_MANAGER))
    now = timezone.now()
    complaints = []
    for channel in (Complaint.Channel.PHONE, Complaint.Channel.LETTER):
        complaint = services.complaint_register(
            user=user, branch=parent, channel=channel, received_at=now - dt.timedelta(hours=1),
            customer_name="张伟", customer_phone="13812345678", description="等候时间过长。",
        )  # fmt: skip
        complaints.append(complaint)
    return user, complaints


def test_the_export_button_posts_the_lists_filters_and_downloads_them(
    page, live_server, screenshot_dir
):
    user, (by_phone, by_letter) = outlet_with_two_complaints()
    page.goto(live_server.url + reverse("admin:login"))
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()
    page.wait_for_load_state()
    page.goto(
        live_server.url
        + reverse("admin:complaints_complaint_changelist")
        + f"?channel__exact={Complaint.Channel.PHONE}"
    )
    button = page.locator(".object-tools form.export-form button")
    page.screenshot(path=screenshot_dir / "export-button.png")
    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    # Playwright stores it without a name; openpyxl goes by the name unless given a file.
    workbook = load_workbook(io.BytesIO(download.path().read_bytes()), read_only=True)
    cells = {cell for row in workbook.active.iter_rows(values_only=True) for cell in row}
    assert by_phone.reference in cells
    assert by_letter.reference not in cells
