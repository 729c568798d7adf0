"""The reporting periods: month, quarter, half-year and year, and the one rule for each.

A period is a kind and its first day; everything else (its end, its label, the string that
names it in a form or a URL, the period before it and the same period a year earlier) is
derived here and nowhere else. The statistics read `start`/`end` (dates, end exclusive) and
`start_at`/`end_at` (aware datetimes), so that a quarter is one window, not three months.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    HALF_YEAR = "half_year", _("Half-year")
    YEAR = "year", _("Year")


MONTHS = {
    PeriodKind.MONTH: 1,
    PeriodKind.QUARTER: 3,
    PeriodKind.HALF_YEAR: 6,
    PeriodKind.YEAR: 12,
}
# No branch has data outside these years; the dashboard reaches a year back from a period,
# and year 1 overflowed the calendar once (a 500).
YEARS = range(2000, 2100)

# The strings a form or a URL names a period by: 2026-10, 2026-Q3, 2026-H1, 2026.
_PATTERNS = [
    (re.compile(r"(\d{4})-(\d{1,2})"), PeriodKind.MONTH),
    (re.compile(r"(\d{4})-Q([1-4])", re.IGNORECASE), PeriodKind.QUARTER),
    (re.compile(r"(\d{4})-H([12])", re.IGNORECASE), PeriodKind.HALF_YEAR),
    (re.compile(r"(\d{4})"), PeriodKind.YEAR),
]


def _add_months(day: dt.date, n: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 + n, 12)
    return dt.date(year, month + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date

    def __post_init__(self):
        months = MONTHS[self.kind]
        if self.start.day != 1 or (self.start.month - 1) % months:
            raise ValueError(f"{self.start} does not start a {self.kind}.")

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> "Period":
        months = MONTHS[kind]
        return cls(kind, dt.date(day.year, (day.month - 1) // months * months + 1, 1))

    @classmethod
    def month(cls, day: dt.date) -> "Period":
        return cls.containing(PeriodKind.MONTH, day)

    @classmethod
    def parse(cls, text: str) -> "Period":
        """The period a string names (see _PATTERNS); ValueError for anything else."""
        text = (text or "").strip()
        for pattern, kind in _PATTERNS:
            match = pattern.fullmatch(text)
            if not match:
                continue
            year = int(match.group(1))
            number = int(match.group(2)) if kind != PeriodKind.YEAR else 1
            if year not in YEARS or (kind == PeriodKind.MONTH and not 1 <= number <= 12):
                break
            return cls(kind, dt.date(year, (number - 1) * MONTHS[kind] + 1, 1))
        raise ValueError(f"Not a period: {text!r}")

    @property
    def months(self) -> int:
        return MONTHS[self.kind]

    @property
    def end(self) -> dt.date:
        """The first day after the period (exclusive)."""
        return _add_months(self.start, self.months)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def start_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.end, dt.time.min))

    @property
    def number(self) -> int:
        """The month, quarter or half of its year (1 for a year)."""
        return (self.start.month - 1) // self.months + 1

    @property
    def key(self) -> str:
        """The string that names the period in forms, URLs and file names."""
        year = self.start.year
        return {
            PeriodKind.MONTH: f"{year}-{self.start.month:02d}",
            PeriodKind.QUARTER: f"{year}-Q{self.number}",
            PeriodKind.HALF_YEAR: f"{year}-H{self.number}",
            PeriodKind.YEAR: f"{year}",
        }[self.kind]

    @property
    def label(self) -> str:
        """The reader's name of the period: 2026年10月, 2026年第3季度, 2026年上半年, 2026年."""
        year = self.start.year
        if self.kind == PeriodKind.MONTH:
            return gettext("%(year)d-%(month)02d") % {"year": year, "month": self.start.month}
        if self.kind == PeriodKind.QUARTER:
            return gettext("Q%(quarter)d %(year)d") % {"year": year, "quarter": self.number}
        if self.kind == PeriodKind.HALF_YEAR:
            if self.number == 1:
                return gettext("H1 %(year)d") % {"year": year}
            return gettext("H2 %(year)d") % {"year": year}
        return gettext("Year %(year)d") % {"year": year}

    def __str__(self):
        return self.label

    def previous(self) -> "Period":
        return Period(self.kind, _add_months(self.start, -self.months))

    def same_period_last_year(self) -> "Period":
        return Period(self.kind, self.start.replace(year=self.start.year - 1))

    def month_starts(self) -> list[dt.date]:
        return [_add_months(self.start, n) for n in range(self.months)]

    def has_started(self, today: dt.date) -> bool:
        return self.start <= today

    def is_finished(self, today: dt.date) -> bool:
        return self.end <= today


def as_period(value) -> Period:
    """A Period, or the month of a date (the month pages still pass a month's first day)."""
    return value if isinstance(value, Period) else Period.month(value)


# How many finished periods of each kind the report centre offers to pick from.
RECENT = {
    PeriodKind.MONTH: 12,
    PeriodKind.QUARTER: 8,
    PeriodKind.HALF_YEAR: 4,
    PeriodKind.YEAR: 3,
}


def recent_periods(today: dt.date) -> list[Period]:
    """The last finished periods of each kind, the latest first (what a form suggests)."""
    result = []
    for kind, count in RECENT.items():
        period = Period.containing(kind, today).previous()
        for _step in range(count):
            result.append(period)
            period = period.previous()
    return result
