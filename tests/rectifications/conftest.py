import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from branchservice.rectifications.services import rectification_raise
from tests.complaints.factories import ComplaintFactory

# Monday 23 November 2026, 10:00 in Shanghai: an ordinary PRC working day.
NOW = timezone.make_aware(dt.datetime(2026, 11, 23, 10, 0))


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def complaint_a(org):
    return ComplaintFactory(branch=org.a, reference="TS-A-202611-0001")


@pytest.fixture
def raise_for(now, complaint_a, outlet_user):
    """Raise a rectification for A's complaint, as A's complaint manager, owned by `owner`."""

    def make(owner=None, due=dt.date(2026, 11, 30), required_action="高峰时段增开窗口。", **kwargs):
        return rectification_raise(
            user=outlet_user,
            outlet=complaint_a.branch,
            source=complaint_a,
            source_kind="complaint",
            source_label=complaint_a.reference,
            owner=owner or outlet_user,
            required_action=required_action,
            responsible_department="运营部",
            due_date=due,
            **kwargs,
        )

    return make
