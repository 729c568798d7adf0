"""Finding 7: numbers typed into free text were shown to auditors in clear.

Customers dictate their phone, ID and card numbers, and staff type them into what happened,
what the customer asks for, and who was complained about. The export masked them; the
admin's change page and history did not.
"""

import pytest
from django.urls import reverse

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
