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

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchservice.calendar import is_working_day, one_reading, regional_differences
from branchservice.models import Branch
from branchservice.rectifications.models import OPEN_FIRST, Rectification
from branchservice.scoping import scope_queryset, visible_branches
from complaints.deadlines import (
    REGULATORY_TERMS,
    replied_within_branch_ceiling_q,
    replied_within_q,
)
from complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintReason,
    DeadlinePolicy,
    Move,
    Pause,
)
from servicetimes import selectors as servicetimes
from servicetimes.models import Ticket
from standards.models import (
    Checklist,
    ChecklistAnswer,
    TemplateKind,
)
from standards.selectors import DailyChecklistDays, daily_checklist_days

from .models import ReportFile
from .periods import Period, as_period

# ---- statistics --------------------------------------------------------------------------


class Format:
    COUNT = "count"
    PERCENT = "percent"
    DAYS = "days"
    SCORE = "score"
    PER = "per"  # a count per some base (complaints per 10,000 customers)
    MINUTES = "minutes"


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
    # Which end of the league table is worst: the highest count or rate (overdue, founded),
    # or the lowest (on-time rate, satisfaction, scores: where a target says "at least").
    lower_is_worse: bool = False
    # The other sources whose parts the formula reads (a rate over the entries' complaints):
    # the league ranks by one statistic with its own source and these only.
    also_reads: tuple[str, ...] = ()


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
    """One aggregate query: (outlet ids → Parts) for a period, plus the statistics it feeds.
    collect(scope=, period=, branches=): `branches` are the scope and every branch below it,
    already read (scope_branches), for a source that needs the outlets' own fields."""

    name: str
    collect: Callable[..., dict[int, Parts]]
    statistics: list[Statistic] = field(default_factory=list)


SOURCES: list[Source] = []


def register_source(source: Source) -> Source:
    SOURCES.append(source)
    return source


def statistics() -> list[Statistic]:
    return [stat for source in SOURCES for stat in source.statistics]


def sources_of(stat: Statistic) -> set[str]:
    """The names of the sources a statistic's formula reads."""
    own = {source.name for source in SOURCES if stat in source.statistics}
    return own | set(stat.also_reads)


# ---- the summary table -------------------------------------------------------------------


@dataclass
class SummaryRow:
    branch: Branch
    is_subtotal: bool
    depth: int
    parts: Parts

    def value(self, stat: Statistic):
        return stat.compute(self.parts)


def scope_branches(scope: Branch):
    """The scope and every branch below it, in tree order, including inactive (deleted)
    branches: their history still counts in the months they were open."""
    branches = Branch.objects.filter(path__startswith=scope.path)
    # Numeric order of the path's keys: "/1/2/" before "/1/16/" (text order would not).
    return sorted(branches, key=lambda branch: path_ids(branch.path))


def outlet_parts(
    *, scope: Branch, period, branches, sources=None, outlets=None, checklist_days=None
):
    """Parts by outlet id: each source (of the names `sources`, all by default) runs once over
    the whole period, so a quarter or a year costs the queries of a month. `branches`: the
    scope's (scope_branches). `outlets`: None for every outlet of the scope, or the ids of the
    only outlets wanted (a page of the league): the same queries, over those rows only.
    `checklist_days`: the scope's period_checklist_days, if the caller read them already."""
    result: dict[int, Parts] = defaultdict(Parts)
    window = as_period(period)
    for source in SOURCES:
        if sources is not None and source.name not in sources:
            continue
        for branch_id, parts in source.collect(
            scope=scope,
            period=window,
            branches=branches,
            outlets=outlets,
            checklist_days=checklist_days,
        ).items():
            result[branch_id].add(parts)
    return result


def level_totals(*, branches, parts: dict[int, Parts], level: int) -> dict[int, Parts]:
    """Outlets' parts added up to their branch at `level` only (an outlet's own at the outlet
    level, no addition): the league needs one level, not every subtotal of the tree."""
    if level == Branch.Level.OUTLET:
        return parts
    by_id = {branch.pk: branch for branch in branches}
    totals: dict[int, Parts] = defaultdict(Parts)
    for branch_id, outlet in parts.items():
        branch = by_id.get(branch_id)
        for ancestor_id in path_ids(branch.path) if branch else ():
            ancestor = by_id.get(ancestor_id)
            if ancestor is not None and ancestor.level == level:
                totals[ancestor_id].add(outlet)
    return totals


def branch_summary(
    *, scope: Branch, period, sources=None, branches=None, checklist_days=None
) -> list[SummaryRow]:
    """One row per branch of the scope, in tree order; non-outlets are subtotals of the
    outlets below them (the scope's own row is the grand total). `period`: a Period, or a
    month's first day. `sources`: the names of the sources to run (all of them by default),
    for a page that shows only some statistics. `branches` (scope_branches) and
    `checklist_days` (period_checklist_days): read already by a caller that needs them too."""
    if branches is None:
        branches = scope_branches(scope)
    parts_by_outlet = outlet_parts(
        scope=scope,
        period=period,
        branches=branches,
        sources=sources,
        checklist_days=checklist_days,
    )
    totals: dict[int, Parts] = defaultdict(Parts)
    by_id = {branch.pk: branch for branch in branches}
    for branch_id, parts in parts_by_outlet.items():
        branch = by_id.get(branch_id)
        if branch is None:
            continue
        for ancestor_id in path_ids(branch.path):
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


def path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/")]


# ---- report centre and dashboard ---------------------------------------------------------


def report_files_for(user, *, period: Period | None = None, period_kind: str = "", limit=200):
    """The summaries in the user's scope, by period: the latest-ending first and, of those
    ending together (December, Q4, H2 and the year), the longest first."""
    qs = ReportFile.objects.select_related("scope", "built_by")
    if period is not None:
        qs = qs.filter(period=period.start, period_kind=period.kind)
    elif period_kind:
        qs = qs.filter(period_kind=period_kind)
    files = list(scope_queryset(qs, user, via="scope")[:limit])
    files.sort(key=lambda f: (f.scope.path, -f.version))
    files.sort(key=lambda f: (f.report_period.end, f.report_period.months), reverse=True)
    return files


def default_scope(user) -> Branch | None:
    """The top of the user's scope: the branch they work at (the bank for head office)."""
    branches = visible_branches(user).order_by("level", "path")
    return branches.first()


def first_data_month() -> dt.date | None:
    """The month of the earliest complaint or checklist: nothing to report before it."""
    firsts = [
        Complaint.objects.aggregate(first=Min("received_at"))["first"],
        Checklist.objects.aggregate(first=Min("business_date"))["first"],
    ]
    days = [timezone.localdate(f) if isinstance(f, dt.datetime) else f for f in firsts if f]
    return min(days).replace(day=1) if days else None


def last_complete_month(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


# ---- sources -----------------------------------------------------------------------------
# Each collect() is one GROUP BY query over the scope's outlets (one indexed path prefix).


def in_scope(scope: Branch, outlets=None, field: str = "branch") -> Q:
    """Rows of the scope's outlets, or of only the outlets of these ids (outlet_parts)."""
    q = Q(**{f"{field}__path__startswith": scope.path})
    return q if outlets is None else q & Q(**{f"{field}_id__in": outlets})


def _rows_by_branch(queryset, **aggregates) -> dict[int, Parts]:
    result: dict[int, Parts] = {}
    for row in queryset.values("branch_id").annotate(**aggregates).order_by():
        parts = Parts()
        for key in aggregates:
            parts[key] = row[key] or 0
        result[row["branch_id"]] = parts
    return result


def period_complaints(scope: Branch, period: Period, outlets=None, until: Period | None = None):
    """The complaint register entries of the period (through the period `until`, if given):
    received in it, neither void nor merged into another entry (those are duplicates or
    mistakes, not entries)."""
    return Complaint.objects.filter(
        in_scope(scope, outlets),
        received_at__gte=period.start_at,
        received_at__lt=(until or period).end_at,
    ).counted()


_paused = Pause.objects.filter(complaint=OuterRef("pk"))


def entry_aggregates(period: Period) -> dict:
    """The conditional counts behind the entry statistics, as of the end of the period."""
    end = period.end_at
    complaint = Q(kind=Complaint.Kind.COMPLAINT)
    ack_counted = complaint & (Q(acknowledge_due_at__lt=end) | Q(acknowledged_at__lt=end))
    reply_counted = complaint & (Q(reply_due_at__lt=end) | Q(replied_at__lt=end))
    followed_up = complaint & Q(followed_up_at__lt=end)
    # Only a rating counts in the satisfaction rate; unreachable, refused and anonymous are
    # counted on their own.
    rated = followed_up & Q(satisfaction__in=Complaint.RATINGS)
    satisfied = [Complaint.Satisfaction.SATISFIED, Complaint.Satisfaction.BASICALLY]
    unrated = [Complaint.Satisfaction.REFUSED, Complaint.Satisfaction.ANONYMOUS]
    return {
        "entries": Count("pk"),
        "complaints": Count("pk", filter=complaint),
        "suggestions": Count("pk", filter=Q(kind=Complaint.Kind.SUGGESTION)),
        "praise": Count("pk", filter=Q(kind=Complaint.Kind.PRAISE)),
        # Before "founded": a filter on the field named after an aggregate would mean it.
        "at_fault": Count("pk", filter=complaint & Q(founded__isnull=False, bank_at_fault=True)),
        "decided": Count("pk", filter=complaint & Q(founded__isnull=False)),
        "founded": Count("pk", filter=complaint & Q(founded=True)),
        "ack_counted": Count("pk", filter=ack_counted),
        "ack_on_time": Count(
            "pk",
            filter=ack_counted
            & Q(acknowledged_at__lt=end, acknowledged_at__lte=F("acknowledge_due_at")),
        ),
        "reply_counted": Count("pk", filter=reply_counted),
        "reply_on_time": Count(
            "pk", filter=reply_counted & Q(replied_at__lt=end, replied_at__lte=F("reply_due_at"))
        ),
        "escalated": Count("pk", filter=complaint & Q(escalated_at__lt=end)),
        "followed_up": Count("pk", filter=followed_up),
        "rated": Count("pk", filter=rated),
        "satisfied": Count("pk", filter=rated & Q(satisfaction__in=satisfied)),
        "unreachable": Count(
            "pk", filter=followed_up & Q(satisfaction=Complaint.Satisfaction.UNREACHABLE)
        ),
        "unrated": Count("pk", filter=followed_up & Q(satisfaction__in=unrated)),
        # The regulator's clock: the complaint's facts as they stand at the build.
        "extended": Count("pk", filter=complaint & ~Q(extension_tier="")),
        "paused": Count("pk", filter=complaint & Q(Exists(_paused))),
        "corrected": Count("pk", filter=Q(corrected_at__lt=end)),
        "reviews": Count("pk", filter=complaint & Q(review_requested_at__lt=end)),
        "regulator_transfers": Count(
            "pk", filter=complaint & Q(channel=Complaint.Channel.REGULATOR)
        ),
    }


def collect_entries(*, scope, period, outlets=None, **_):
    return _rows_by_branch(period_complaints(scope, period, outlets), **entry_aggregates(period))


def _breakdown(field: str, prefix: str):
    """Complaints of the period counted by outlet and one classification (parts "prefix:value")."""

    def collect(*, scope, period, **_):
        result: dict[int, Parts] = defaultdict(Parts)
        rows = (
            period_complaints(scope, period)
            .filter(kind=Complaint.Kind.COMPLAINT)
            .values_list("branch_id", field)
            .annotate(n=Count("pk"))
            .order_by()
        )
        for branch_id, value, n in rows:
            result[branch_id][f"{prefix}:{value or ''}"] += n
        return result

    return collect


def overdue_at_end_q(period: Period):
    """Complaints that, at the end of the period, had passed their reply deadline unreplied
    and were not closed: the auditors' "open overdue" list."""
    end = period.end_at
    return (
        Q(kind=Complaint.Kind.COMPLAINT, received_at__lt=end, reply_due_at__lt=end)
        & (Q(replied_at__isnull=True) | Q(replied_at__gte=end))
        & (Q(closed_at__isnull=True) | Q(closed_at__gte=end))
        & ~Q(status__in=Complaint.NOT_COUNTED)
    )


def repeats_q(period: Period):
    """The period's repeat complaints, the one definition of the "repeats" statistic and its
    breakdown by reason: complaints received in the period that the register marks a repeat
    (Complaint.is_repeat: the same customer complained within the policy's window before, or
    the entry was merged into an earlier one). Merged entries are among them although the
    other statistics leave them out; void entries never are."""
    return Q(
        kind=Complaint.Kind.COMPLAINT,
        is_repeat=True,
        received_at__gte=period.start_at,
        received_at__lt=period.end_at,
    )


def collect_repeats_by_reason(*, scope, period, **_):
    """Repeat complaints (repeats_q) by outlet and complaint reason (parts "repeat_reason:<id>")."""
    result: dict[int, Parts] = defaultdict(Parts)
    rows = (
        Complaint.objects.filter(repeats_q(period), branch__path__startswith=scope.path)
        .values_list("branch_id", "reason_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for branch_id, reason_id, n in rows:
        result[branch_id][f"repeat_reason:{reason_id or ''}"] += n
    return result


def collect_escalations(*, scope, period, **_):
    """Escalations of the period's complaints made by its end, by outlet and the level they
    went to (parts "escalated_to:<level>"): each escalation counts, a complaint escalated
    outlet → sub-branch → tier-1 branch once at each. One query over the timeline."""
    result: dict[int, Parts] = defaultdict(Parts)
    rows = (
        ComplaintEvent.objects.filter(
            action=Move.ESCALATE,
            at__lt=period.end_at,
            complaint__in=period_complaints(scope, period).filter(kind=Complaint.Kind.COMPLAINT),
        )
        .values_list("complaint__branch_id", "level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for branch_id, level, n in rows:
        result[branch_id][f"escalated_to:{level}"] += n
    return result


def standing_rows_q(period: Period) -> Q:
    """The only complaints collect_standing's figures can count, each alternative served by an
    index (Complaint.Meta.indexes): open or overdue at the end was not closed by then; a breach
    had its ceiling in the period; a repeat was received in it. Without it the query read
    every complaint ever received."""
    start, end = period.start_at, period.end_at
    return Q(kind=Complaint.Kind.COMPLAINT, received_at__lt=end) & (
        Q(closed_at__isnull=True)
        | Q(closed_at__gte=end)
        | Q(regulatory_due_at__gte=start, regulatory_due_at__lt=end)
        | Q(received_at__gte=start)
    )


def collect_standing(*, scope, period, outlets=None, **_):
    """Complaints open, and open past their reply deadline, at the end of the period (received
    in any month), regulatory ceilings that passed in the period unreplied, and the period's
    repeat complaints (repeats_q). One query: the league table's budget of queries is tight."""
    start, end = period.start_at, period.end_at
    complaint = Q(kind=Complaint.Kind.COMPLAINT, received_at__lt=end)
    not_merged = ~Q(status__in=Complaint.NOT_COUNTED)
    open_at_end = complaint & not_merged & (Q(closed_at__isnull=True) | Q(closed_at__gte=end))
    breached = (
        complaint
        & not_merged
        & Q(regulatory_due_at__gte=start, regulatory_due_at__lt=end)
        & (Q(replied_at__isnull=True) | Q(replied_at__gt=F("regulatory_due_at")))
    )
    repeats = complaint & repeats_q(period)
    qs = Complaint.objects.filter(in_scope(scope, outlets), standing_rows_q(period))
    return _rows_by_branch(
        qs,
        open_overdue=Count("pk", filter=overdue_at_end_q(period)),
        open_at_end=Count("pk", filter=open_at_end),
        regulatory_breached=Count("pk", filter=breached),
        repeats=Count("pk", filter=repeats),
    )


def collect_customers(*, branches, outlets=None, **_):
    """The customer base each outlet's head office entered (Branch.customer_base), and the
    outlets in service (the regulator's bulletins rank by complaints per 1,000 outlets), from
    the branches already read: no query of its own."""
    result: dict[int, Parts] = defaultdict(Parts)
    for branch in branches:
        if branch.is_outlet and (outlets is None or branch.pk in outlets):
            result[branch.pk]["customers"] = branch.customer_base or 0
            result[branch.pk]["outlets"] = int(branch.is_active)
    return result


# The independent visits and inspections (standards.INDEPENDENT_KINDS) by the prefix of
# their parts.
INSPECTION_PARTS = {TemplateKind.MYSTERY_SHOPPER: "mystery", TemplateKind.INSPECTION: "inspection"}


def collect_inspections(*, scope, period, outlets=None, **_):
    """Scores of the period's mystery-shopper visits and branch inspections (done, not
    drafts), one query grouped by outlet and kind."""
    rows = (
        Checklist.objects.done()
        .filter(
            in_scope(scope, outlets),
            template__kind__in=INSPECTION_PARTS,
            business_date__gte=period.start,
            business_date__lt=period.end,
        )
        .values_list("branch_id", "template__kind")
        .annotate(done=Count("pk"), scored=Count("score"), total=Sum("score"))
        .order_by()
    )
    result: dict[int, Parts] = defaultdict(Parts)
    for branch_id, kind, done, scored, total in rows:
        prefix = INSPECTION_PARTS[kind]
        parts = result[branch_id]
        parts[f"{prefix}_done"] += done
        parts[f"{prefix}_scored"] += scored
        parts[f"{prefix}_total"] += float(total or 0)
    return result


def collect_root_causes(*, scope, period, **_):
    """The period's complaints by outlet, root cause (parts "root_cause:<value>", "" while
    the investigation has not found one) and quality (parts "quality", "non_quality")."""
    rows = (
        period_complaints(scope, period)
        .filter(kind=Complaint.Kind.COMPLAINT)
        .values_list("branch_id", "root_cause", "is_quality")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result: dict[int, Parts] = defaultdict(Parts)
    for branch_id, root_cause, is_quality, n in rows:
        parts = result[branch_id]
        parts[f"root_cause:{root_cause}"] += n
        parts["quality" if is_quality else "non_quality"] += n
    return result


# Waiting times are counted per whole minute (servicetimes.minute_histogram): the parts
# "wait_minute:<n>" add up the tree, so that a sub-branch's median needs no raw rows.
WAIT_MINUTE = "wait_minute:"


def collect_teller_times(*, scope, period, outlets=None, **_):
    """The queue systems' tickets of the period: servicetimes' own counts (within the standard
    handling time) and waiting-time histogram, two GROUP BY queries."""
    tickets = Ticket.objects.filter(
        in_scope(scope, outlets),
        business_date__gte=period.start,
        business_date__lt=period.end,
    )
    counts = {f"tickets_{key}": agg for key, agg in servicetimes.judged_aggregates().items()}
    result = defaultdict(Parts, _rows_by_branch(tickets, **counts))
    waits = servicetimes.minute_histogram(tickets, field_name="wait_seconds")
    for branch_id, minutes in waits.items():
        for minute, n in minutes.items():
            result[branch_id][f"{WAIT_MINUTE}{minute}"] += n
    return result


def wait_median(parts):
    minutes = {int(k[len(WAIT_MINUTE) :]): n for k, n in parts.items() if k.startswith(WAIT_MINUTE)}
    return servicetimes.counted_rank(minutes, 0.5)


class WorkingDayCounter:
    """working_days_between(a, b, branch=) for many pairs: one walk of the nationwide calendar
    over the whole range, then a subtraction per pair (same definition, days after a up to
    and including b), corrected by the few days of the branch's region."""

    def __init__(self, first: dt.date, last: dt.date):
        self.first, self.last = first, last
        self.cumulative = [0]
        self._regional: dict[int, dict[dt.date, bool]] = {}
        day = first
        while day < last:
            day += dt.timedelta(days=1)
            self.cumulative.append(self.cumulative[-1] + is_working_day(day))

    def between(self, a: dt.date, b: dt.date, branch=None) -> int:
        count = self.cumulative[(b - self.first).days] - self.cumulative[(a - self.first).days]
        if branch is None:
            return count
        if branch not in self._regional:
            self._regional[branch] = regional_differences(self.first, self.last, branch=branch)
        for day, working in self._regional[branch].items():
            if a < day <= b:
                count += 1 if working else -1
        return count


def collect_handling_times(*, scope, period, **_):
    """Working days from receipt to reply of the period's replied complaints, and whether the
    reply met the branch ceiling (7 working days) and each regulatory limit (15/30/60 natural
    days), the paused days not counted, as complaints.deadlines counts them.

    The only source that reads one row per complaint (dates, no objects): working days
    follow the PRC calendar and admin overrides, which the database does not know. Three
    queries: the rows, the deadline policies and the ceilings met, by outlet (on the ceilings
    the complaint stores: replied_within_branch_ceiling_q, replied_within_q).
    """
    replied = period_complaints(scope, period).filter(
        kind=Complaint.Kind.COMPLAINT, replied_at__lt=period.end_at
    )
    rows = list(replied.values_list("branch_id", "received_at", "replied_at").order_by())
    result: dict[int, Parts] = defaultdict(Parts)
    if not rows:
        return result
    local = timezone.localdate
    with one_reading():
        counter = WorkingDayCounter(period.start, local(max(row[2] for row in rows)))
        for branch_id, received_at, replied_at in rows:
            days = counter.between(local(received_at), local(replied_at), branch_id)
            parts = result[branch_id]
            parts["replied"] += 1
            parts["handling_days"] += days
            parts.samples["handling_days"].append(days)
    # The ceilings are those the complaint stores (an approved extension moves the branch
    # ceiling to the extended regulatory date): counted in the database, by the one rule the
    # regulatory tables count them with.
    policies = list(DeadlinePolicy.objects.all())
    within = {"within_branch_ceiling": Count("pk", filter=replied_within_branch_ceiling_q())}
    within |= {
        f"within_{days}_days": Count("pk", filter=replied_within_q(days, policies))
        for days in REGULATORY_TERMS
    }
    for row in replied.values("branch_id").annotate(**within).order_by():
        result[row["branch_id"]].update({key: row[key] for key in within})
    return result


# Rectifications by the source they were raised for (complaints' and standards' source kinds).
RECTIFICATION_SOURCE_GROUPS = {
    "rectifications_from_complaints": ("complaint",),
    "rectifications_from_checklists": ("checklist", "inspection"),
}


def rectification_overdue_at_end_q(period: Period) -> Q:
    """Past its due date at the end of the period and neither done nor cancelled by then."""
    return rectification_open_at_end_q(period) & Q(due_date__lt=period.end)


def rectification_open_at_end_q(period: Period) -> Q:
    """Raised by the end of the period and neither done nor cancelled by then."""
    return (
        Q(created_at__lt=period.end_at)
        & (Q(completed_at__isnull=True) | Q(completed_at__gte=period.end_at))
        & (Q(cancelled_at__isnull=True) | Q(cancelled_at__gte=period.end_at))
    )


def collect_rectifications(*, scope, period, outlets=None, **_):
    """Raised (in all and by source), done, verified and overdue-at-end counts, by outlet."""

    def within(field):
        return Q(**{f"{field}__gte": period.start_at, f"{field}__lt": period.end_at})

    by_source = {
        key: Count("pk", filter=within("created_at") & Q(source_kind__in=kinds))
        for key, kinds in RECTIFICATION_SOURCE_GROUPS.items()
    }
    rows = (
        Rectification.objects.filter(
            in_scope(scope, outlets, "outlet"), created_at__lt=period.end_at
        )
        .values("outlet_id")
        .annotate(
            rectifications_opened=Count("pk", filter=within("created_at")),
            **by_source,
            rectifications_done=Count("pk", filter=within("completed_at")),
            rectifications_verified=Count("pk", filter=within("verified_at")),
            rectifications_overdue=Count("pk", filter=rectification_overdue_at_end_q(period)),
            rectifications_open=Count("pk", filter=rectification_open_at_end_q(period)),
        )
        .order_by()
    )
    result = {}
    for row in rows:
        parts = Parts()
        parts.update((key, value) for key, value in row.items() if key != "outlet_id")
        result[row["outlet_id"]] = parts
    return result


# 溯源整改: a verified rectification "recurred" when its finding comes back at the same outlet
# within this many days after the verification.
RECURRENCE_DAYS = 90


def rectification_recurrences(rectifications, *, until: dt.datetime) -> dict[int, dt.datetime]:
    """For each verified rectification of `rectifications` whose finding recurred at its
    outlet within RECURRENCE_DAYS after the verification and before `until`, the moment it
    first came back: a complaint (not void, not merged) with the same reason, or the same
    item of the same checklist template failing again. Three queries however many rows."""
    rows = list(
        rectifications.filter(status=Rectification.Status.VERIFIED)
        .annotate(
            reason_id=F("complaint__reason_id"),
            template_id=F("checklist_answer__checklist__template_id"),
            item_text=F("checklist_answer__item__text"),
        )
        .values("pk", "outlet_id", "source_id", "verified_at", "reason_id", "template_id",
                "item_text")
    )  # fmt: skip
    if not rows:
        return {}
    since = min(row["verified_at"] for row in rows)
    outlets = {row["outlet_id"] for row in rows}
    complaints = defaultdict(list)
    for pk, outlet_id, reason_id, received_at in (
        Complaint.objects.counted()
        .filter(
            branch_id__in=outlets,
            reason_id__in={row["reason_id"] for row in rows if row["reason_id"]},
            received_at__gt=since,
            received_at__lt=until,
        )
        .values_list("pk", "branch_id", "reason_id", "received_at")
    ):
        complaints[(outlet_id, reason_id)].append((received_at, pk))
    failures = defaultdict(list)
    for outlet_id, template_id, text, day in ChecklistAnswer.objects.filter(
        failed=True,
        checklist__branch_id__in=outlets,
        checklist__template_id__in={row["template_id"] for row in rows if row["template_id"]},
        item__text__in={row["item_text"] for row in rows if row["item_text"]},
        checklist__business_date__gt=timezone.localdate(since),
        checklist__business_date__lt=timezone.localdate(until),
    ).values_list("checklist__branch_id", "checklist__template_id", "item__text",
                  "checklist__business_date"):  # fmt: skip
        # A checklist's finding counts from the start of its business day.
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        failures[(outlet_id, template_id, text)].append((start, day))
    result = {}
    for row in rows:
        verified, horizon = (
            row["verified_at"],
            row["verified_at"] + dt.timedelta(days=RECURRENCE_DAYS),
        )
        if row["reason_id"]:
            events = [
                at for at, pk in complaints[(row["outlet_id"], row["reason_id"])]
                if pk != row["source_id"] and verified < at <= horizon
            ]  # fmt: skip
        else:
            day = timezone.localdate(verified)
            events = [
                at for at, business_day in
                failures[(row["outlet_id"], row["template_id"], row["item_text"])]
                if business_day > day and at <= horizon
            ]  # fmt: skip
        if events:
            result[row["pk"]] = min(events)
    return result


def collect_recurrences(*, scope, period, **_):
    """Verified rectifications whose finding recurred in the month, within RECURRENCE_DAYS of
    the verification, by outlet (each counted in the month it first came back)."""
    window_start = period.start_at - dt.timedelta(days=RECURRENCE_DAYS)
    verified = Rectification.objects.filter(
        outlet__path__startswith=scope.path,
        verified_at__gte=window_start,
        verified_at__lt=period.end_at,
    )
    outlet_of = dict(verified.values_list("pk", "outlet_id"))
    result: dict[int, Parts] = defaultdict(Parts)
    for pk, first in rectification_recurrences(verified, until=period.end_at).items():
        if first >= period.start_at:
            result[outlet_of[pk]]["rectifications_recurred"] += 1
    return result


def period_checklist_days(*, branches, period: Period) -> DailyChecklistDays:
    """The daily checklists of the outlets among `branches` (scope_branches: inactive ones
    too, their history counts) over the period up to today: what the checklist statistics
    count, and the dashboard's heat map draws."""
    return daily_checklist_days(
        outlets=[branch for branch in branches if branch.is_outlet],
        date_from=period.start,
        date_to=period.last_day,
    )


def collect_checklists(*, scope, period, branches, outlets=None, checklist_days=None, **_):
    """Each outlet's required days are its own opening days of the month up to today
    (branchservice.opening), and only checklists and excuses of those days count. What counts
    as missed is standards' rule, stated once (a due time that has passed), read with the
    same rows (standards.selectors.daily_checklist_days). `checklist_days`: the scope's
    period_checklist_days, if read already (by the dashboard, for its heat map too)."""
    wanted = outlets
    outlets = [
        branch
        for branch in branches
        if branch.is_outlet and (wanted is None or branch.pk in wanted)
    ]
    days = checklist_days
    if days is None:
        days = period_checklist_days(branches=outlets, period=period)
    counted = {outlet.pk for outlet in outlets}
    result: dict[int, Parts] = defaultdict(Parts)
    for outlet in outlets:
        if outlet.is_active and days.opening:
            result[outlet.pk]["checklists_required"] = len(days.opening[outlet.pk])
    for checklist in days.done:
        if checklist.branch_id in counted and checklist.business_date in days.opening.get(
            checklist.branch_id, ()
        ):
            parts = result[checklist.branch_id]
            parts["checklists_done"] += 1
            parts["critical_failures"] += checklist.critical_failures or 0
            if checklist.score is not None:
                parts["checklists_scored"] += 1
                parts["score_total"] += float(checklist.score)
    for branch_id, day in days.excused:
        if branch_id in counted and day in days.opening.get(branch_id, ()):
            result[branch_id]["checklists_excused"] += 1
    for entry in days.missing:
        if entry.is_missed and entry.branch.pk in counted:
            result[entry.branch.pk]["checklists_missed"] += 1
    return result


S = Statistic
pct = Format.PERCENT
register_source(
    Source(
        "entries",
        collect_entries,
        [
            S("entries", _("Entries"), _("Register entries received in the period (complaints, "
              "suggestions and praise), not counting void entries or duplicates merged into "
              "another."), count("entries")),
            S("complaints", _("Complaints"), _("Entries of kind complaint."), count("complaints")),
            S("suggestions", _("Suggestions"), _("Entries of kind suggestion."),
              count("suggestions")),
            S("praise", _("Praise"), _("Entries of kind praise."), count("praise")),
            S("founded_rate", _("Founded rate"), _("Complaints found founded ÷ complaints "
              "whose investigation has a result (founded or not)."),
              ratio("founded", "decided"), pct),
            S("at_fault_rate", _("Bank at fault %"), _("Complaints where the bank was at fault "
              "(有责投诉) ÷ complaints whose investigation has a result."),
              ratio("at_fault", "decided"), pct),
            S("ack_on_time", _("Acknowledged on time"), _("Complaints acknowledged to the "
              "customer by the acknowledgement deadline, counted by the end of the period."),
              count("ack_on_time")),
            S("ack_on_time_rate", _("Acknowledged on time %"), _("Acknowledged on time ÷ "
              "complaints acknowledged or due to be acknowledged by the end of the period."),
              ratio("ack_on_time", "ack_counted"), pct, target=0.95, lower_is_worse=True),
            S("reply_on_time", _("Replied on time"), _("Complaints replied to by the reply "
              "deadline of their deadline policy, counted by the end of the period."),
              count("reply_on_time")),
            S("reply_on_time_rate", _("Replied on time %"), _("Replied on time ÷ complaints "
              "replied or due to be replied by the end of the period."),
              ratio("reply_on_time", "reply_counted"), pct, target=0.95, lower_is_worse=True),
            S("escalated", _("Escalations"), _("Complaints received in the period and escalated "
              "above their outlet (to any level) by its end; each level's escalations are "
              "counted on their own."), count("escalated")),
            S("followed_up", _("Follow-up visits"), _("Complaints whose follow-up visit was "
              "done by the end of the period."), count("followed_up")),
            S("satisfaction_rate", _("Satisfaction %"), _("Follow-up visits where the customer "
              "was satisfied or basically satisfied ÷ follow-up visits with a rating "
              "(satisfied, basically satisfied, dissatisfied)."),
              ratio("satisfied", "rated"), pct, target=0.9, lower_is_worse=True),
            S("unreachable", _("Closed as unreachable"), _("Complaints whose customer could "
              "not be reached for the follow-up after two attempts on different days (no "
              "rating)."), count("unreachable")),
            S("unrated", _("Visit refused or anonymous"), _("Follow-ups without a rating: the "
              "customer refused the visit, or was anonymous."), count("unrated")),
            S("extended", _("Extensions"), _("Complaints whose regulatory period was extended "
              "(to 30 or 60 days) with approval."), count("extended")),
            S("paused", _("Paused clocks"), _("Complaints whose clock was paused for an "
              "appraisal, test, valuation or mediation."), count("paused")),
            S("corrected", _("Corrected evidence"), _("Entries whose receipt time, kind, "
              "channel, stated facts or complexity was corrected by an approved step."),
              count("corrected"), alarm=True),
            S("reviews", _("Reviews requested"), _("Complaints whose customer asked for a "
              "review (核查) of the decision by the end of the period."), count("reviews")),
            # The regulatory tables' column too (reporting.regulatory): one count for both.
            S("regulator_transfers", _("Regulator transfers"), _("Complaints of the period "
              "that a regulator transferred (channel 监管转办: 12378, 12363, 12345, letters and "
              "visits)."), count("regulator_transfers")),
            S("regulator_transfer_share", _("Regulator transfers %"), _("Regulator transfers "
              "÷ complaints."), ratio("regulator_transfers", "complaints"), pct),
        ],
    )
)  # fmt: skip
# Classifications: parts only, shown on their own sheets (columns are the reference data).
register_source(Source("by_channel", _breakdown("channel", "channel")))
register_source(Source("by_category", _breakdown("category_id", "category")))
register_source(Source("by_reason", _breakdown("reason_id", "reason")))
register_source(Source("repeats_by_reason", collect_repeats_by_reason))
# Escalations by the level they went to (逐级上报): one statistic per level above the outlet.
register_source(
    Source(
        "escalations",
        collect_escalations,
        [
            S("escalated_to_sub_branch", _("Escalations to a sub-branch"), _("Escalations to "
              "the sub-branch of the complaints received in the period, made by its end: a "
              "complaint handed back and escalated anew counts again."),
              count(f"escalated_to:{Branch.Level.SUB_BRANCH}")),
            S("escalated_to_tier1", _("Escalations to a tier-1 branch"), _("Escalations to "
              "the tier-1 branch of the complaints received in the period, made by its end: a "
              "complaint handed back and escalated anew counts again."),
              count(f"escalated_to:{Branch.Level.TIER1_BRANCH}")),
            S("escalated_to_head_office", _("Escalations to head office"), _("Escalations to "
              "head office of the complaints received in the period, made by its end: a "
              "complaint handed back and escalated anew counts again."),
              count(f"escalated_to:{Branch.Level.HEAD_OFFICE}")),
        ],
    )
)  # fmt: skip
register_source(
    Source(
        "root_causes",
        collect_root_causes,
        [
            S("quality_complaints", _("Quality complaints"), _("Complaints of the period "
              "marked as quality complaints (质量性投诉); the others are non-quality ones. "
              "By root cause on their own sheet."), count("quality")),
            S("quality_rate", _("Quality complaints %"), _("Quality complaints ÷ complaints."),
              lambda p: p["quality"] / (p["quality"] + p["non_quality"])
              if p["quality"] + p["non_quality"] else None, pct),
        ],
    )
)  # fmt: skip
register_source(
    Source(
        "standing",
        collect_standing,
        [
            S("open_overdue", _("Open overdue at period end"), _("Complaints (received at any "
              "time) past their reply deadline, not replied and not closed at the end of the "
              "period."), count("open_overdue"), alarm=True),
            S("open_at_end", _("Open at period end"), _("Complaints (received at any time) not "
              "closed at the end of the period, void and merged entries aside."),
              count("open_at_end")),
            S("regulatory_breached", _("Regulatory ceiling breached"), _("Complaints whose "
              "regulatory ceiling (15, 30 or 60 natural days, pauses and restarts counted) fell "
              "in the period and passed without a reply."), count("regulatory_breached"),
              alarm=True),
            S("repeats", _("Repeat complaints"), _("Complaints received in the period whose "
              "customer (same phone or ID number) complained before within the deadline "
              "policy's repeat window (90 days by default), or merged into an earlier entry of "
              "the same customer; merged ones are not counted as entries."), count("repeats")),
            S("repeat_rate", _("Repeat complaints %"), _("Repeat complaints ÷ complaints "
              "(the merged repeats, not counted as complaints, are in the numerator)."),
              ratio("repeats", "complaints"), pct, also_reads=("entries",)),
        ],
    )
)  # fmt: skip
register_source(
    Source(
        "customers",
        collect_customers,
        [
            S("customers", _("Customers"), _("The customer base entered for each outlet (admin: "
              "branches); outlets without a figure count none."), count("customers")),
            S("complaints_per_10k", _("Complaints per 10,000 customers"), _("Complaints ÷ "
              "customers × 10,000 (the regulator's bulletins rank banks by such a rate)."),
              lambda p: p["complaints"] * 10_000 / p["customers"] if p["customers"] else None,
              Format.PER, also_reads=("entries",)),
            S("outlets", _("Outlets"), _("Outlets in service (active) at the time of the "
              "report."), count("outlets")),
            S("complaints_per_1k_outlets", _("Complaints per 1,000 outlets"), _("Complaints ÷ "
              "outlets × 1,000 (the regulator's quarterly bulletins rank banks by it)."),
              lambda p: p["complaints"] * 1_000 / p["outlets"] if p["outlets"] else None,
              Format.PER, also_reads=("entries",)),
        ],
    )
)  # fmt: skip
register_source(
    Source(
        "handling_times",
        collect_handling_times,
        [
            S("handling_days_avg", _("Average handling time (working days)"), _("Working days "
              "from receipt to reply (the day of receipt is day 0, PRC working-day calendar), "
              "averaged over the period's complaints replied by its end."),
              mean("handling_days", "replied"), Format.DAYS),
            S("handling_days_p90", _("90th percentile handling time (working days)"),
              _("Nine in ten of the period's replied complaints were replied within this many "
                "working days (nearest-rank percentile)."),
              percentile("handling_days", 0.9), Format.DAYS),
            S("within_branch_ceiling", _("Replied within 7 working days"), _("Complaints "
              "received in the period and replied by its end within the branch ceiling of "
              "their deadline policy (7 working days from receipt by default), the working "
              "days of a pause (appraisal, mediation) not counted; an approved extension "
              "moves the ceiling to the extended regulatory date."),
              count("within_branch_ceiling")),
            S("within_branch_ceiling_rate", _("Replied within 7 working days %"), _("Replied "
              "within 7 working days ÷ complaints received in the period and replied by its "
              "end."), ratio("within_branch_ceiling", "replied"), pct, lower_is_worse=True),
            S("within_15_days", _("Replied within 15 days"), _("Complaints received in the "
              "period and replied by its end within 15 natural days on the regulator's clock: "
              "from receipt, or from the day new facts restarted it, the days of a pause "
              "(appraisal, mediation) not counted."), count("within_15_days")),
            S("within_15_days_rate", _("Replied within 15 days %"), _("Replied within 15 days "
              "÷ complaints received in the period and replied by its end."),
              ratio("within_15_days", "replied"), pct, lower_is_worse=True),
            S("within_30_days", _("Replied within 30 days"), _("As within 15 days, with 30 "
              "natural days (the limit of a complex case extended with approval); the 15-day "
              "replies are among them."), count("within_30_days")),
            S("within_30_days_rate", _("Replied within 30 days %"), _("Replied within 30 days "
              "÷ complaints received in the period and replied by its end."),
              ratio("within_30_days", "replied"), pct, lower_is_worse=True),
            S("within_60_days", _("Replied within 60 days"), _("As within 15 days, with 60 "
              "natural days (the longest extension the rules allow); the 30-day replies are "
              "among them."), count("within_60_days")),
            S("within_60_days_rate", _("Replied within 60 days %"), _("Replied within 60 days "
              "÷ complaints received in the period and replied by its end."),
              ratio("within_60_days", "replied"), pct, lower_is_worse=True),
        ],
    )
)  # fmt: skip
register_source(
    Source(
        "rectifications",
        collect_rectifications,
        [
            S("rectifications_opened", _("Rectifications raised"), _("Rectifications (整改) "
              "raised in the period for findings at the outlet: complaints where the bank was at "
              "fault, failed checklist and inspection items."), count("rectifications_opened")),
            S("rectifications_from_complaints", _("… from complaints"), _("Rectification "
              "notices raised in the period for complaints."),
              count("rectifications_from_complaints")),
            S("rectifications_from_checklists", _("… from checklists and inspections"),
              _("Rectifications raised in the period for failed checklist or inspection items."),
              count("rectifications_from_checklists")),
            S("rectifications_done", _("Rectifications done"), _("Rectifications recorded as "
              "done, with evidence, in the period (a rejected verification undoes it)."),
              count("rectifications_done")),
            S("rectifications_verified", _("Rectifications verified"), _("Rectifications "
              "whose evidence the outlet head or a manager above verified (验收) in the period."),
              count("rectifications_verified")),
            S("rectifications_overdue", _("Rectifications overdue"), _("Rectifications past "
              "their due date and neither done nor cancelled at the end of the period."),
              count("rectifications_overdue"), alarm=True),
            S("rectifications_open", _("Rectifications open"), _("Rectifications raised by the "
              "end of the period and neither done nor cancelled by then."),
              count("rectifications_open")),
        ],
    )
)  # fmt: skip
register_source(
    Source(
        "recurrences",
        collect_recurrences,
        [
            S("rectifications_recurred", _("Recurred after verification (溯源整改)"),
              _("Verified rectifications whose finding came back at the outlet in the period, "
                "within 90 days after the verification: a complaint with the same reason, or "
                "the same checklist item failing again."),
              count("rectifications_recurred"), alarm=True),
        ],
    )
)  # fmt: skip
register_source(
    Source(
        "checklists",
        collect_checklists,
        [
            S("checklists_required", _("Daily checklists required"), _("Opening days of the "
              "period up to today × active outlets: one daily self-check each. An outlet opens on "
              "PRC working days, its weekends and its chosen dates."),
              count("checklists_required")),
            S("checklists_done", _("Daily checklists submitted"), _("Daily checklists submitted "
              "or signed off for an opening day of the period."), count("checklists_done")),
            S("checklists_excused", _("Missed days excused"), _("Opening days without a daily "
              "checklist that a branch manager excused with a reason."),
              count("checklists_excused")),
            S("checklists_missed", _("Daily checklists missed"), _("Required days past their "
              "checklist's due time with none submitted or excused (today counts from its due "
              "time on)."), count("checklists_missed"), alarm=True),
            S("checklist_completion_rate", _("Checklist completion %"), _("(Submitted + "
              "excused) ÷ required."),
              lambda p: ((p["checklists_done"] + p["checklists_excused"])
                         / p["checklists_required"]) if p["checklists_required"] else None,
              pct, target=1.0, lower_is_worse=True),
            S("checklist_score_avg", _("Average checklist score"), _("Average score (weighted "
              "percentage of applicable items passed) of the submitted daily checklists."),
              mean("score_total", "checklists_scored"), Format.SCORE, lower_is_worse=True),
            S("critical_failures", _("Critical failures"), _("Critical items failed in the "
              "submitted daily checklists."), count("critical_failures"), alarm=True),
        ],
    )
)  # fmt: skip


register_source(
    Source(
        "inspections",
        collect_inspections,
        [
            S("mystery_score_avg", _("Mystery-shopper score"), _("Average score of the period's "
              "mystery-shopper visits (神秘访客)."), mean("mystery_total", "mystery_scored"),
              Format.SCORE, lower_is_worse=True),
            S("inspections", _("Branch inspections"), _("Branch inspections (the tier-1 "
              "branch's audits) done at the outlet in the period."), count("inspection_done")),
            S("inspection_score_avg", _("Inspection score"), _("Average score of the period's "
              "branch inspections."), mean("inspection_total", "inspection_scored"),
              Format.SCORE, lower_is_worse=True),
        ],
    )
)  # fmt: skip
register_source(
    Source(
        "teller_times",
        collect_teller_times,
        [
            S("wait_median", _("Median wait (minutes)"), _("Median waiting time of the period's "
              "queue tickets, from ticket to call, in whole minutes (限时服务)."), wait_median,
              Format.MINUTES),
            S("teller_within_rate", _("Within the standard time %"), _("Transactions handled "
              "within their type's standard time ÷ transactions of a type with a standard."),
              ratio("tickets_within", "tickets_judged"), pct, lower_is_worse=True),
        ],
    )
)  # fmt: skip


# ---- other reads of the workbook and the dashboard ------------------------------------------


def category_reason_matrix(*, scope: Branch, period: Period | dt.date) -> dict[tuple, int]:
    """Complaints of the period by (business category id, reason id); None for unclassified."""
    rows = (
        period_complaints(scope, as_period(period))
        .filter(kind=Complaint.Kind.COMPLAINT)
        .values_list("category_id", "reason_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(category, reason): n for category, reason, n in rows}


def complaint_counts(*, scope: Branch, period: Period) -> dict[tuple, int]:
    """Complaints of the period by (outlet id, business category id, reason id), the counts
    the written analysis compares (reporting.analysis): one grouped query."""
    rows = (
        period_complaints(scope, period)
        .filter(kind=Complaint.Kind.COMPLAINT)
        .values_list("branch_id", "category_id", "reason_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(branch_id, category, reason): n for branch_id, category, reason, n in rows}


def most_failed_items(*, scope: Branch, period: Period | dt.date, limit: int = 10) -> list[dict]:
    """Daily checklist items failed most often in the month, across template versions (an
    item is named by its section and text, which is what a reader recognises)."""
    window = as_period(period)
    return list(
        ChecklistAnswer.objects.filter(
            checklist__branch__path__startswith=scope.path,
            checklist__business_date__gte=window.start,
            checklist__business_date__lt=window.end,
            checklist__status__in=Checklist.DONE_STATUSES,
            checklist__template__kind="daily",
        )
        .values("item__section__title", "item__text", "item__is_critical")
        .annotate(
            failures=Count("pk", filter=Q(failed=True)),
            answers=Count("pk"),
        )
        .filter(failures__gt=0)
        .order_by("-failures", "item__section__title", "item__text")[:limit]
    )


# The detail sheets read these with the export's columns (COMPLAINTS.rows: values_list).
def complaint_details(*, scope: Branch, period: Period | dt.date):
    return period_complaints(scope, as_period(period)).order_by("branch__path", "received_at", "pk")


def overdue_details(*, scope: Branch, period: Period | dt.date):
    return (
        Complaint.objects.filter(overdue_at_end_q(as_period(period)))
        .filter(branch__path__startswith=scope.path)
        .order_by("reply_due_at", "pk")
    )


def rectification_details(*, scope: Branch, period: Period | dt.date):
    """Rectifications of every source raised by the end of the period and not verified or
    cancelled before it began, open ones first; `overdue_at_end` as the statistics count it."""
    window = as_period(period)
    return (
        Rectification.objects.filter(
            outlet__path__startswith=scope.path, created_at__lt=window.end_at
        )
        .exclude(verified_at__lt=window.start_at)
        .exclude(cancelled_at__lt=window.start_at)
        .annotate(
            overdue_at_end=ExpressionWrapper(
                rectification_overdue_at_end_q(window), output_field=BooleanField()
            )
        )
        .select_related("outlet", "owner")
        .order_by(OPEN_FIRST, "outlet__path", "due_date", "pk")
    )


def months_back(period: dt.date, n: int) -> list[dt.date]:
    months = [period]
    while len(months) < n:
        months.append((months[-1] - dt.timedelta(days=1)).replace(day=1))
    return list(reversed(months))


# The trend's figures: the counts behind "complaints" and "replied on time %".
TREND_COUNTS = ("complaints", "reply_counted", "reply_on_time")


def monthly_trend(*, scope: Branch, period: Period | dt.date, months: int = 12) -> list[dict]:
    """Complaints and on-time reply rate of the scope for the `months` months up to the last
    month of `period`, in one query: each month's counts are entry_aggregates' own, as of that
    month's end, restricted to the entries received in it."""
    last_month = as_period(period).last_day.replace(day=1)
    windows = [Period.month(month) for month in months_back(last_month, months)]
    counts = {}
    for n, window in enumerate(windows):
        received = Q(received_at__gte=window.start_at, received_at__lt=window.end_at)
        definitions = entry_aggregates(window)
        for key in TREND_COUNTS:
            counts[f"{key}_{n}"] = Count("pk", filter=received & definitions[key].filter)
    totals = period_complaints(scope, windows[0], until=windows[-1]).aggregate(**counts)
    trend = []
    for n, window in enumerate(windows):
        parts = Parts()
        parts.update({key: totals[f"{key}_{n}"] or 0 for key in TREND_COUNTS})
        trend.append(
            {
                "month": window.start,
                "complaints": parts["complaints"],
                "reply_on_time_rate": STATISTIC_BY_KEY["reply_on_time_rate"].compute(parts),
            }
        )
    return trend


def checklist_heatmap(*, scope: Branch, period: Period | dt.date, checklist_days=None):
    """Outlets × days of the month: done, excused, missed, not required (outlet closed,
    future, or today before its due time). Missed is standards' rule (one home).
    `checklist_days`: the scope's daily checklists over a range holding the month, read
    already (the dashboard's summary reads them for its period: a quarter holds its month)."""
    window = as_period(period)
    return checklist_grid(
        scope=scope, first=window.start, last=window.last_day, checklist_days=checklist_days
    )


def checklist_grid(*, scope: Branch, first: dt.date, last: dt.date, checklist_days=None):
    """The heat map's cells for the active outlets of `scope` over the days first..last
    (inclusive): the dashboard's month, or the outlet overview's last 30 days. The checklists
    are standards.selectors.daily_checklist_days' over the range (or `checklist_days`, read
    over a range holding it), whose days run up to today only: a later day is "off"."""
    outlets = list(
        Branch.objects.filter(
            path__startswith=scope.path, level=Branch.Level.OUTLET, is_active=True
        ).order_by("path")
    )
    days = checklist_days
    if days is None:
        days = daily_checklist_days(outlets=outlets, date_from=first, date_to=last)
    done = {(checklist.branch_id, checklist.business_date) for checklist in days.done}
    missed = {(entry.branch.pk, entry.business_date) for entry in days.missing if entry.is_missed}
    dates = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    rows = []
    for outlet in outlets:
        cells = []
        for day in dates:
            key = (outlet.pk, day)
            if key in done:
                cells.append("ok")
            elif key in missed:
                cells.append("missed")
            elif key in days.excused:
                cells.append("excused")
            else:
                cells.append("off")
        rows.append({"outlet": outlet, "cells": cells})
    return {"days": dates, "rows": rows}


def dashboard_data(*, scope: Branch, period: Period | dt.date) -> dict:
    """The summary of the scope's period with its charts' series; `checklist_days`, read once
    for the checklist statistics, serves the heat map too (checklist_heatmap)."""
    window = as_period(period)
    branches = scope_branches(scope)
    checklist_days = period_checklist_days(branches=branches, period=window)
    rows = branch_summary(
        scope=scope, period=window, branches=branches, checklist_days=checklist_days
    )
    total = rows[0].parts if rows else Parts()
    reasons = {r.pk: r.name for r in ComplaintReason.objects.all()}
    by_reason = sorted(
        (
            (reasons.get(int(key.split(":")[1]), "") if key.split(":")[1] else "", n)
            for key, n in total.items()
            if key.startswith("reason:") and n
        ),
        key=lambda item: -item[1],
    )
    completion = STATISTIC_BY_KEY["checklist_completion_rate"]
    outlets = [row for row in rows if row.branch.is_outlet]
    return {
        "trend": [
            {
                "month": f"{point['month']:%Y-%m}",
                "complaints": point["complaints"],
                "reply_on_time_rate": point["reply_on_time_rate"],
            }
            for point in monthly_trend(scope=scope, period=period)
        ],
        "by_reason": [{"label": label or str(_("Unclassified")), "n": n} for label, n in by_reason],
        "completion": [
            {"outlet": row.branch.name, "rate": completion.compute(row.parts)} for row in outlets
        ],
        "totals": {stat.key: stat.compute(total) for stat in statistics()},
        "rows": rows,
        "checklist_days": checklist_days,
    }


STATISTIC_BY_KEY = {stat.key: stat for stat in statistics()}
