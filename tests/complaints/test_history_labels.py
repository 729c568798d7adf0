"""The history pages read as the change page does (issue 15 item 5): field names, choice
labels and yes/no in the user's language, "—" for nothing, not codes or `None`."""

import datetime as dt
import html as entities
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Complaint


@pytest.fixture
def investigated(outlet_user):
    now = timezone.now()
    complaint = services.complaint_register(
        user=outlet_user, branch=outlet_user.branch, channel=Complaint.Channel.PHONE,
        received_at=now - dt.timedelta(hours=2), customer_name="张伟",
        customer_phone="13812345678", description="柜员态度冷淡。",
    )  # fmt: skip
    complaint = services.complaint_acknowledge(
        user=outlet_user, complaint=complaint, acknowledged_at=now - dt.timedelta(hours=1),
        estimated_reply_at=now + dt.timedelta(days=1),
    )  # fmt: skip
    return services.complaint_investigate(user=outlet_user, complaint=complaint)


def changes(html: str) -> str:
    """The text of the history list's "Changes" cells."""
    cells = re.findall(r"<ul>(.*?)</ul>", html, flags=re.S)
    return " ".join(entities.unescape(re.sub(r"<[^>]+>", " ", " ".join(cells))).split())


@pytest.mark.parametrize("reader", ["outlet_user", "auditor"])
def test_the_history_shows_labels_not_codes(reader, investigated, request, login):
    # The handler reads it unmasked, the auditor masked: both through the labels.
    client = login(request.getfixturevalue(reader))
    response = client.get(reverse("admin:complaints_complaint_history", args=[investigated.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    text = changes(html)
    assert "状态: 已受理确认 → 调查中" in text
    assert "investigating" not in text and "acknowledged" not in text
    assert "None" not in text and "pk=None" not in text
    assert "变更内容" in html  # the column's header, not "Changes"
    assert ">None<" not in re.sub(r"\s+", "", html)  # no reason given: "—"
