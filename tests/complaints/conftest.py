"""Complaints registered and moved through the real services, so that every test starts from a
state the workflow can actually reach."""

import datetime as dt
import importlib

import pytest
import time_machine
from django.utils import timezone

from complaints import services
from complaints.models import (
    BusinessCategory,
    BusinessChannel,
    Complaint,
    ComplaintReason,
    end_of_day,
)

# A Wednesday just before the 2026 National Day holiday (1-7 Oct off, Sat 10 Oct worked).
RECEIVED = timezone.make_aware(dt.datetime(2026, 9, 30, 10, 0))


def at(y, m, d, hh=10, mm=0):
    return timezone.make_aware(dt.datetime(y, m, d, hh, mm))


@pytest.fixture
def frozen():
    """The clock stands at 2026-09-30 16:00 Beijing time unless a test moves it."""
    with time_machine.travel(at(2026, 9, 30, 16), tick=False) as traveller:
        yield traveller


def code_lists():
    """The JR/T 0169 code lists as the data migrations seed them. A transactional test (live
    server, Celery worker) empties every table after it, the seeded lists with the rest, so a
    later one lays them again from the migrations' own tables."""
    if BusinessCategory.objects.exists():
        return
    seeded = importlib.import_module("complaints.migrations.0002_reference_data")
    jrt = importlib.import_module("complaints.migrations.0015_jrt_codes")
    names = {
        BusinessCategory: {slug: name for slug, name, _parent in seeded.CATEGORIES},
        ComplaintReason: dict(seeded.REASONS),
    }
    for model, codes in (
        (BusinessCategory, jrt.CATEGORY_CODES),
        (ComplaintReason, jrt.REASON_CODES),
    ):
        for slug, (code, parent) in codes.items():  # parents come first
            model.objects.create(
                code=code, name=names[model][slug], parent=model.objects.filter(code=parent).first()
            )
    for code, name in jrt.CHANNELS:
        BusinessChannel.objects.create(code=code, name=name)


def register(user, branch, **overrides):
    code_lists()
    data = {
        "user": user,
        "branch": branch,
        "channel": Complaint.Channel.PHONE,
        "received_at": RECEIVED,
        "customer_name": "张伟",
        "customer_phone": "13812345678",
        "description": "电话反映在网点办理转账时等候一个多小时，柜员态度冷淡。",
        "customer_request": "希望网点道歉并改进排队管理。",
        # Coded on B and C (JR/T 0169), as a reply needs (workflow._may_reply).
        "category": BusinessCategory.objects.get(code="01"),
        "reason": ComplaintReason.objects.get(code="0101"),
    }
    data.update(overrides)
    return services.complaint_register(**data)


def transferred(received_at=RECEIVED, **overrides):
    """What a regulator transfer carries (issue 14 item 6), for register(**transferred())."""
    day = timezone.localdate(received_at)
    return {
        "received_at": received_at,
        "channel": Complaint.Channel.REGULATOR,
        "regulator_body": Complaint.RegulatorBody.NFRA,
        "regulator_reference": "BJ-12378-20260928-0042",
        "regulator_received_on": day - dt.timedelta(days=2),
        "regulator_feedback_due_at": end_of_day(day + dt.timedelta(days=10)),
        **overrides,
    }


def classify(user, complaint, category_code="01", reason_code="0101"):
    """The handler codes an entry on B and C (JR/T 0169), as a reply needs: an entry the
    customer wrote online comes without them."""
    code_lists()
    complaint = Complaint.objects.get(pk=complaint.pk)
    return services.complaint_update(
        user=user,
        complaint=complaint,
        data={
            "category": BusinessCategory.objects.get(code=category_code),
            "reason": ComplaintReason.objects.get(code=reason_code),
        },
        expected_version=complaint.version,
    )


# Each status and the moves that reach it from "registered".
def _acknowledge(c, u):
    return services.complaint_acknowledge(
        user=u, complaint=c, acknowledged_at=at(2026, 9, 30, 11), estimated_reply_at=at(2026, 10, 9)
    )


def _investigate(c, u):
    return services.complaint_investigate(user=u, complaint=c, note="调阅监控，询问当班柜员。")


def _resolve(c, u):
    return services.complaint_resolve(
        user=u,
        complaint=c,
        replied_at=at(2026, 9, 30, 15),
        reply_method=Complaint.ReplyMethod.PHONE,
        reply_content="向客户解释排队原因并致歉，已增开窗口。",
        customer_accepted=True,
        founded=False,
        reply_facts="监控显示当日高峰时段仅开两个窗口。",
        reply_grounds="《网点服务规范》排队管理条款。",
    )


def _follow_up(c, u):
    return services.complaint_follow_up(
        user=u,
        complaint=c,
        followed_up_at=at(2026, 9, 30, 15, 30),
        satisfaction=Complaint.Satisfaction.SATISFIED,
        comment="客户表示满意。",
    )


PATH = {
    Complaint.Status.REGISTERED: [],
    Complaint.Status.ACKNOWLEDGED: [_acknowledge],
    Complaint.Status.INVESTIGATING: [_acknowledge, _investigate],
    Complaint.Status.RESOLVED: [_acknowledge, _investigate, _resolve],
    Complaint.Status.FOLLOWED_UP: [_acknowledge, _investigate, _resolve, _follow_up],
}


@pytest.fixture
def complaint_in(frozen, outlet_user, org):
    """complaint_in(status) → a complaint of outlet A walked to that status by its manager."""

    def _make(status, **overrides):
        complaint = register(outlet_user, org.a, **overrides)
        for step in PATH[status]:
            complaint = step(complaint, outlet_user)
        return complaint

    return _make
