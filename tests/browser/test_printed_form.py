"""The complaint handling form under the admin's real content security policy: Chromium
applies its layout and its print button works, and reports no refused inline code."""

import io

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from branchservice import demo as org_demo
from branchservice.models import Branch, User
from branchservice.roles import sync_role_permissions
from tests.complaints.conftest import register


@pytest.fixture
def complaint(transactional_db):
    sync_role_permissions()
    org_demo.seed(io.StringIO())
    clerk = User.objects.get(username="complaint_manager")
    return register(clerk, Branch.objects.get(code="BJ0101"))


def test_the_handling_form_prints_under_the_policy(page, live_server, admin_login, complaint):
    refused = []
    page.on("console", lambda msg: refused.append(msg.text) if "Refused" in msg.text else None)
    # Counts calls of window.print instead of opening the print dialog (an init script is
    # injected by the browser itself, not subject to the page's policy).
    page.add_init_script("window.printed = 0; window.print = () => { window.printed += 1; };")
    admin_login(page, username="complaint_manager", password=org_demo.DEMO_PASSWORD)
    page.goto(live_server.url + reverse("admin:complaints_complaint_print", args=[complaint.pk]))
    expect(page.locator("h1")).to_have_css("text-align", "center")
    page.locator("#print-form").click()
    assert page.evaluate("window.printed") == 1
    assert refused == []
