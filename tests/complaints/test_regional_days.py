"""A complaint's deadlines are counted on its outlet's calendar, its region's own days included,
and a region's day entered or removed recounts that region's open complaints only."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from branchservice.models import CalendarOverride
from branchservice.roles import Role
from complaints import services
from complaints.models import ComplaintEvent, Move
from tests.factories import UserFactory

from .conftest import at, register

D = dt.date
# Wednesday 2026-06-10; Thursday the 11th is the region's festival in the tests below.
WEDNESDAY = at(2026, 6, 10, 9)
FESTIVAL = D(2026, 6, 11)


@pytest.fixture(autouse=True)
def _june():
    with time_machine.travel(at(2026, 6, 10, 10), tick=False):
        yield


@pytest.fixture
def t1_manager(org):
    """The tier-1 branch's manager, who keeps the region's calendar."""
    return UserFactory(username="mgr_t1", branch=org.t1, roles=[Role.BRANCH_MANAGER])


def day(moment):
    return timezone.localdate(moment)


def complex_at(user, branch):
    return register(user, branch, received_at=WEDNESDAY, complexity="complex")


def test_a_complaint_in_a_region_with_its_own_holiday_is_due_later_than_elsewhere(
    org, outlet_user, outsider
):
    CalendarOverride.objects.create(date=FESTIVAL, kind="holiday", note="三月三", branch=org.s1)
    here = complex_at(outlet_user, org.a)
    elsewhere = complex_at(outsider, org.b)
    # Five working days from Wednesday: Thu 11 (not in S1), Fri 12, Mon 15 ... Wed 17 / Thu 18.
    assert day(elsewhere.reply_due_at) == D(2026, 6, 17)
    assert day(here.reply_due_at) == D(2026, 6, 18)
    assert day(here.acknowledge_due_at) == D(2026, 6, 10)
    assert day(here.branch_due_at) > day(elsewhere.branch_due_at)
    # The regulator's natural days know no region.
    assert here.regulatory_due_at == elsewhere.regulatory_due_at


def test_a_regional_day_entered_in_the_admin_moves_that_regions_complaints_only(
    org, outlet_user, outsider, t1_manager, login, django_capture_on_commit_callbacks
):
    here = complex_at(outlet_user, org.a)
    elsewhere = complex_at(outsider, org.b)
    client = login(t1_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:branchservice_calendaroverride_add"),
            {"date": "2026-06-11", "kind": "holiday", "note": "三月三", "branch": org.s1.pk},
        )
    assert response.status_code == 302
    here.refresh_from_db()
    elsewhere.refresh_from_db()
    assert day(here.reply_due_at) == D(2026, 6, 18)
    assert day(elsewhere.reply_due_at) == D(2026, 6, 17)
    assert here.events.filter(action=Move.DEADLINE_MOVED, note__startswith="答复：").get().note == (
        "答复：期限由 2026-06-17 改为 2026-06-18，因为 2026-06-11 改为节假日。"
    )
    assert not elsewhere.events.filter(action=Move.DEADLINE_MOVED).exists()

    override = CalendarOverride.objects.get(branch=org.s1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:branchservice_calendaroverride_delete", args=[override.pk]),
            {"post": "yes"},
        )
    assert response.status_code == 302
    here.refresh_from_db()
    assert day(here.reply_due_at) == D(2026, 6, 17)


def test_a_regions_recount_leaves_the_other_regions_alone(org, outlet_user, outsider):
    here = complex_at(outlet_user, org.a)
    elsewhere = complex_at(outsider, org.b)
    # Written without telling anyone, so that only the recount below moves deadlines.
    CalendarOverride.objects.create(date=FESTIVAL, kind="holiday", note="全国（测试）")

    moved = services.complaints_follow_calendar(flips={FESTIVAL: False}, subtree=org.s1.path)

    assert moved == 1
    here.refresh_from_db()
    elsewhere.refresh_from_db()
    assert day(here.reply_due_at) == D(2026, 6, 18)
    assert day(elsewhere.reply_due_at) == D(2026, 6, 17)  # outside S1: not recounted
    assert not ComplaintEvent.objects.filter(complaint=elsewhere, action=Move.DEADLINE_MOVED)
