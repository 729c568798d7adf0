import pytest

from opinionbook.models import OpinionBook


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
