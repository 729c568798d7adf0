"""Every statistic of the reports, defined once, and the reads of the report pages.

How the numbers are made: each *source* runs one SQL aggregate (GROUP BY outlet) over the
period and returns additive *parts* per outlet (counts and sums). Parts are added up the tree
along the materialised path (outlet → sub-branch → tier-1 branch → bank), and each *statistic*
is a formula over parts, so a rate at a sub-branch is its outlets' numerators over their
denominators, never an average of rates. The number of queries is fixed whatever the number of
outlets: one per source, plus one for the branches.

The same `STATISTICS` table gives the workbook's column headings and its definitions sheet.
"""

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from branchservice.calendar import is_working_day
from branchservice.models import Branch
from branchservice.scoping import scope_queryset, visible_branches

from .models import ReportFile

# ---- statistics --------------------------------------------------------------------------


class Format:
    COUNT = "count"
    PERCENT = "percent"
    DAYS = "days"
    SCORE = "score"


@dataclass(frozen=True)
class Statistic:
    key: str
    label: object
    definition: object
    compute: Callable[["Parts"], float | int | None]
    format: str = Format.COUNT
    # Below this (a rate) the summary shows the cell amber; None: no target.
    target: float | None = None
    # Above zero the cell is red (overdue counts).
    alarm: bool = False


class Parts(defaultdict):
    """Additive numbers of one branch (counts, sums), plus value lists for percentiles."""

    def __init__(self):
        super().__init__(int)
        self.samples: dict[str, list[float]] = defaultdict(list)

    def add(self, other: "Parts"):
        for key, value in other.items():
            self[key] += value
        for key, values in other.samples.items():
            self.samples[key].extend(values)


def ratio(numerator: str, denominator: str):
    def compute(parts):
        return parts[numerator] / parts[denominator] if parts[denominator] else None

    return compute


def mean(total: str, count: str):
    return ratio(total, count)


def count(key: str):
    return lambda parts: parts[key]


def percentile(key: str, q: float):
    """Nearest-rank percentile, the definition auditors can check by hand on a sorted list."""

    def compute(parts):
        values = sorted(parts.samples.get(key, ()))
        if not values:
            return None
        return values[max(0, math.ceil(q * len(values)) - 1)]

    return compute


@dataclass
class Source:
    """One aggregate query: (outlet ids → Parts) for a period, plus the statistics it feeds."""

    name: str
    collect: Callable[..., dict[int, Parts]]
    statistics: list[Statistic] = field(default_factory=list)


SOURCES: list[Source] = []


def register_source(source: Source) -> Source:
    SOURCES.append(source)
    return source


def statistics() -> list[Statistic]:
    return [stat for source in SOURCES for stat in source.statistics]


# ---- the summary table -------------------------------------------------------------------


@dataclass
class SummaryRow:
    branch: Branch
    is_subtotal: bool
    depth: int
    parts: Parts

    def value(self, stat: Statistic):
        return stat.compute(self.parts)


@dataclass
class Period:
    start: dt.date  # first day of the month

    @property
    def end(self) -> dt.date:  # first day of the next month (exclusive)
        return (self.start + dt.timedelta(days=32)).replace(day=1)

    @property
    def start_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.end, dt.time.min))

    def days(self):
        day = self.start
        while day < self.end:
            yield day
            day += dt.timedelta(days=1)

    def working_days(self) -> list[dt.date]:
        return [day for day in self.days() if is_working_day(day)]


def scope_branches(scope: Branch):
    """The scope and every branch below it, in tree order, including inactive (deleted)
    branches: their history still counts in the months they were open."""
    return list(Branch.objects.filter(path__startswith=scope.path).order_by("path"))


def branch_summary(*, scope: Branch, period: dt.date) -> list[SummaryRow]:
    """One row per branch of the scope, in tree order; non-outlets are subtotals of the
    outlets below them (the scope's own row is the grand total)."""
    branches = scope_branches(scope)
    outlet_parts: dict[int, Parts] = defaultdict(Parts)
    window = Period(period)
    for source in SOURCES:
        for branch_id, parts in source.collect(scope=scope, period=window).items():
            outlet_parts[branch_id].add(parts)
    totals: dict[int, Parts] = defaultdict(Parts)
    by_id = {branch.pk: branch for branch in branches}
    for branch_id, parts in outlet_parts.items():
        branch = by_id.get(branch_id)
        if branch is None:
            continue
        for ancestor_id in _path_ids(branch.path):
            if ancestor_id in by_id:
                totals[ancestor_id].add(parts)
    return [
        SummaryRow(
            branch=branch,
            is_subtotal=not branch.is_outlet,
            depth=branch.level - scope.level,
            parts=totals[branch.pk],
        )
        for branch in branches
    ]


def _path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/")]


# ---- report centre and dashboard ---------------------------------------------------------


def report_files_for(user, limit=200):
    qs = ReportFile.objects.select_related("scope", "built_by")
    return scope_queryset(qs, user, via="scope")[:limit]


def default_scope(user) -> Branch | None:
    """The top of the user's scope: the branch they work at (the bank for head office)."""
    branches = visible_branches(user).order_by("level", "path")
    return branches.first()


def last_complete_month(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def dashboard_data(*, scope: Branch, period: dt.date) -> dict:
    """Series for the dashboard's charts (filled in with the complaint and checklist sources)."""
    return {}
