"""Regional days in the admin: head office sets nationwide and regional dates, a tier-1 branch's
manager their own region's; a date outside one's scope is refused with why, nothing written."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from branchservice.models import Branch, CalendarOverride
from branchservice.roles import Role
from tests.factories import BranchFactory, UserFactory

ADD = reverse("admin:branchservice_calendaroverride_add")
LIST = reverse("admin:branchservice_calendaroverride_changelist")
NOTICE = reverse("admin:branchservice_calendaroverride_notice")
D = dt.date

pytestmark = pytest.mark.usefixtures("_december_2026")


@pytest.fixture
def _december_2026():
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def t1_manager(org):
    return UserFactory(username="mgr_t1", branch=org.t1, roles=[Role.BRANCH_MANAGER])


@pytest.fixture
def other_region(org):
    return BranchFactory(code="T2", name="广西分行", level=Branch.Level.TIER1_BRANCH, parent=org.hq)


def add(client, branch, day="2027-04-09", kind="holiday", note="三月三"):
    data = {"date": day, "kind": kind, "note": note, "branch": branch.pk if branch else ""}
    return client.post(ADD, data)


def errors(response):
    return [str(e) for e in response.context["adminform"].form.errors.get("branch", [])]


def test_the_add_form_offers_a_branch_and_head_office_may_choose_any(org, hq, login):
    client = login(hq)
    page = client.get(ADD)
    assert 'name="branch"' in page.content.decode()
    assert add(client, org.s2).status_code == 302
    assert add(client, None, day="2027-04-10").status_code == 302
    assert set(CalendarOverride.objects.values_list("branch", flat=True)) == {org.s2.pk, None}
    # The whole bank is a nationwide date, never head office's "region".
    assert org.hq not in page.context["adminform"].form.fields["branch"].queryset


def test_a_tier1_managers_form_offers_their_subtree_only(org, t1_manager, other_region, login):
    field = login(t1_manager).get(ADD).context["adminform"].form.fields["branch"]
    assert set(field.queryset) == {org.t1, org.s1, org.s2, org.a, org.a2, org.b}


def test_a_tier1_manager_sets_their_regions_days(org, t1_manager, login):
    response = add(login(t1_manager), org.s1)
    assert response.status_code == 302
    override = CalendarOverride.objects.get()
    assert (override.branch, override.date, override.kind) == (org.s1, D(2027, 4, 9), "holiday")


def test_a_tier1_manager_may_not_set_a_nationwide_day(org, t1_manager, login):
    response = add(login(t1_manager), None)
    assert response.status_code == 200
    assert errors(response) == ["只有总行可以设置全国的节假日和工作日：请选择本机构或下级机构。"]
    assert not CalendarOverride.objects.exists()


def test_a_branch_outside_the_managers_scope_is_refused_with_why(
    org, t1_manager, other_region, login
):
    response = add(login(t1_manager), other_region)
    assert response.status_code == 200
    assert errors(response) == ["您的管辖范围不包括该机构，不能为其设置节假日。"]
    assert not CalendarOverride.objects.exists()


def test_a_sub_branch_manager_reads_the_days_but_sets_none(org, manager, login):
    client = login(manager)
    assert client.get(ADD).status_code == 403
    assert client.get(LIST).status_code == 200


def test_each_sees_the_nationwide_days_their_scopes_and_those_above_them(
    org, manager, t1_manager, other_region, login
):
    national = CalendarOverride.objects.create(date=D(2027, 4, 5), kind="holiday", note="清明")
    theirs = CalendarOverride.objects.create(
        date=D(2027, 4, 9), kind="holiday", note="三月三", branch=org.t1
    )
    other = CalendarOverride.objects.create(
        date=D(2027, 4, 9), kind="holiday", note="三月三", branch=other_region
    )
    listed = login(t1_manager).get(LIST).context["cl"].result_list
    assert set(listed) == {national, theirs}
    # S1's manager: T1's day applies to S1, so S1 sees it, but may not change it.
    client = login(manager)
    assert set(client.get(LIST).context["cl"].result_list) == {national, theirs}
    change = reverse("admin:branchservice_calendaroverride_change", args=[other.pk])
    assert client.get(change).status_code == 302  # not found: back to the list


def test_a_tier1_manager_may_change_their_regions_day_but_not_a_nationwide_one(
    org, t1_manager, login
):
    national = CalendarOverride.objects.create(date=D(2027, 4, 5), kind="holiday", note="清明")
    theirs = CalendarOverride.objects.create(
        date=D(2027, 4, 9), kind="holiday", note="三月三", branch=org.s1
    )
    client = login(t1_manager)
    change = reverse("admin:branchservice_calendaroverride_change", args=[national.pk])
    page = client.get(change)
    assert page.status_code == 200 and not page.context["has_change_permission"]
    delete = reverse("admin:branchservice_calendaroverride_delete", args=[national.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    delete = reverse("admin:branchservice_calendaroverride_delete", args=[theirs.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert list(CalendarOverride.objects.all()) == [national]


def test_only_head_office_enters_the_state_council_notice(org, t1_manager, hq, login):
    assert login(t1_manager).get(NOTICE).status_code == 403
    assert login(hq).get(NOTICE).status_code == 200


def test_the_year_status_counts_nationwide_days_only(org, hq, login):
    CalendarOverride.objects.create(date=D(2027, 1, 1), kind="holiday", note="元旦")
    CalendarOverride.objects.create(
        date=D(2027, 4, 9), kind="holiday", note="三月三", branch=org.t1
    )
    CalendarOverride.objects.create(date=D(2027, 4, 10), kind="workday", note="调休", branch=org.t1)
    statuses = login(hq).get(LIST).context["year_statuses"]
    status_2027 = next(s for s in statuses if s["year"] == 2027)
    assert (status_2027["holidays"], status_2027["workdays"]) == (1, 0)
