import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from branchservice.calendar import (
    add_working_days,
    is_working_day,
    working_days_between,
    years_without_official_calendar,
)
from branchservice.models import CalendarOverride

D = dt.date


def test_it_knows_the_2026_national_day_week_and_its_adjusted_saturday(db):
    assert is_working_day(D(2026, 9, 30))
    for day in range(1, 8):
        assert not is_working_day(D(2026, 10, day)), f"10-{day} is a holiday"
    # Saturday 10 October 2026 is an adjusted working day (调休).
    assert is_working_day(D(2026, 10, 10))
    assert not is_working_day(D(2026, 10, 11))


def test_it_counts_the_domain_example_across_national_day(db):
    # DOMAIN.md: 3 working days after 30 Sep 2026 is Saturday 10 Oct 2026.
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3


def test_it_skips_the_2026_spring_festival(db):
    # Spring Festival 2026: 15-23 February off; Saturday 14 February is worked.
    assert is_working_day(D(2026, 2, 14))
    assert not is_working_day(D(2026, 2, 16))
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2


def test_day_zero_is_the_receipt_day_or_the_next_working_day(db):
    assert add_working_days(D(2026, 11, 20), 0) == D(2026, 11, 20)  # a Friday
    assert add_working_days(D(2026, 11, 21), 0) == D(2026, 11, 23)  # Saturday → Monday
    assert add_working_days(D(2026, 11, 20), 1) == D(2026, 11, 23)


def test_it_counts_backwards(db):
    assert add_working_days(D(2026, 10, 10), -3) == D(2026, 9, 30)
    assert working_days_between(D(2026, 10, 10), D(2026, 9, 30)) == -3


def test_an_override_beats_the_package(db):
    # 8 October 2026 is an official working day; head office closes the branches anyway.
    CalendarOverride.objects.create(
        date=D(2026, 10, 8), kind=CalendarOverride.Kind.HOLIDAY, note="台风停业"
    )
    assert not is_working_day(D(2026, 10, 8))
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 12)


def test_an_override_change_is_seen_at_once(db):
    day = D(2026, 11, 21)  # a Saturday
    assert not is_working_day(day)
    override = CalendarOverride.objects.create(
        date=day, kind=CalendarOverride.Kind.WORKDAY, note="补班"
    )
    assert is_working_day(day)
    override.delete()
    assert not is_working_day(day)


def test_a_year_without_official_data_counts_weekends_and_overrides(db):
    assert years_without_official_calendar([2026, 2027]) == [2027]
    # 1 January 2027 is a Friday: with no official data it is an ordinary working day...
    assert is_working_day(D(2027, 1, 1))
    assert add_working_days(D(2026, 12, 31), 2) == D(2027, 1, 4)
    # ...until head office enters the published holiday.
    CalendarOverride.objects.create(
        date=D(2027, 1, 1), kind=CalendarOverride.Kind.HOLIDAY, note="元旦"
    )
    assert not is_working_day(D(2027, 1, 1))
    assert add_working_days(D(2026, 12, 31), 2) == D(2027, 1, 5)


def test_it_reads_a_years_overrides_once_not_per_day(db):
    CalendarOverride.objects.create(
        date=D(2026, 3, 2), kind=CalendarOverride.Kind.HOLIDAY, note="测试"
    )
    with CaptureQueriesContext(connection) as queries:
        assert working_days_between(D(2026, 1, 1), D(2026, 12, 31)) > 200
        add_working_days(D(2026, 1, 5), 60)
    assert len(queries) <= 1


def test_datetimes_count_by_their_shanghai_date(db):
    # 17:30 UTC on 30 September is 01:30 on 1 October in Shanghai: a holiday.
    moment = dt.datetime(2026, 9, 30, 17, 30, tzinfo=dt.UTC)
    assert not is_working_day(moment)
