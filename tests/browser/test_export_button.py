"""An export starts from its button, a POST form (finding 10 of issue 12): in a real browser the
button sends the list's filters and the CSRF token, and the file comes down."""

import datetime as dt
import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from complaints import services
from complaints.models import Complaint
from tests.factories import PASSWORD


def outlet_with_two_complaints(user):
    """A complaint by phone and one by letter at the outlet of `user`."""
    outlet = user.branch
    now = timezone.now()
    complaints = []
    for channel in (Complaint.Channel.PHONE, Complaint.Channel.LETTER):
        complaint = services.complaint_register(
            user=user, branch=outlet, channel=channel, received_at=now - dt.timedelta(hours=1),
            customer_name="张伟", customer_phone="13812345678", description="等候时间过长。",
        )  # fmt: skip
        complaints.append(complaint)
    return complaints


def test_the_export_button_posts_the_lists_filters_and_downloads_them(
    page, live_server, screenshot_dir, outlet_complaint_manager
):
    user = outlet_complaint_manager
    by_phone, by_letter = outlet_with_two_complaints(user)
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
