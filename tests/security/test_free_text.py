"""Finding 7: numbers typed into free text were shown to auditors in clear.

Customers dictate their phone, ID and card numbers, and staff type them into what happened,
what the customer asks for, and who was complained about. The export masked them; the
admin's change page and history did not, nor the timeline or the print-out: every text
field of the rows those pages show is masked now (pii.masked_free_text). Mails carry a
complaint's reference and dates only, never its text.
"""

import re

import pytest
from django.db import models
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, Move, Pause
from tests.complaints.factories import ComplaintFactory

CLEAR = ["13812345678", "11010119900307803X", "6222020200112233445"]
TEXT = "客户手机13812345678，身份证11010119900307803X，卡号6222020200112233445，柜台办理超时。"


@pytest.fixture
def complaint(org):
    complaint = ComplaintFactory(branch=org.a, description="等候时间过长。")
    complaint.description = TEXT
    complaint.customer_request = f"请回电 {CLEAR[0]}"
    complaint.save()  # a second version, so the history shows the change
    return complaint


def pages(complaint):
    return [
        reverse("admin:complaints_complaint_change", args=[complaint.pk]),
        reverse("admin:complaints_complaint_history", args=[complaint.pk]),
    ]


def test_an_auditor_sees_free_text_with_numbers_masked(complaint, auditor, login):
    client = login(auditor)
    for url in pages(complaint):
        page = client.get(url).content.decode()
        assert complaint.reference in page
        for number in CLEAR:
            assert number not in page, (url, number)
    assert "138****5678" in client.get(pages(complaint)[0]).content.decode()


def test_the_complaint_manager_sees_them_in_clear(complaint, outlet_user, login):
    page = login(outlet_user).get(pages(complaint)[0]).content.decode()
    assert "13812345678" in page


@pytest.fixture
def everything_typed(org, outlet_user):
    """A complaint under investigation with a number in every text anyone typed: its own
    fields (edited once, so that the history has a change to show), the timeline, notices to
    the customer, contact attempts and a pause."""
    complaint = ComplaintFactory(branch=org.a, description="等候时间过长。")
    numbers = iter(f"1390000{n:04d}" for n in range(1000))
    for field in Complaint._meta.concrete_fields:
        if isinstance(field, models.TextField):
            setattr(complaint, field.name, f"记录 {next(numbers)}")
    complaint.status = Complaint.Status.INVESTIGATING
    complaint.save()
    now = timezone.now()
    told = {"method": Complaint.ReplyMethod.PHONE, "told_at": now, "recorded_by": outlet_user}
    complaint.events.create(action=Move.NOTE, actor=outlet_user, note=f"回电 {next(numbers)}")
    complaint.notices.create(subject="acknowledgement", note=f"已告知 {next(numbers)}", **told)
    complaint.contact_attempts.create(
        at=now, method=Complaint.ReplyMethod.PHONE, by=outlet_user, note=f"未接 {next(numbers)}"
    )
    complaint.pauses.create(
        reason=Pause.Reason.choices[0][0],
        note=f"客户 {next(numbers)}",
        started_at=now,
        started_by=outlet_user,
    )
    return complaint


def every_page(complaint):
    return [
        reverse("admin:complaints_complaint_change", args=[complaint.pk]),
        reverse("admin:complaints_complaint_history", args=[complaint.pk]),
        reverse("admin:complaints_complaint_print", args=[complaint.pk]),
    ]


TYPED = re.compile(r"1390000\d{4}")


def test_numbers_in_every_typed_text_are_masked_for_the_auditor(everything_typed, auditor, login):
    client = login(auditor)
    for url in every_page(everything_typed):
        response = client.get(url)
        assert response.status_code == 200, url
        assert TYPED.findall(response.content.decode()) == [], url


def test_the_handler_still_reads_them_in_clear(everything_typed, outlet_user, login):
    complaint = everything_typed
    page = login(outlet_user).get(pages(complaint)[0]).content.decode()
    assert len(set(TYPED.findall(page))) >= 4  # the timeline, notices, attempts, pause
    complaint.refresh_from_db()
    assert TYPED.fullmatch(complaint.description.split()[-1])  # nothing was saved masked
