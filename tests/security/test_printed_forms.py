"""The printed forms (客户投诉处理单, 整改通知单) live under the admin's content security
policy, which forbids inline scripts, event handlers and <style> blocks: their layout and
print button come from static files, or the browser would drop them."""

import datetime as dt
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from branchservice.rectifications.models import Rectification
from complaints.models import Move
from tests.complaints.factories import ComplaintFactory

INLINE = [
    re.compile(r"<style", re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),  # onclick=, onload=...
    re.compile(r"\sstyle\s*=", re.I),
    re.compile(r"<script(?![^>]*\ssrc=)", re.I),  # a script without src is inline code
]


@pytest.fixture
def printed(org, outlet_user):
    complaint = ComplaintFactory(branch=org.a)
    complaint.events.create(action=Move.NOTE, actor=outlet_user, note="已回电客户。")
    notice = Rectification.objects.create(
        outlet=org.a, source=complaint, source_kind="complaint", source_label=complaint.reference,
        owner=outlet_user, responsible_department="营业部", required_action="增开窗口",
        due_date=dt.date(2030, 1, 1), raised_by=outlet_user,
    )  # fmt: skip
    return [
        reverse("admin:complaints_complaint_print", args=[complaint.pk]),
        reverse("admin:rectifications_rectification_print", args=[notice.pk]),
    ]


def test_the_printed_forms_have_no_inline_code_or_style(printed, outlet_user, login):
    client = login(outlet_user)
    for url in printed:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        for pattern in INLINE:
            assert not pattern.search(page), (url, pattern.pattern)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        # What the page links instead is there to be served.
        for asset in ("css/printed_form.css", "js/printed_form.js"):
            assert f"/static/{asset}" in page and finders.find(asset), (url, asset)
