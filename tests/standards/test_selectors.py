import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from branchservice.models import Branch
from standards.models import MissedChecklistExcuse
from standards.selectors import missed_and_pending_checklists
from standards.services import checklist_start, checklist_submit
from tests.standards.conftest import all_pass


def at(day, hour):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@pytest.fixture
def outlets(org):
    return Branch.objects.filter(pk__in=[org.a.pk, org.b.pk])


def test_it_lists_working_days_without_a_submitted_daily_checklist(
    checklist, outlets, org, lobby_user, manager, django_assert_num_queries
):
    # Fri 13 Nov – Wed 18 Nov 2026: the weekend needs nothing; A submits on Wednesday,
    # a manager excused A's Monday; B has nothing at all.
    checklist_submit(checklist=checklist, answers=all_pass(checklist), by=lobby_user, revision=1)
    MissedChecklistExcuse.objects.create(
        branch=org.a, business_date=dt.date(2026, 11, 16), reason="停电", excused_by=manager
    )
    # Outlets, their chosen opening dates, checklists, excuses, the daily templates' parts of
    # the day, and the calendar's overrides for the year (then cached).
    cache.clear()
    with django_assert_num_queries(6):
        rows = missed_and_pending_checklists(
            branches_qs=outlets,
            date_from=dt.date(2026, 11, 13),
            date_to=dt.date(2026, 11, 18),
            now=at(dt.date(2026, 11, 18), 10),
        )
    listed = {(r.branch.code, r.business_date.day, r.is_missed) for r in rows}
    assert listed == {
        ("A", 13, True),
        ("A", 17, True),
        ("B", 13, True),
        ("B", 16, True),
        ("B", 17, True),
        ("B", 18, False),  # today, before the due time
    }


def test_today_becomes_missed_after_the_due_time_and_a_draft_is_attached(
    small_template, outlets, org, lobby_user, settings
):
    settings.STANDARDS_CHECKLIST_DUE_TIME = "12:00"
    day = dt.date(2026, 11, 18)
    draft = checklist_start(branch=org.a, template=small_template, business_date=day, by=lobby_user)
    rows = missed_and_pending_checklists(
        branches_qs=outlets, date_from=day, date_to=day + dt.timedelta(days=3), now=at(day, 13)
    )
    assert [(r.branch.code, r.is_missed) for r in rows] == [("A", True), ("B", True)]
    assert rows[0].checklist == draft


def test_an_adjusted_working_saturday_needs_a_checklist(small_template, outlets):
    # Saturday 10 Oct 2026 is a working day (调休) in the official calendar.
    day = dt.date(2026, 10, 10)
    rows = missed_and_pending_checklists(
        branches_qs=outlets, date_from=day, date_to=day, now=at(day, 20)
    )
    assert len(rows) == 2
    holiday = dt.date(2026, 10, 5)
    assert not missed_and_pending_checklists(
        branches_qs=outlets, date_from=holiday, date_to=holiday, now=at(holiday, 20)
    )
