import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from servicetimes.generate import day_tickets
from servicetimes.models import Teller, TransactionType

DAY = dt.date(2026, 11, 2)  # a Monday
TELLERS = ["G001", "G002", "G003", "G004"]


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tellers(org):
    return [
        Teller.objects.create(branch=org.a, code=code, name=f"柜员{n}")
        for n, code in enumerate(TELLERS, start=1)
    ]


def type_pairs():
    return [
        (kind.name, kind.standards.get().handling_seconds)
        for kind in TransactionType.objects.order_by("group__position", "position")
    ]


def log_rows(day=DAY, customers=40, slow=("G004",)):
    return day_tickets(
        outlet_code="A", day=day, types=type_pairs(), tellers=TELLERS, slow=slow,
        customers=customers,
    )  # fmt: skip


def upload(data: bytes, name="queue.csv"):
    return SimpleUploadedFile(name, data, content_type="text/csv")
