"""PRC working-day arithmetic.

Official public holidays and adjusted working days (调休) come from the `chinesecalendar`
package; CalendarOverride rows entered by head office win over it. For a year the package has
no data for (the official schedule is published late in the previous year), a day is a
working day from Monday to Friday unless an override says otherwise, and the admin names
such years (`years_without_official_calendar`).

Counting convention (DOMAIN.md): the day of receipt is day 0; a deadline of N working days
ends at the close of the Nth working day after it. `add_working_days(d, 0)` is d itself when
d is a working day, otherwise the next working day.

Overrides are read once per year and kept in Django's cache (shared by web, worker and beat
processes) under a version number that any change to an override bumps.
"""

import datetime as dt
import threading
from contextlib import contextmanager

import chinese_calendar
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .models import CalendarOverride

_VERSION_KEY = "calendar-overrides-version"
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


def _load_overrides(year: int, version: int) -> dict[dt.date, bool]:
    key = f"calendar-overrides:{version}:{year}"
    overrides = cache.get(key)
    if overrides is None:
        overrides = {
            o.date: o.kind == CalendarOverride.Kind.WORKDAY
            for o in CalendarOverride.objects.filter(date__year=year)
        }
        cache.set(key, overrides, timeout=None)
    return overrides


class _Days:
    """Answers is-working-day questions, reading each year's overrides once per instance and
    asking the package once per day."""

    def __init__(self):
        self._years: dict[int, dict[dt.date, bool]] = {}
        self._known: dict[dt.date, bool] = {}
        self._version = None

    def _overrides(self, year: int) -> dict[dt.date, bool]:
        if year not in self._years:
            if self._version is None:
                self._version = cache.get_or_set(_VERSION_KEY, 1, timeout=None)
            self._years[year] = _load_overrides(year, self._version)
        return self._years[year]

    def is_working(self, day: dt.date) -> bool:
        known = self._known.get(day)
        if known is not None:
            return known
        override = self._overrides(day.year).get(day)
        working = package_working_day(day) if override is None else override
        self._known[day] = working
        return working

    def is_public_holiday(self, day: dt.date) -> bool:
        if self.is_working(day):
            return False
        if day in self._overrides(day.year):
            return True  # head office declared it a day off
        return _package_holiday_name(day) is not None


_reading = threading.local()


@contextmanager
def one_reading():
    """Every count inside the block reads the calendar once: for a job that counts thousands
    of deadlines on the same calendar (each count alone reads the cache, which unpickles the
    year's overrides: bench/calendar_recount.py)."""
    outer = getattr(_reading, "days", None)
    _reading.days = outer or _Days()
    try:
        yield
    finally:
        _reading.days = outer


def _days() -> _Days:
    return getattr(_reading, "days", None) or _Days()


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


def is_working_day(day) -> bool:
    return _days().is_working(_as_date(day))


def is_public_holiday(day) -> bool:
    """Whether `day` is a day off by the State Council's holidays or head office's overrides,
    rather than an ordinary weekend (which a weekend-open outlet works)."""
    return _days().is_public_holiday(_as_date(day))


def next_working_day(day, *, days: _Days | None = None) -> dt.date:
    """`day` itself if it is a working day, otherwise the first working day after it."""
    days = days or _days()
    day = _as_date(day)
    for _step in range(_MAX_STEPS):
        if days.is_working(day):
            return day
        day += dt.timedelta(days=1)
    raise ValueError(f"No working day within a year after {day}.")


def add_working_days(start, n: int) -> dt.date:
    """The Nth working day after `start` (day 0); negative N counts backwards."""
    days = _days()
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


def working_days_between(a, b) -> int:
    """Working days after `a` up to and including `b`; negative when b is before a.

    For a working day b after a, `add_working_days(a, working_days_between(a, b)) == b`.
    """
    a, b = _as_date(a), _as_date(b)
    if b < a:
        return -working_days_between(b, a)
    days = _days()
    return sum(
        1 for offset in range(1, (b - a).days + 1) if days.is_working(a + dt.timedelta(offset))
    )


@receiver([post_save, post_delete], sender=CalendarOverride)
def _forget_overrides(sender, instance, **kwargs):
    # A new version rather than deleting one year: an edit may move a date to another year.
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, timeout=None)
