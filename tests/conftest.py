"""The shared cast of every test: a small bank and fixed people in it.

    HQ (head office)
    └── T1 (tier-1 branch)
        ├── S1 (sub-branch)  ── outlet A, outlet A2
        └── S2 (sub-branch)  ── outlet B

People: `outlet_user` works at A (the complaint manager), `manager` heads S1 (A's
sub-branch), `outsider` works at B, `auditor` audits S1, `hq` is the head-office service
department. Every permission test uses them.
"""

import pytest

from branchservice.models import Branch
from branchservice.roles import Role
from branchservice.twofactor.policy import second_factor_required
from tests.factories import PASSWORD, BranchFactory, UserFactory, pass_second_factor


@pytest.fixture(autouse=True)
def _fresh_cache():
    """A rolled-back test leaves its cached rows (calendar overrides, say) behind: forget them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org(db):
    hq = BranchFactory(code="HQ", name="总行", level=Branch.Level.HEAD_OFFICE)
    t1 = BranchFactory(code="T1", name="北京分行", level=Branch.Level.TIER1_BRANCH, parent=hq)
    s1 = BranchFactory(code="S1", name="海淀支行", level=Branch.Level.SUB_BRANCH, parent=t1)
    s2 = BranchFactory(code="S2", name="朝阳支行", level=Branch.Level.SUB_BRANCH, parent=t1)
    a = BranchFactory(code="A", name="中关村网点", level=Branch.Level.OUTLET, parent=s1)
    a2 = BranchFactory(code="A2", name="五道口网点", level=Branch.Level.OUTLET, parent=s1)
    b = BranchFactory(code="B", name="国贸网点", level=Branch.Level.OUTLET, parent=s2)
    return type("Org", (), {"hq": hq, "t1": t1, "s1": s1, "s2": s2, "a": a, "a2": a2, "b": b})


@pytest.fixture
def outlet_user(org):
    return UserFactory(username="cm_a", branch=org.a, roles=[Role.COMPLAINT_MANAGER])


@pytest.fixture
def lobby_user(org):
    return UserFactory(username="lm_a", branch=org.a, roles=[Role.LOBBY_MANAGER], is_staff=False)


@pytest.fixture
def manager(org):
    return UserFactory(username="mgr_s1", branch=org.s1, roles=[Role.BRANCH_MANAGER])


@pytest.fixture
def head_a(org):
    """A's outlet head (网点负责人): a branch manager at the outlet."""
    return UserFactory(username="head_a", branch=org.a, roles=[Role.BRANCH_MANAGER])


@pytest.fixture
def outsider(org):
    return UserFactory(username="cm_b", branch=org.b, roles=[Role.COMPLAINT_MANAGER])


@pytest.fixture
def auditor(org):
    return UserFactory(username="audit_s1", branch=org.s1, roles=[Role.AUDITOR])


@pytest.fixture
def hq(org):
    return UserFactory(username="hq_service", branch=org.hq, roles=[Role.HQ_SERVICE])


@pytest.fixture
def login(client):
    """Log `user` into the test client and return the client: with the password, and for the
    roles that need one, the second factor (an app enrolled for them, its current code)."""

    def _login(user):
        assert client.login(username=user.username, password=PASSWORD)
        if second_factor_required(user):
            pass_second_factor(client, user)
        return client

    return _login


@pytest.fixture
def broker_down():
    """The real Celery app pointed at a port where nothing listens: publishing fails.

    Tests using it need `django_db(transaction=True)`, so that on_commit runs when the view's
    transaction commits, as in production.
    """
    from branchservice.celery import app as celery_app

    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url")}

    def forget_connections():
        # close() drops the connection pool but not the producer pool, which keeps the
        # connection of the first publish: after an earlier test had published to the real
        # broker, this one published there too, and passed or failed on whether a Redis was
        # listening (a developer's `make run` beside `make test` made it fail).
        celery_app.close()
        celery_app.amqp._producer_pool = None

    forget_connections()
    celery_app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:9/0")
    yield
    # Drop the pools made for the dead URL, then bring the real settings back.
    forget_connections()
    celery_app.conf.update(saved)
