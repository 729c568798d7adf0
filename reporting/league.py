"""The branch league table: the branches of one level of a scope, worst first, for a month.

Every number is a statistic of the monthly summary (selectors.STATISTIC_BY_KEY, one definition
each), from the sources these columns read (selectors.outlet_parts): a fixed number of queries
whatever the number of branches. A page is made in two steps, so that a bank of 16,000 outlets
costs the work of one page where it can: the sources of the statistic sorted by run over the
whole scope (ranking needs every branch's value), the other sources over the page's outlets
only. Each number links to the list behind it where the admin has a filter that selects
exactly those rows' branch and month.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from branchservice.exports.excel import SheetWriter, new_workbook
from branchservice.models import Branch

from . import selectors
from .periods import Period, PeriodKind, as_period
from .selectors import STATISTIC_BY_KEY, Format, Parts, SummaryRow
from .workbooks import NUMBER_FORMATS

# The columns, in the order a reader scans them: volume, what is late, outcomes, the floor.
COLUMNS = [
    "entries",
    "complaints_per_10k",
    "open_at_end",
    "open_overdue",
    "regulatory_breached",
    "reply_on_time_rate",
    "founded_rate",
    "at_fault_rate",
    "satisfaction_rate",
    "repeats",
    "checklist_completion_rate",
    "checklist_score_avg",
    "mystery_score_avg",
    "rectifications_open",
    "rectifications_overdue",
    "wait_median",
    "teller_within_rate",
]
# Worst first by this unless the reader sorts by another column: overdue complaints are the
# first thing head office asks a branch about.
DEFAULT_SORT = "open_overdue"
# The sources the columns read (per 10,000 customers also reads the entries' complaints).
SOURCES = {
    source.name
    for source in selectors.SOURCES
    if any(stat.key in COLUMNS for stat in source.statistics)
}
PAGE_SIZE = 50
LEVELS = [Branch.Level.TIER1_BRANCH, Branch.Level.SUB_BRANCH, Branch.Level.OUTLET]


@dataclass
class Cell:
    value: object
    url: str | None
    format: str

    @property
    def text(self) -> str:
        return display(self.value, self.format)


def display(value, format: str) -> str:
    """A statistic as the page shows it (the workbook keeps the raw number)."""
    if value is None:
        return "—"
    if format == Format.PERCENT:
        return f"{value:.1%}"
    if format in (Format.SCORE, Format.DAYS):
        return f"{value:.1f}"
    if format == Format.PER:
        return f"{value:.2f}"
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass
class Row:
    branch: Branch
    cells: list[Cell]
    overview_url: str | None


def levels_below(scope: Branch) -> list[int]:
    return [level for level in LEVELS if level > scope.level]


def sort_branches(branches: list[Branch], parts, key: str, worst_first: bool = True):
    """Branches (in tree order) by one statistic of their parts (branch id → Parts), worst
    first (or best first); a branch with nothing to measure (None) last either way, then
    tree order."""
    stat = STATISTIC_BY_KEY[key]
    empty = Parts()
    values = {branch.pk: stat.compute(parts.get(branch.pk, empty)) for branch in branches}
    measured = [branch for branch in branches if values[branch.pk] is not None]
    unmeasured = [branch for branch in branches if values[branch.pk] is None]
    descending = worst_first != stat.lower_is_worse
    measured.sort(key=lambda branch: values[branch.pk], reverse=descending)
    return measured + unmeasured


class Links:
    """The list behind each number: reverse() once per page, not once per cell."""

    def __init__(self, period: Period):
        self.period = period
        self.is_month = period.kind == PeriodKind.MONTH
        self.complaints = reverse("admin:complaints_complaint_changelist")
        self.checklists = reverse("admin:standards_checklist_changelist")
        self.rectifications = reverse("admin:rectifications_rectification_changelist")
        self.service_times = reverse("admin:servicetimes_ticket_results")
        self.overview = reverse("reporting:outlet", args=[0])

    def _complaints(self, branch, **params):
        return f"{self.complaints}?{urlencode({'branch': branch.pk, **params})}"

    def _within(self, field: str) -> dict | None:
        """The changelist filter of the period, by the lists' date hierarchy: a month's year
        and month, a year's year. A quarter or half-year has none (the admin refuses a date
        range in the address): its numbers are shown without a link."""
        if self.period.kind == PeriodKind.MONTH:
            return {f"{field}__year": self.period.start.year,
                    f"{field}__month": self.period.start.month}  # fmt: skip
        if self.period.kind == PeriodKind.YEAR:
            return {f"{field}__year": self.period.start.year}
        return None

    def _received(self, branch, **params):
        within = self._within("received_at")
        return None if within is None else self._complaints(branch, **within, **params)

    def url(self, key: str, branch: Branch) -> str | None:
        if key in {
            "entries",
            "complaints_per_10k",
            "reply_on_time_rate",
            "founded_rate",
            "at_fault_rate",
            "satisfaction_rate",
        }:
            return self._received(branch)
        if key == "repeats":
            return self._received(branch, kind="complaint", is_repeat__exact=1)
        if key == "open_overdue":
            return self._complaints(branch, deadline="overdue")
        if key in {"wait_median", "teller_within_rate"}:
            if not self.is_month:
                return None  # the time-limit results are a month's page
            params = {"scope": branch.pk, "period": self.period.key}
            return f"{self.service_times}?{urlencode(params)}"
        if not branch.is_outlet:
            # The checklist and rectification lists filter by one outlet only.
            return None
        if key in {"checklist_completion_rate", "checklist_score_avg", "mystery_score_avg"}:
            within = self._within("business_date")
            if within is None:
                return None
            return f"{self.checklists}?{urlencode({'branch': branch.pk, **within})}"
        if key == "rectifications_open":
            return f"{self.rectifications}?{urlencode({'branch': branch.pk, 'status': 'open'})}"
        if key == "rectifications_overdue":
            return f"{self.rectifications}?{urlencode({'branch': branch.pk, 'overdue': 'yes'})}"
        return None

    def overview_url(self, branch: Branch) -> str | None:
        if not branch.is_outlet:
            return None
        # The outlet page is a month's: of a longer period, its last month.
        month = Period.month(self.period.last_day).key
        return self.overview.replace("/0/", f"/{branch.pk}/", 1) + f"?period={month}"


@dataclass
class League:
    scope: Branch
    period: Period
    level: int
    sort: str
    worst_first: bool
    rows: list[SummaryRow]  # the rows shown (every row of the level for the download), sorted
    page: object  # the page shown, of every branch of the level (django Paginator)
    table: list[Row]  # those rows with their cells and links


def league_table(
    *,
    scope: Branch,
    period: Period | dt.date,
    level: int,
    sort: str = DEFAULT_SORT,
    worst_first: bool = True,
    page: int | None = 1,
    with_links: bool = True,
) -> League:
    """The league of `scope`'s branches at `level` for `period` (a Period, or a month's first
    day), sorted by the statistic `sort`, one page of PAGE_SIZE rows with their cells and
    links; `page=None`: every row (the download)."""
    period = as_period(period)
    branches = selectors.scope_branches(scope)
    ranked_by = selectors.sources_of(STATISTIC_BY_KEY[sort]) & SOURCES
    parts = selectors.outlet_parts(scope=scope, period=period, branches=branches, sources=ranked_by)
    ranking = selectors.level_totals(branches=branches, parts=parts, level=level)
    order = sort_branches([b for b in branches if b.level == level], ranking, sort, worst_first)
    per_page = (len(order) or 1) if page is None else PAGE_SIZE
    shown = Paginator(order, per_page).get_page(page or 1)
    # The other columns' sources read the page's outlets only (all of them when the page has
    # every row: no list of ids to send).
    if len(shown) < len(order):
        wanted = {branch.pk for branch in shown}
        outlets = wanted if level == Branch.Level.OUTLET else {
            branch.pk
            for branch in branches
            if branch.is_outlet and wanted & set(selectors.path_ids(branch.path))
        }  # fmt: skip
    else:
        outlets = None
    parts = selectors.outlet_parts(
        scope=scope, period=period, branches=branches, sources=SOURCES - ranked_by,
        outlets=outlets,
    )  # fmt: skip
    others = selectors.level_totals(branches=branches, parts=parts, level=level)
    rows = []
    for branch in shown:
        row_parts = Parts()
        row_parts.add(ranking.get(branch.pk, Parts()))
        row_parts.add(others.get(branch.pk, Parts()))
        rows.append(SummaryRow(branch, not branch.is_outlet, level - scope.level, row_parts))
    links = Links(period) if with_links else None
    stats = [STATISTIC_BY_KEY[key] for key in COLUMNS]
    table = [
        Row(
            branch=row.branch,
            cells=[
                Cell(
                    row.value(stat),
                    links.url(stat.key, row.branch) if links else None,
                    stat.format,
                )
                for stat in stats
            ],
            overview_url=links.overview_url(row.branch) if links else None,
        )
        for row in rows
    ]
    return League(scope, period, level, sort, worst_first, rows, shown, table)


def columns():
    return [STATISTIC_BY_KEY[key] for key in COLUMNS]


def write_workbook(league: League, stream) -> None:
    """Every row of the league (not one page), in its order, through the safe Excel writer:
    branch names are typed text and stay text."""
    workbook = new_workbook()
    sheet = SheetWriter(workbook, _("Branch league table"))
    stats = columns()
    sheet.row([f"{league.scope.name} ({league.scope.code})", league.period.label], bold=True)
    sheet.header(
        [_("Code"), _("Branch"), *[stat.label for stat in stats]],
        widths=[12, 30, *[12] * len(stats)],
    )
    formats = {index: NUMBER_FORMATS[stat.format] for index, stat in enumerate(stats, start=2)}
    for row in league.rows:
        sheet.row(
            [row.branch.code, row.branch.name, *[row.value(stat) for stat in stats]],
            formats=formats,
        )
    workbook.save(stream)
