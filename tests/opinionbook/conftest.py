import pytest

from branchservice.roles import Role
from opinionbook.models import OpinionBook
from tests.factories import UserFactory


@pytest.fixture
def book(org, outlet_user):
    """Outlet A's open opinion book; A's complaint manager is `outlet_user`."""
    return OpinionBook.objects.create(outlet=org.a, is_open=True)


@pytest.fixture
def head_a(org):
    """A's outlet head (网点负责人): told of every new entry at once."""
    return UserFactory(username="head_a", branch=org.a, roles=[Role.BRANCH_MANAGER])


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
