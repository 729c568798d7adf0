"""The outlet's own calendar: on which days an outlet is open, and its hours.

An outlet is open on PRC working days (branchservice.calendar), and also on the ordinary
weekend days its `opens_on_weekends` names; a public holiday stays closed. An OutletDay of the
outlet beats both for its date: open on a chosen holiday, or closed on a day it would open.
An outlet with neither keeps the PRC working days, so existing outlets are unchanged.

Its hours are its own `opens_at`/`closes_at`, or the bank's usual ones (OUTLET_OPENS_AT,
OUTLET_CLOSES_AT) where blank.

Whatever needs an outlet to be open (the daily checklist due and missed, its reminders,
excusing a missed day, when its opening and closing checks are due) asks here.
"""

import datetime as dt
from collections import defaultdict

from django.conf import settings

from .calendar import is_public_holiday, is_working_day, one_reading, regional_differences
from .models import Branch, OutletDay, WeekendOpening


def opening_hours(outlet: Branch) -> tuple[dt.time, dt.time]:
    """When `outlet` opens and closes on its opening days (local time)."""
    return (
        outlet.opens_at or dt.time.fromisoformat(settings.OUTLET_OPENS_AT),
        outlet.closes_at or dt.time.fromisoformat(settings.OUTLET_CLOSES_AT),
    )


def _weekend_days(outlet: Branch) -> frozenset[int]:
    return WeekendOpening(outlet.opens_on_weekends).weekdays


def _ordinary_weekend(day: dt.date) -> bool:
    """A Saturday or Sunday off that is no public holiday: weekend-open outlets work it."""
    return not is_working_day(day) and not is_public_holiday(day)


def is_opening_day(outlet: Branch, day: dt.date) -> bool:
    """Whether `outlet` is open on `day` (one query for its chosen dates)."""
    return day in opening_days([outlet], day, day)[outlet.pk]


def opening_days(outlets, date_from: dt.date, date_to: dt.date) -> dict[int, set[dt.date]]:
    """{outlet id: its opening days from `date_from` to `date_to` (inclusive)} for many
    outlets: one query for their chosen dates, whatever the number of outlets or days, and
    the calendar read once per day, not per outlet."""
    outlets = list(outlets)
    special: dict[int, dict[dt.date, bool]] = defaultdict(dict)
    for branch_id, date, kind in OutletDay.objects.filter(
        branch__in=outlets, date__range=(date_from, date_to)
    ).values_list("branch_id", "date", "kind"):
        special[branch_id][date] = kind == OutletDay.Kind.OPEN
    opening: dict[int, set[dt.date]] = {}
    with one_reading():
        days = [date_from + dt.timedelta(n) for n in range((date_to - date_from).days + 1)]
        working = {day for day in days if is_working_day(day)}
        weekends = {day for day in days if day not in working and _ordinary_weekend(day)}
        # The outlet's region: a few days of its own on top of the nationwide walk. A
        # regional day off is declared, so no weekend-open outlet works it either.
        regional = {
            outlet.pk: regional_differences(date_from, date_to, branch=outlet) for outlet in outlets
        }
    for outlet in outlets:
        weekend = _weekend_days(outlet)
        own = regional[outlet.pk]
        on = {day for day, is_working in own.items() if is_working}
        ordinary = (working - own.keys()) | on
        ordinary |= {day for day in weekends - own.keys() if day.weekday() in weekend}
        chosen = special.get(outlet.pk, {})
        opened = {day for day, is_open in chosen.items() if is_open}
        opening[outlet.pk] = (ordinary | opened) - (chosen.keys() - opened)
    return opening
