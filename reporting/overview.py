"""The outlet overview: one outlet's league-table numbers, open complaints, daily checklists
of the last 30 days, inspections and rectifications on one page, for its branch manager.

The numbers are the league table's (reporting.league.COLUMNS, the summary's statistics) for
the month, the month before, and the outlet's sub-branch, which is shown only to those who may
see the sub-branch (an outlet's own staff see no other outlet's figures, not even summed).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Window
from django.utils import timezone

from branchservice.models import Branch
from branchservice.rectifications.models import OPEN_FIRST, Rectification
from branchservice.scoping import can_see_branch
from complaints.deadlines import WATCHED_LABELS, watched_states
from complaints.models import Complaint, DeadlinePolicy, DeadlineStatus
from standards.models import Checklist, TemplateKind

from . import league, selectors
from .league import Cell
from .selectors import Format

CHECKLIST_DAYS = 30
INSPECTION_DAYS = 180
SHOWN = 20


@dataclass
class Figure:
    label: object
    definition: object
    now: Cell
    before: Cell
    sub_branch: Cell | None
    lower_is_worse: bool

    @property
    def trend(self) -> str:
        """ "better", "worse" or "" against the month before."""
        now, before = self.now.value, self.before.value
        if now is None or before is None or now == before:
            return ""
        return "better" if (now > before) == self.lower_is_worse else "worse"


def previous_month(period: dt.date) -> dt.date:
    return (period - dt.timedelta(days=1)).replace(day=1)


def _row(scope, period, branch_id):
    rows = selectors.branch_summary(scope=scope, period=period, sources=league.SOURCES)
    return next(row for row in rows if row.branch.pk == branch_id), rows


def figures(*, outlet: Branch, period: dt.date, user) -> list[Figure]:
    parent = outlet.parent
    sub_branch = parent if parent is not None and can_see_branch(user, parent) else None
    if sub_branch is not None:
        now, rows = _row(sub_branch, period, outlet.pk)
        total = rows[0]
        outlets = sum(1 for row in rows if row.branch.is_outlet and row.branch.is_active) or 1
    else:
        now, _rows = _row(outlet, period, outlet.pk)
    before, _rows = _row(outlet, previous_month(period), outlet.pk)
    result = []
    for stat in league.columns():
        compared = None
        if sub_branch is not None:
            value = total.value(stat)
            # A count is compared with the sub-branch's average outlet, a rate with its rate.
            if stat.format == Format.COUNT and value is not None:
                value = value / outlets
            compared = Cell(
                value, None, Format.SCORE if stat.format == Format.COUNT else stat.format
            )
        result.append(
            Figure(
                label=stat.label,
                definition=stat.definition,
                now=Cell(now.value(stat), None, stat.format),
                before=Cell(before.value(stat), None, stat.format),
                sub_branch=compared,
                lower_is_worse=stat.lower_is_worse,
            )
        )
    return result


def open_complaints(*, outlet: Branch, now=None) -> tuple[list[dict], int]:
    """The outlet's open entries by next deadline, with the work queue's deadline states."""
    now = now or timezone.now()
    policies = list(DeadlinePolicy.objects.only("pk", "regulatory_warning_days"))
    rows = list(
        Complaint.objects.open()
        .filter(branch=outlet)
        .annotate(**watched_states(now, policies))
        .annotate(total=Window(Count("pk")))
        .order_by("next_due", "received_at", "pk")
        .values("pk", "reference", "status", "received_at", "total",
                *[f"dl_{stage}" for stage in Complaint.STAGES])[:SHOWN]
    )  # fmt: skip
    statuses = dict(Complaint.Status.choices)
    states = {state.value: state.label for state in DeadlineStatus}
    for row in rows:
        row["status_label"] = statuses[row["status"]]
        row["badges"] = [
            (row[f"dl_{stage}"], WATCHED_LABELS[stage], states[row[f"dl_{stage}"]])
            for stage in Complaint.STAGES
            if row[f"dl_{stage}"]
        ]
    return rows, rows[0]["total"] if rows else 0


def inspections(*, outlet: Branch, today: dt.date) -> list[Checklist]:
    """Mystery-shopper visits and branch inspections of the last INSPECTION_DAYS."""
    return list(
        Checklist.objects.exclude(template__kind=TemplateKind.DAILY)
        .filter(branch=outlet, business_date__gte=today - dt.timedelta(days=INSPECTION_DAYS))
        .select_related("template")
        .order_by("-business_date", "-pk")[:SHOWN]
    )


def rectifications(*, outlet: Branch) -> list[Rectification]:
    return list(
        Rectification.objects.filter(outlet=outlet)
        .exclude(status=Rectification.Status.CANCELLED)
        .select_related("owner")
        .order_by(OPEN_FIRST, "due_date", "pk")[:SHOWN]
    )


def outlet_overview(*, outlet: Branch, period: dt.date, user, today: dt.date | None = None):
    today = today or timezone.localdate()
    complaints, open_total = open_complaints(outlet=outlet)
    return {
        "figures": figures(outlet=outlet, period=period, user=user),
        "previous": previous_month(period),
        "complaints": complaints,
        "open_total": open_total,
        "checklists": selectors.checklist_grid(
            scope=outlet, first=today - dt.timedelta(days=CHECKLIST_DAYS - 1), last=today
        ),
        "inspections": inspections(outlet=outlet, today=today),
        "rectifications": rectifications(outlet=outlet),
    }
