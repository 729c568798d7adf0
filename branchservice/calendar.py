"""PRC working-day arithmetic.

Official public holidays and adjusted working days (调休) come from the `chinesecalendar`
package; CalendarOverride rows win over it: nationwide ones, and for a branch's subtree a
region's own (the deepest of a date wins), so a count for a branch (`branch=`, the outlet of
a complaint or a rectification) follows its region and a nationwide count ignores regions.
For a year the package has no data for (the official schedule is published late in the
previous year), a day is a working day from Monday to Friday unless an override says
otherwise, and the admin names such years (`years_without_official_calendar`).

Counting convention (DOMAIN.md): the day of receipt is day 0; a deadline of N working days
ends at the close of the Nth working day after it. `add_working_days(d, 0)` is d itself when
d is a working day, otherwise the next working day.

Overrides are read once per year and kept in Django's cache (shared by web, worker and beat
processes) under a version number that any change to an override or a branch bumps: one
dict of the year's nationwide days, and one of each branch under a regional override.
"""

import datetime as dt
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import chinese_calendar
from django.core.cache import cache
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .models import Branch, CalendarOverride
from .versioned_cache import VersionedCache

_OVERRIDES = VersionedCache("calendar-overrides-version")
# A bound on any walk over the calendar: far beyond the longest PRC holiday run.
_MAX_STEPS = 366


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def has_official_calendar(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def years_without_official_calendar(years=None) -> list[int]:
    """Years (default: this year and next) that count weekends only plus overrides."""
    if years is None:
        this_year = timezone.localdate().year
        years = (this_year, this_year + 1)
    return [year for year in years if not has_official_calendar(year)]


@dataclass(frozen=True)
class _Year:
    """A year's overrides as the cache keeps them: the nationwide days, and for every branch
    under a regional override the days its subtree's overrides give it, the deepest override
    of a date winning (date → is a working day)."""

    national: dict[dt.date, bool]
    regional: dict[int, dict[dt.date, bool]]


def _load_overrides(year: int, version: int) -> _Year:
    # "regional": the shape with regions; a plain dict cached by the code before it is ignored.
    key = f"calendar-overrides:regional:{version}:{year}"
    overrides = cache.get(key)
    if overrides is None:
        national, by_path = {}, []
        rows = CalendarOverride.objects.filter(date__year=year).values_list(
            "date", "kind", "branch__path"
        )
        for day, kind, path in rows:
            working = kind == CalendarOverride.Kind.WORKDAY
            if path is None:
                national[day] = working
            else:
                by_path.append((path, day, working))
        overrides = _Year(national, _regional_days(by_path))
        cache.set(key, overrides, timeout=None)
    return overrides


def _regional_days(by_path) -> dict[int, dict[dt.date, bool]]:
    """{branch id: its regional days} for the branches of the subtrees in `by_path`; one
    query, and none for a year without regional overrides (most years)."""
    if not by_path:
        return {}
    subtrees = Q()
    for path, _day, _working in by_path:
        subtrees |= Q(path__startswith=path)
    # Shallower first, so that a deeper override of the same date is written over it.
    by_path.sort(key=lambda row: len(row[0]))
    regional: dict[int, dict[dt.date, bool]] = {}
    for pk, branch_path in Branch.objects.filter(subtrees).values_list("pk", "path"):
        days = regional.setdefault(pk, {})
        for path, day, working in by_path:
            if branch_path.startswith(path):
                days[day] = working
    return regional


class _Reading:
    """One reading of the calendar: each year's overrides read once, the package asked once
    per day, and one _Days per branch asked about."""

    def __init__(self):
        self._version = None
        self._years: dict[int, _Year] = {}
        self._package: dict[dt.date, bool] = {}
        self._calendars: dict[int | None, _Days] = {}

    def year(self, year: int) -> _Year:
        if year not in self._years:
            if self._version is None:
                self._version = _OVERRIDES.version()
            self._years[year] = _load_overrides(year, self._version)
        return self._years[year]

    def package(self, day: dt.date) -> bool:
        working = self._package.get(day)
        if working is None:
            working = self._package[day] = package_working_day(day)
        return working

    def calendar(self, branch) -> "_Days":
        branch_id = getattr(branch, "pk", branch)
        days = self._calendars.get(branch_id)
        if days is None:
            days = self._calendars[branch_id] = _Days(self, branch_id)
        return days


class _Days:
    """Answers is-working-day questions for one branch (None: nationwide)."""

    def __init__(self, reading: _Reading, branch_id: int | None):
        self._reading = reading
        self._branch_id = branch_id
        self._years: dict[int, dict[dt.date, bool]] = {}
        self._known: dict[dt.date, bool] = {}

    def _overrides(self, year: int) -> dict[dt.date, bool]:
        overrides = self._years.get(year)
        if overrides is None:
            loaded = self._reading.year(year)
            regional = loaded.regional.get(self._branch_id) if self._branch_id else None
            overrides = {**loaded.national, **regional} if regional else loaded.national
            self._years[year] = overrides
        return overrides

    def is_working(self, day: dt.date) -> bool:
        known = self._known.get(day)
        if known is not None:
            return known
        override = self._overrides(day.year).get(day)
        working = self._reading.package(day) if override is None else override
        self._known[day] = working
        return working

    def is_public_holiday(self, day: dt.date) -> bool:
        if self.is_working(day):
            return False
        if day in self._overrides(day.year):
            return True  # declared a day off, nationwide or for the branch's region
        return _package_holiday_name(day) is not None


_reading = threading.local()


@contextmanager
def one_reading():
    """Every count inside the block reads the calendar once: for a job that counts thousands
    of deadlines on the same calendar (each count alone reads the cache, which unpickles the
    year's overrides: bench/calendar_recount.py)."""
    outer = getattr(_reading, "current", None)
    _reading.current = outer or _Reading()
    try:
        yield
    finally:
        _reading.current = outer


def _days(branch=None) -> _Days:
    """The calendar of `branch` (a Branch or its primary key; None: nationwide)."""
    reading = getattr(_reading, "current", None) or _Reading()
    return reading.calendar(branch)


def working_day_with(kind: str | None, day: dt.date) -> bool:
    """Whether `day` is a working day under an override of `kind` (None: no override)."""
    if kind is None:
        return package_working_day(day)
    return kind == CalendarOverride.Kind.WORKDAY


def package_working_day(day: dt.date) -> bool:
    """Whether `day` is a working day before any override: the package's answer, or Monday to
    Friday for a year it has no data for."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def _package_holiday_name(day: dt.date) -> str | None:
    try:
        return chinese_calendar.get_holiday_detail(day)[1]
    except NotImplementedError:
        return None


# Every count below takes `branch=`: a Branch or its primary key, whose calendar (with its
# region's days) is counted; None counts the nationwide calendar alone.


def is_working_day(day, *, branch=None) -> bool:
    return _days(branch).is_working(_as_date(day))


def is_public_holiday(day, *, branch=None) -> bool:
    """Whether `day` is a day off by the State Council's holidays or the overrides, rather
    than an ordinary weekend (which a weekend-open outlet works)."""
    return _days(branch).is_public_holiday(_as_date(day))


def next_working_day(day, *, branch=None, days: _Days | None = None) -> dt.date:
    """`day` itself if it is a working day, otherwise the first working day after it."""
    days = days or _days(branch)
    day = _as_date(day)
    for _step in range(_MAX_STEPS):
        if days.is_working(day):
            return day
        day += dt.timedelta(days=1)
    raise ValueError(f"No working day within a year after {day}.")


def add_working_days(start, n: int, *, branch=None) -> dt.date:
    """The Nth working day after `start` (day 0); negative N counts backwards."""
    days = _days(branch)
    day = _as_date(start)
    if n == 0:
        return next_working_day(day, days=days)
    step = dt.timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    for _step in range(_MAX_STEPS * (remaining + 1)):
        day += step
        if days.is_working(day):
            remaining -= 1
            if remaining == 0:
                return day
    raise ValueError(f"Could not count {n} working days from {start}.")


def add_working_days_anywhere(start, n: int) -> dt.date:
    """The latest date `add_working_days(start, n, branch=...)` gives on any branch's
    calendar: the bound of a query over the entries of every outlet, each of which is then
    counted on its own outlet's calendar (a region's extra working day or holiday moves its
    count either way)."""
    day = _as_date(start)
    with one_reading():
        reading = _reading.current
        regions = {
            branch_id
            for year in range(day.year - 1, day.year + 2)
            for branch_id in reading.year(year).regional
        }
        return max(add_working_days(day, n, branch=branch) for branch in [None, *regions])


def working_days_between(a, b, *, branch=None) -> int:
    """Working days after `a` up to and including `b`; negative when b is before a.

    For a working day b after a, `add_working_days(a, working_days_between(a, b)) == b`.
    """
    a, b = _as_date(a), _as_date(b)
    if b < a:
        return -working_days_between(b, a, branch=branch)
    days = _days(branch)
    return sum(
        1 for offset in range(1, (b - a).days + 1) if days.is_working(a + dt.timedelta(offset))
    )


def regional_differences(first, last, *, branch) -> dict[dt.date, bool]:
    """The days from `first` to `last` on which the calendar of `branch` is not the
    nationwide one (date → is a working day there): none for most branches. Lets a report
    walk the nationwide calendar once and correct a region's counts by these few days."""
    first, last = _as_date(first), _as_date(last)
    national, regional = _days(None), _days(branch)
    differences = {}
    for year in range(first.year, last.year + 1):
        for day in regional._overrides(year):
            if first <= day <= last and regional.is_working(day) != national.is_working(day):
                differences[day] = regional.is_working(day)
    return differences


@receiver([post_save, post_delete], sender=CalendarOverride)
def _forget_overrides(sender, instance, **kwargs):
    # A new version rather than deleting one year: an edit may move a date to another year.
    _OVERRIDES.forget()


@receiver(post_save, sender=Branch)
def _forget_regions(sender, instance, **kwargs):
    # A branch saved may have joined or left a region's subtree; without regional overrides
    # (most banks) its calendar is the nationwide one whatever the tree.
    if CalendarOverride.objects.filter(branch__isnull=False).exists():
        _forget_overrides(sender, instance)
