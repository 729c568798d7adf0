"""A rectification's due date is counted on its outlet's calendar, and a region's day recounts
that region's rectifications only."""

import datetime as dt

from branchservice.models import CalendarOverride
from branchservice.rectifications import services

D = dt.date
MONDAY = D(2026, 12, 28)
THURSDAY = D(2026, 12, 31)


def counted(raise_for):
    """Due five working days after Monday 2026-12-28 at outlet A (under S1)."""
    return raise_for(due=None, due_counted_from=MONDAY, due_working_days=5)


def test_a_counted_due_date_keeps_the_outlets_regional_days(org, raise_for):
    CalendarOverride.objects.create(date=THURSDAY, kind="holiday", note="地区节日", branch=org.s1)
    assert counted(raise_for).due_date == D(2027, 1, 5)
    CalendarOverride.objects.filter(branch=org.s1).update(branch=org.s2)
    CalendarOverride.objects.get().save()  # forget the cached calendar
    assert counted(raise_for).due_date == D(2027, 1, 4)


def test_a_regions_recount_moves_that_regions_rectifications_only(org, raise_for):
    rectification = counted(raise_for)
    assert rectification.due_date == D(2027, 1, 4)
    # Written without telling anyone, so that only the recounts below move due dates.
    CalendarOverride.objects.create(date=THURSDAY, kind="holiday", note="全国（测试）")

    assert (
        services.rectifications_follow_calendar(flips={THURSDAY: False}, subtree=org.s2.path) == 0
    )
    rectification.refresh_from_db()
    assert rectification.due_date == D(2027, 1, 4)  # A is not under S2

    assert (
        services.rectifications_follow_calendar(flips={THURSDAY: False}, subtree=org.s1.path) == 1
    )
    rectification.refresh_from_db()
    assert rectification.due_date == D(2027, 1, 5)
