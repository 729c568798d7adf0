import pytest

from complaints import services as complaints
from opinionbook.models import OpinionBook
from tests.complaints.conftest import classify


@pytest.fixture
def book(org, outlet_user):
    """Outlet A's open opinion book; A's complaint manager is `outlet_user`."""
    return OpinionBook.objects.create(outlet=org.a, is_open=True)


def entry_data(**overrides):
    data = {
        "kind": "complaint",
        "description": "今天上午在2号窗口办理转账，排队一个多小时，柜员态度冷淡。",
        "customer_request": "希望改进排队管理。",
        "wants_reply": "on",
        "customer_name": "张伟",
        "customer_phone": "13812345678",
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def reply_to(entry, user, now):
    """The handler acknowledges, investigates, codes and replies, through the services."""
    complaints.complaint_acknowledge(
        user=user, complaint=entry, acknowledged_at=now, estimated_reply_at=entry.reply_due_at,
        now=now,
    )  # fmt: skip
    complaints.complaint_investigate(user=user, complaint=entry, now=now)
    entry = classify(user, entry)
    return complaints.complaint_resolve(
        user=user, complaint=entry, replied_at=now, reply_method="phone",
        reply_content="已致歉并调整排队管理。", customer_accepted=True, founded=True,
        reply_facts="排队时间约四十分钟", reply_grounds="服务规范第三条", now=now,
    )  # fmt: skip
