"""A region's own days: an override for a branch's subtree, the deepest of a date winning."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from branchservice import calendar, calendar_changes
from branchservice.models import Branch, CalendarOverride
from branchservice.opening import opening_days
from reporting.selectors import WorkingDayCounter
from tests.factories import BranchFactory

D = dt.date
# Wednesday 2026-06-10; the 11th is a Thursday, the 12th a Friday (package: working days).
WEDNESDAY = D(2026, 6, 10)
THURSDAY = D(2026, 6, 11)


def regional(branch, day=THURSDAY, kind="holiday", note="三月三"):
    return CalendarOverride.objects.create(date=day, kind=kind, note=note, branch=branch)


def test_a_regional_holiday_counts_in_its_subtree_only(org):
    regional(org.s1)
    assert not calendar.is_working_day(THURSDAY, branch=org.a)
    assert not calendar.is_working_day(THURSDAY, branch=org.a2.pk)
    assert not calendar.is_working_day(THURSDAY, branch=org.s1)
    assert calendar.is_working_day(THURSDAY, branch=org.b)
    assert calendar.is_working_day(THURSDAY, branch=org.t1)
    # A nationwide count ignores regions.
    assert calendar.is_working_day(THURSDAY)
    assert calendar.add_working_days(WEDNESDAY, 1, branch=org.a) == D(2026, 6, 12)
    assert calendar.add_working_days(WEDNESDAY, 1, branch=org.b) == THURSDAY
    assert calendar.add_working_days(WEDNESDAY, 1) == THURSDAY
    assert calendar.working_days_between(WEDNESDAY, D(2026, 6, 12), branch=org.a) == 1
    assert calendar.working_days_between(WEDNESDAY, D(2026, 6, 12), branch=org.b) == 2
    assert calendar.is_public_holiday(THURSDAY, branch=org.a)
    assert not calendar.is_public_holiday(THURSDAY, branch=org.b)


def test_the_deepest_override_of_a_date_wins(org):
    CalendarOverride.objects.create(date=THURSDAY, kind="holiday", note="全国（测试）")
    regional(org.t1, kind="workday", note="分行照常营业")
    regional(org.s1, kind="holiday", note="支行自定")
    assert not calendar.is_working_day(THURSDAY)
    assert calendar.is_working_day(THURSDAY, branch=org.b)  # T1's, over the nationwide
    assert not calendar.is_working_day(THURSDAY, branch=org.a)  # S1's, over T1's


def test_the_cache_does_not_leak_one_regions_days_into_another(org):
    regional(org.s1)
    with calendar.one_reading():
        # Asked first for the region, then elsewhere and nationwide, in one reading.
        assert not calendar.is_working_day(THURSDAY, branch=org.a)
        assert calendar.is_working_day(THURSDAY, branch=org.b)
        assert calendar.is_working_day(THURSDAY)
        assert not calendar.is_working_day(THURSDAY, branch=org.a)
    # And from the cache, in the other order.
    assert calendar.is_working_day(THURSDAY)
    assert calendar.is_working_day(THURSDAY, branch=org.b)
    assert not calendar.is_working_day(THURSDAY, branch=org.a)


def test_saving_or_deleting_a_regional_override_is_seen_at_once(org):
    assert calendar.is_working_day(THURSDAY, branch=org.a)  # cached as a working day
    override = regional(org.s1)
    assert not calendar.is_working_day(THURSDAY, branch=org.a)
    override.branch = org.s2
    override.save()
    assert calendar.is_working_day(THURSDAY, branch=org.a)
    assert not calendar.is_working_day(THURSDAY, branch=org.b)
    override.delete()
    assert calendar.is_working_day(THURSDAY, branch=org.b)


def test_an_outlet_opened_in_the_region_later_keeps_its_days(org):
    regional(org.s1)
    assert not calendar.is_working_day(THURSDAY, branch=org.a)
    newcomer = BranchFactory(code="A3", name="新网点", level=Branch.Level.OUTLET, parent=org.s1)
    assert not calendar.is_working_day(THURSDAY, branch=newcomer)


def test_counting_for_a_branch_costs_no_query_per_day(org):
    regional(org.s1)
    regional(org.t1, day=D(2026, 7, 1), note="分行节日")
    with CaptureQueriesContext(connection) as first:
        calendar.add_working_days(WEDNESDAY, 60, branch=org.a)
    # The year's overrides and the branches of their subtrees, once.
    assert len(first) == 2
    with CaptureQueriesContext(connection) as again:
        assert calendar.add_working_days(WEDNESDAY, 60, branch=org.a) == calendar.add_working_days(
            WEDNESDAY,
            61,
            branch=org.b,  # A has one day off more: S1's
        )
        calendar.add_working_days(WEDNESDAY, 60)
    assert len(again) == 0


def test_a_year_without_regional_days_reads_no_branches(org):
    CalendarOverride.objects.create(date=THURSDAY, kind="holiday", note="全国（测试）")
    with CaptureQueriesContext(connection) as queries:
        calendar.add_working_days(WEDNESDAY, 30, branch=org.a)
    assert len(queries) == 1


def test_an_outlet_is_closed_on_its_regions_holiday(org):
    regional(org.s1)
    days = opening_days([org.a, org.b], WEDNESDAY, D(2026, 6, 12))
    assert days[org.a.pk] == {WEDNESDAY, D(2026, 6, 12)}
    assert days[org.b.pk] == {WEDNESDAY, THURSDAY, D(2026, 6, 12)}


def test_a_report_counts_handling_days_on_the_outlets_calendar(org):
    regional(org.s1)
    regional(org.s2, day=D(2026, 6, 13), kind="workday", note="调休上班")  # a Saturday
    counter = WorkingDayCounter(D(2026, 6, 1), D(2026, 6, 30))
    assert counter.between(WEDNESDAY, D(2026, 6, 15)) == 3  # Thu, Fri, Mon
    assert counter.between(WEDNESDAY, D(2026, 6, 15), org.a.pk) == 2
    assert counter.between(WEDNESDAY, D(2026, 6, 15), org.b.pk) == 4
    assert counter.between(D(2026, 6, 12), D(2026, 6, 15), org.a.pk) == 1


def test_a_regional_date_flips_against_the_calendar_above_its_branch(
    org, monkeypatch, django_capture_on_commit_callbacks
):
    told = []
    monkeypatch.setattr(
        calendar_changes, "_hooks", [lambda flips, subtree: told.append((flips, subtree))]
    )
    CalendarOverride.objects.create(date=THURSDAY, kind="holiday", note="全国（测试）")
    regional(org.t1, kind="workday", note="分行照常营业")
    with django_capture_on_commit_callbacks(execute=True):
        # S1 a holiday again, as nationwide: it flips against T1's working day above it.
        calendar_changes.overrides_changed(after=[(THURSDAY, "holiday")], branch=org.s1)
        # B's sub-branch a working day, as T1 says already: nothing flips.
        calendar_changes.overrides_changed(after=[(THURSDAY, "workday")], branch=org.s2)
    assert told == [({THURSDAY: False}, org.s1.path)]
