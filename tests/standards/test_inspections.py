"""Mystery-shopper visits and inspections are independent of the outlet they judge (issue 16
item 4): filled by an inspector from outside the outlet and its sub-branch, reopened only from
the inspector's level, and not shown to the outlet while they are under way."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from branchservice.models import User
from branchservice.roles import Role
from standards.models import Checklist
from standards.services import checklist_reopen, checklist_start, checklist_submit
from tests.factories import UserFactory, firm_inspector
from tests.standards.conftest import all_pass

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspector(org):
    """An inspector of the tier-1 branch: every outlet under it is theirs to visit."""
    return UserFactory(username="insp_t1", branch=org.t1, roles=[Role.INSPECTOR], is_staff=False)


@pytest.fixture
def visit(catalogue, org, inspector, on_workday):
    return checklist_start(
        branch=org.a, template=catalogue.mystery, business_date=on_workday, by=inspector
    )


def submitted(checklist, by):
    return checklist_submit(
        checklist=checklist, answers=all_pass(checklist), by=by, revision=checklist.revision
    )


def test_the_outlets_lobby_manager_is_refused_a_mystery_shopper_visit_in_chinese(
    catalogue, org, lobby_user, on_workday
):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        checklist_start(
            branch=org.a, template=catalogue.mystery, business_date=on_workday, by=lobby_user
        )
    assert "检查员" in refused.value.messages[0]
    assert not Checklist.objects.exists()


def test_an_inspector_of_the_sub_branch_is_refused_its_own_outlets_but_visits_others(
    catalogue, org, on_workday
):
    own = UserFactory(username="insp_s1", branch=org.s1, roles=[Role.INSPECTOR])
    with pytest.raises(ValidationError):
        checklist_start(branch=org.a, template=catalogue.mystery, business_date=on_workday, by=own)
    # An inspector at head office visits any outlet; the sub-branch's own one none of its own.
    hq_inspector = UserFactory(username="insp_hq", branch=org.hq, roles=[Role.INSPECTOR])
    visit = checklist_start(
        branch=org.a, template=catalogue.mystery, business_date=on_workday, by=hq_inspector
    )
    assert visit.created_by == hq_inspector


def test_a_daily_self_check_stays_the_outlets_own(catalogue, org, lobby_user, on_workday):
    daily = checklist_start(
        branch=org.a, template=catalogue.daily, business_date=on_workday, by=lobby_user
    )
    assert daily.created_by == lobby_user


def test_answers_to_a_visit_from_the_outlet_are_refused(visit, lobby_user):
    with pytest.raises(ValidationError):
        submitted(visit, lobby_user)
    visit.refresh_from_db()
    assert visit.status == Checklist.Status.DRAFT


def test_only_the_inspectors_level_reopens_a_visit(visit, inspector, head_a, manager, hq):
    submitted(visit, inspector)
    for outlet_side in (head_a, manager):  # the outlet head, the sub-branch's manager
        with pytest.raises(ValidationError, match="检查员所在机构"):
            checklist_reopen(checklist=visit, by=outlet_side, reason="评分有误")
        visit.refresh_from_db()
        assert visit.status == Checklist.Status.SUBMITTED
    tier1_manager = UserFactory(username="mgr_t1", branch=visit.branch.parent.parent,
                                roles=[Role.BRANCH_MANAGER])  # fmt: skip
    checklist_reopen(checklist=visit, by=tier1_manager, reason="评分有误")
    assert visit.status == Checklist.Status.REOPENED
    submitted(visit, inspector)
    checklist_reopen(checklist=visit, by=hq, reason="复核")
    assert visit.status == Checklist.Status.REOPENED


def test_the_outlet_page_offers_the_visit_to_the_inspector_only(
    catalogue, org, lobby_user, inspector, login, on_workday
):
    start = reverse("standards:start", args=[org.a.pk, catalogue.mystery.pk])
    daily = reverse("standards:start", args=[org.a.pk, catalogue.daily.pk])
    page = login(lobby_user).get(reverse("standards:outlet", args=[org.a.pk])).content.decode()
    assert daily in page and start not in page
    page = login(inspector).get(reverse("standards:outlet", args=[org.a.pk])).content.decode()
    assert start in page


def test_a_visit_under_way_is_hidden_from_the_outlet_and_shown_once_submitted(
    visit, inspector, lobby_user, login
):
    url = reverse("standards:checklist", args=[visit.pk])
    client = login(lobby_user)
    assert client.get(url).status_code == 404
    submitted(visit, inspector)
    assert client.get(url).status_code == 200


def test_the_outlet_heads_admin_list_shows_the_visit_only_once_submitted(
    visit, inspector, head_a, hq, login
):
    changelist = reverse("admin:standards_checklist_changelist")
    change = reverse("admin:standards_checklist_change", args=[visit.pk])
    client = login(head_a)
    assert str(visit.branch) not in client.get(changelist).content.decode()
    assert client.get(change).status_code in (302, 404)
    assert login(hq).get(change).status_code == 200  # head office follows it under way
    submitted(visit, inspector)
    client = login(head_a)
    assert str(visit.branch) in client.get(changelist).content.decode()
    assert client.get(change).status_code == 200


def test_the_visit_shows_each_items_standard_phrase_as_the_bank_set_it(
    visit, inspector, login, django_assert_max_num_queries
):
    """Mystery shoppers score the manual's phrase word for word (issue 16 item 5)."""
    item = visit.template_version.items.exclude(scenario=None).exclude(
        scenario__standard_phrase=""
    )[0]
    client = login(inspector)
    with django_assert_max_num_queries(10):  # the fill page's target: no query per item
        page = client.get(reverse("standards:checklist", args=[visit.pk])).content.decode()
    assert item.scenario.standard_phrase in page
    assert "标准话术" in page


# --- an external firm's inspector: the outlets the firm is engaged for, while it is -----------


@pytest.fixture
def firm_of_a(org, on_workday):
    """A market-research firm engaged for outlet A for November 2026."""
    return firm_inspector(org.a, starts_on=dt.date(2026, 11, 1), ends_on=dt.date(2026, 11, 30))


def test_a_firms_inspector_visits_an_engaged_outlet_only_and_in_chinese_elsewhere(
    catalogue, org, firm_of_a, on_workday
):
    visit = checklist_start(
        branch=org.a, template=catalogue.mystery, business_date=on_workday, by=firm_of_a
    )
    assert visit.created_by == firm_of_a
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        checklist_start(
            branch=org.b, template=catalogue.mystery, business_date=on_workday, by=firm_of_a
        )
    assert refused.value.messages == ["贵公司今天未受聘检查该网点。"]
    assert not Checklist.objects.filter(branch=org.b).exists()


def test_a_firms_inspector_is_refused_once_the_engagement_has_ended(catalogue, org, firm_of_a):
    december = timezone.make_aware(dt.datetime(2026, 12, 1, 10, 0))
    with (
        time_machine.travel(december, tick=False),
        pytest.raises(ValidationError, match="未受聘"),
    ):
        checklist_start(
            branch=org.a,
            template=catalogue.mystery,
            business_date=dt.date(2026, 12, 1),
            by=User.objects.get(pk=firm_of_a.pk),
        )
    assert not Checklist.objects.exists()


def test_a_firms_inspector_does_not_fill_the_outlets_self_check(
    catalogue, org, firm_of_a, on_workday
):
    with pytest.raises(ValidationError):
        checklist_start(
            branch=org.a, template=catalogue.daily, business_date=on_workday, by=firm_of_a
        )


def test_a_firms_visit_is_reopened_by_head_office_only(catalogue, org, firm_of_a, hq, on_workday):
    visit = checklist_start(
        branch=org.a, template=catalogue.mystery, business_date=on_workday, by=firm_of_a
    )
    submitted(visit, firm_of_a)
    tier1_manager = UserFactory(username="mgr_t1", branch=org.t1, roles=[Role.BRANCH_MANAGER])
    with pytest.raises(ValidationError, match="检查员所在机构"):
        checklist_reopen(checklist=visit, by=tier1_manager, reason="评分有误")
    checklist_reopen(checklist=visit, by=hq, reason="复核")
    assert visit.status == Checklist.Status.REOPENED


def test_a_firms_inspector_reads_its_kind_of_visit_only_and_no_one_elses_under_way(
    catalogue, org, firm_of_a, inspector, checklist, lobby_user, on_workday
):
    own = checklist_start(
        branch=org.a, template=catalogue.mystery, business_date=on_workday, by=firm_of_a
    )
    banks = checklist_start(  # a week earlier: one visit of a kind a day
        branch=org.a,
        template=catalogue.mystery,
        business_date=on_workday - dt.timedelta(days=7),
        by=inspector,
    )
    self_check = submitted(checklist, lobby_user)
    seen = set(Checklist.objects.seen_by(firm_of_a))
    assert own in seen
    assert banks not in seen  # the bank's own visit, under way
    assert self_check not in seen  # the outlet's own check, none of a firm's business
    submitted(banks, inspector)
    assert Checklist.objects.get(pk=banks.pk) in set(Checklist.objects.seen_by(firm_of_a))
