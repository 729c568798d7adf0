"""A newer `chinesecalendar` is a change of the calendar: the deadlines counted on it follow.

The package is upgraded with the code (a release in November brings next year's schedule),
not through the admin, so nothing saves an override to tell the apps. `package_check` (run by
beat every hour, task branchservice.tasks.check_calendar_package) compares what the installed
package says of last year, this year and next with what it said at the last check
(PackageCalendarYear) and tells calendar_changes the days that flipped, where no nationwide
override decides them anyway (an override wins over the package). The first check only
notes what the package says: the deadlines stored so far were counted on it.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .calendar import has_official_calendar, package_working_day
from .calendar_changes import calendar_changed
from .models import CalendarOverride, PackageCalendarYear


def package_exceptions(year: int) -> dict[str, bool]:
    """The days of `year` the installed package counts otherwise than Monday to Friday."""
    if not has_official_calendar(year):
        return {}
    day, exceptions = dt.date(year, 1, 1), {}
    while day.year == year:
        working = package_working_day(day)
        if working != (day.weekday() < 5):
            exceptions[day.isoformat()] = working
        day += dt.timedelta(days=1)
    return exceptions


def _flips(old: dict[str, bool], new: dict[str, bool]) -> dict[dt.date, bool]:
    flips = {}
    for iso in old.keys() | new.keys():
        day = dt.date.fromisoformat(iso)
        weekday = day.weekday() < 5
        if old.get(iso, weekday) != new.get(iso, weekday):
            flips[day] = new.get(iso, weekday)
    return flips


def package_check(*, now=None) -> dict[dt.date, bool]:
    """Note what the installed package says of the years open deadlines fall in; return
    (and tell the apps after the commit) the days whose status it changed."""
    now = now or timezone.now()
    this_year = timezone.localdate(now).year
    flips = {}
    with transaction.atomic():
        for year in (this_year - 1, this_year, this_year + 1):
            exceptions = package_exceptions(year)
            stored = PackageCalendarYear.objects.select_for_update().filter(year=year).first()
            if stored is not None:
                if stored.exceptions == exceptions:
                    continue
                flips.update(_flips(stored.exceptions, exceptions))
            PackageCalendarYear.objects.update_or_create(
                year=year,
                defaults={
                    "official": has_official_calendar(year),
                    "exceptions": exceptions,
                    "checked_at": now,
                },
            )
        decided = set(
            CalendarOverride.objects.filter(branch=None, date__in=list(flips)).values_list(
                "date", flat=True
            )
        )
        flips = {day: working for day, working in flips.items() if day not in decided}
        calendar_changed(flips)
    return flips
