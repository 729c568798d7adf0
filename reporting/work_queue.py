"""The work queue: everything a complaint handler has to do next, in one list by deadline.

It is the admin home of complaint managers, outlet heads, branch managers and head office
(reporting.apps). Each *source* below reads one kind of open item of the user's scope
(branchservice.scoping) in a fixed number of queries: the first LIMIT items by deadline and
the number of items per urgency (overdue, due today, due soon). The queue merges them. An item
is a step still to be made, so it leaves the queue as soon as the step is made: an
acknowledged complaint's "acknowledge" item is gone (its reply, due later, is a new item).

Adding a kind of item is adding a function `(QueueRequest) -> Part` to SOURCES.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.db.models import Case, Count, Q, Sum, Value, When, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from branchservice.rectifications.models import OPEN_FIRST, Rectification
from branchservice.rectifications.services import STEPS as STEPS_OF_RECTIFICATION
from branchservice.roles import is_complaint_handler, may_verify_rectifications
from branchservice.scoping import scope_queryset, sees_everything, visible_branches
from complaints import workflow
from complaints.deadlines import (
    NEVER,
    WATCHED,
    WATCHED_LABELS,
    most_urgent,
    urgency_conditions,
    watched_states,
)
from complaints.models import (
    Complaint,
    Correction,
    DeadlinePolicy,
    DeadlineStatus,
    Decision,
    ExtensionRequest,
    Move,
    end_of_day,
)
from standards.models import Checklist
from standards.selectors import missed_and_pending_checklists

# Items shown at once (the counts at the top are of all of them).
LIMIT = 100
# Missed daily checklists are offered for an excuse over the days the outlet page shows.
MISSED_DAYS = 30


class View:
    """The queue's filters: what I handle, my outlet's, everything in my scope."""

    MINE = "mine"
    OUTLET = "outlet"
    SCOPE = "scope"
    LABELS = {MINE: _("Mine"), OUTLET: _("My outlet"), SCOPE: _("My scope")}


@dataclass(frozen=True)
class Badge:
    label: str
    state: str  # a DeadlineStatus value, "" for a date that is no deadline
    due: dt.datetime | None = None
    state_label: str = ""


@dataclass
class Item:
    key: str  # stable per step: the browser test and the page find an item by it
    what: str  # the step to make
    title: str
    outlet: str
    url: str
    next_due: dt.datetime | None
    badges: list[Badge] = field(default_factory=list)


@dataclass
class Part:
    """One source's share: its first items by deadline and its counts per urgency."""

    items: list[Item]
    counts: Counter
    total: int


@dataclass
class QueueRequest:
    user: object
    view: str
    now: dt.datetime

    @cached_property
    def roles(self) -> frozenset:
        # One query for the request; user.has_role asks the database every time.
        return self.user.role_names

    def role_may(self, roles) -> bool:
        return self.user.is_superuser or bool(self.roles & roles)

    def scoped(self, queryset, via="branch"):
        queryset = scope_queryset(queryset, self.user, via=via)
        if self.view == View.OUTLET:
            return queryset.filter(**{via: self.user.branch_id})
        return queryset

    def may(self, perm: str) -> bool:
        return self.user.has_perm(perm)

    @cached_property
    def policies(self) -> list:
        # The warning days of every policy an entry may use (complaints.deadlines).
        return list(DeadlinePolicy.objects.only("pk", "regulatory_warning_days"))

    @cached_property
    def labels(self) -> dict[str, str]:
        # Each label translated once for the page, not once per badge.
        return {
            **{stage: str(label) for stage, label in WATCHED_LABELS.items()},
            **{state.value: str(state.label) for state in DeadlineStatus},
        }

    @property
    def is_senior(self) -> bool:
        user = self.user
        return self.role_may(workflow.HEAD_OFFICE) or (
            user.branch is not None and user.branch.level in workflow.SENIOR_LEVELS
        )


def views_for(user) -> list[str]:
    """The filters that mean something for `user`: "my outlet" where they work at one, "my
    scope" where that is more than one outlet."""
    branch = user.branch
    at_outlet = branch is not None and branch.is_outlet and not sees_everything(user)
    return [View.MINE, View.OUTLET] if at_outlet else [View.MINE, View.SCOPE]


def default_view(user) -> str:
    # Head office's scope is the whole bank: its own items first.
    return View.MINE if sees_everything(user) else views_for(user)[-1]


# --- complaints: the next step of each open entry -----------------------------------------

# The step an open entry waits for, the first of these its status, kind and the user's role
# allow (complaints.workflow). An escalated entry is its level's (workflow.holds); a review is
# decided above.
STEPS = [Move.ACKNOWLEDGE, Move.RESOLVE, Move.FOLLOW_UP, Move.CLOSE, Move.DECIDE_REVIEW]


def _steps_for(request) -> dict[tuple[str, str], Move]:
    """(status, kind) → the step the user would make on such an entry."""
    steps = {}
    for status in Complaint.OPEN_STATUSES:
        for kind in Complaint.Kind.values:
            for move in STEPS:
                if any(
                    t.move == move
                    and status in t.sources
                    and kind in t.kinds
                    and request.role_may(t.roles)
                    for t in workflow.TRANSITIONS
                ):
                    steps[(status, kind)] = move
                    break
    return steps


def _badges(request, row, prefix="") -> list[Badge]:
    """The pending deadlines of a row annotated with complaints.deadlines.watched_states."""
    labels = request.labels
    return [
        Badge(labels[stage], state, row[f"{prefix}{WATCHED[stage][0]}"], labels[state])
        for stage in WATCHED
        if (state := row[f"dl_{stage}"])
    ]


def _watched(request, queryset, prefix=""):
    """`queryset` with its complaint's deadline states at the request's moment."""
    return queryset.annotate(**watched_states(request.now, request.policies, prefix))


def _watched_values(prefix=""):
    return [
        *[f"{prefix}{due}" for due, _done in WATCHED.values()],
        *[f"dl_{stage}" for stage in WATCHED],
        "next_due",
    ]


def _urgency(row) -> str:
    return most_urgent([row[f"dl_{stage}"] for stage in WATCHED])


def _real(moment):
    """A sort key of NEVER (nothing pending) is no deadline."""
    return None if moment is None or moment.year == NEVER.year else moment


def complaints_to_handle(request: QueueRequest) -> Part:
    """Each open entry the user may make its next step on, with every pending deadline."""
    if not is_complaint_handler(request.user):
        return Part([], Counter(), 0)
    steps = _steps_for(request)
    which = Q(pk__in=[])
    for status, kind in steps:
        which |= Q(status=status, kind=kind)
    escalated = Q(status=Complaint.Status.ESCALATED)
    # An escalated entry is moved by the level that holds it only: there it is everyone's
    # of that level ("mine" too), the outlet's handler waits for it to come back.
    queryset = request.scoped(Complaint.objects.filter(which)).exclude(
        escalated & ~workflow.held_q(request.user)
    )
    if not request.user.is_superuser:
        # The level above the outlet decides a review (workflow._may_decide_review).
        queryset = queryset.exclude(status=Complaint.Status.REVIEWING, branch=request.user.branch)
    if request.view == View.MINE:
        user = request.user
        queryset = queryset.filter(
            Q(handler=user) | Q(handler=None, registered_by=user) | escalated
        )
    queryset = _watched(request, queryset)
    # The counts over every row ride along on the rows shown (window aggregates): one query.
    urgent = urgency_conditions(request.now, request.policies)
    counted = {
        f"n_{state}": Window(Sum(Case(When(condition, then=1), default=0)))
        for state, condition in urgent.items()
    }
    rows = list(
        queryset.annotate(n_all=Window(Count("pk")), **counted)
        .order_by("next_due", "received_at", "pk")
        .values(
            "pk",
            "reference",
            "status",
            "kind",
            "branch__name",
            *_watched_values(),
            "n_all",
            *counted,
        )[:LIMIT]
    )
    counts = Counter({state: rows[0][f"n_{state}"] for state in urgent} if rows else {})
    change = reverse("admin:complaints_complaint_change", args=[0])
    items = [
        Item(
            key=f"complaint-{row['pk']}-{row['status']}",
            what=steps[(row["status"], row["kind"])].label,
            title=row["reference"],
            outlet=row["branch__name"],
            url=change.replace("/0/", f"/{row['pk']}/", 1),
            next_due=_real(row["next_due"]),
            badges=_badges(request, row),
        )
        for row in rows
    ]
    return Part(items, counts, rows[0]["n_all"] if rows else 0)


def _decisions(request, model, approver_statuses, prefix="complaint__"):
    """Requests awaiting a decision the user may make: approvers decide at the outlet and
    below, and on escalated entries their level holds (workflow.holds); nobody decides their
    own request. Few by nature (one per entry and field at most): all are read, in one
    query."""
    if not request.role_may(workflow.APPROVERS):
        return None
    which = Q(complaint__status__in=approver_statuses) | (
        Q(complaint__status=Complaint.Status.ESCALATED)
        & workflow.held_q(request.user, prefix="complaint__")
    )
    queryset = request.scoped(
        model.objects.filter(which, decision=Decision.PENDING), via="complaint__branch"
    ).exclude(requested_by=request.user)
    return _watched(request, queryset, prefix)


def _decision_items(request, queryset, move, kind, title) -> Part:
    if queryset is None:
        return Part([], Counter(), 0)
    rows = list(
        queryset.order_by("next_due", "requested_at", "pk").values(
            "pk",
            "complaint",
            "complaint__reference",
            "complaint__branch__name",
            *_watched_values("complaint__"),
            *title,
        )
    )
    change = reverse("admin:complaints_complaint_change", args=[0])
    items = [
        Item(
            key=f"{kind}-{row['pk']}",
            what=move.label,
            title=" · ".join(str(row[f]) for f in ("complaint__reference", *title) if row[f]),
            outlet=row["complaint__branch__name"],
            url=change.replace("/0/", f"/{row['complaint']}/", 1),
            next_due=_real(row["next_due"]),
            badges=_badges(request, row, "complaint__"),
        )
        for row in rows
    ]
    counts = Counter(state for row in rows if (state := _urgency(row)))
    return Part(items[:LIMIT], counts, len(rows))


def extensions_to_decide(request: QueueRequest) -> Part:
    queryset = _decisions(request, ExtensionRequest, workflow.HANDLING)
    if queryset is not None and not request.is_senior:
        # An extension to 60 days needs a tier-1 branch or head office
        # (workflow.extension_approver_error).
        queryset = queryset.exclude(tier=Complaint.Complexity.ESPECIALLY_COMPLEX)
    return _decision_items(request, queryset, Move.EXTEND, "extension", ())


def corrections_to_decide(request: QueueRequest) -> Part:
    queryset = _decisions(request, Correction, workflow.FIXED - {Complaint.Status.ESCALATED})
    return _decision_items(request, queryset, Move.DECIDE_CORRECTION, "correction", ("field",))


def checklists_to_sign_off(request: QueueRequest) -> Part:
    """Submitted checklists: the outlet head's ("mine" at their outlet), in the order they
    came in. A sign-off has no deadline of its own, so these follow the dated items."""
    if not request.may("standards.review_checklist"):
        return Part([], Counter(), 0)
    queryset = request.scoped(Checklist.objects.filter(status=Checklist.Status.SUBMITTED))
    if request.view == View.MINE:
        queryset = queryset.filter(branch=request.user.branch_id)
    rows = list(
        queryset.annotate(total=Window(Count("pk")))
        .order_by("submitted_at", "pk")
        .values("pk", "business_date", "template__name", "branch__name", "submitted_at", "total")[
            :LIMIT
        ]
    )
    review = reverse("admin:standards_checklist_review", args=[0])
    items = [
        Item(
            key=f"checklist-{row['pk']}",
            what=_("Sign off the checklist"),
            title=f"{row['template__name']} {row['business_date']:%Y-%m-%d}",
            outlet=row["branch__name"],
            url=review.replace("/0/", f"/{row['pk']}/", 1),
            next_due=None,
            badges=[Badge(str(_("Submitted")), "", row["submitted_at"])],
        )
        for row in rows
    ]
    return Part(items, Counter(), rows[0]["total"] if rows else 0)


def missed_checklists_to_excuse(request: QueueRequest) -> Part:
    """Working days of the last MISSED_DAYS with no daily checklist and no excuse yet."""
    if not request.may("standards.add_missedchecklistexcuse"):
        return Part([], Counter(), 0)
    branches = visible_branches(request.user)
    if request.view in (View.MINE, View.OUTLET):
        branches = branches.filter(pk=request.user.branch_id)
    today = timezone.localdate(request.now)
    missed = [
        m
        for m in missed_and_pending_checklists(
            branches_qs=branches,
            date_from=today - dt.timedelta(days=MISSED_DAYS),
            date_to=today,
            now=request.now,
        )
        if m.is_missed
    ]
    add = reverse("admin:standards_missedchecklistexcuse_add")
    label, overdue = str(_("Daily checklist")), request.labels[DeadlineStatus.OVERDUE]
    items = [
        Item(
            key=f"missed-{m.branch.pk}-{m.business_date:%Y%m%d}",
            what=_("Excuse the missed checklist"),
            title=f"{m.business_date:%Y-%m-%d}",
            outlet=m.branch.name,
            url=f"{add}?{urlencode({'branch': m.branch.pk, 'business_date': m.business_date})}",
            next_due=m.due_at,
            badges=[Badge(label, DeadlineStatus.OVERDUE, m.due_at, overdue)],
        )
        for m in missed[:LIMIT]
    ]
    return Part(items, Counter({DeadlineStatus.OVERDUE: len(missed)}), len(missed))


def rectifications_to_do(request: QueueRequest) -> Part:
    """Rectifications of every source: open ones to record as done (the owner's; in "my
    outlet" and "my scope" all those the user may work on), and done ones to verify (验收)
    for the outlet head and the managers above, never by whoever did them. One query."""
    user, today = request.user, timezone.localdate(request.now)
    S = Rectification.Status
    to_do = Q(status=S.OPEN, owner=user)
    if request.view != View.MINE and request.may("rectifications.change_rectification"):
        to_do = Q(status=S.OPEN)
    which = to_do
    if may_verify_rectifications(user):
        to_verify = Q(status=S.DONE) & ~Q(owner=user) & ~Q(completed_by=user)
        if request.view == View.MINE:
            to_verify &= Q(outlet=user.branch_id)
        which |= to_verify
    soon = today + dt.timedelta(days=settings.RECTIFICATION_WARNING_DAYS)
    urgency_of = {
        DeadlineStatus.OVERDUE: Q(status=S.OPEN, due_date__lt=today),
        DeadlineStatus.DUE_TODAY: Q(status=S.OPEN, due_date=today),
        DeadlineStatus.DUE_SOON: Q(status=S.OPEN, due_date__gt=today, due_date__lte=soon),
    }
    counted = {
        f"n_{state}": Window(Sum(Case(When(urgency=state, then=1), default=0)))
        for state in urgency_of
    }
    rows = list(
        request.scoped(Rectification.objects.filter(which), via="outlet")
        .annotate(
            urgency=Case(
                *[When(q, then=Value(state)) for state, q in urgency_of.items()],
                default=Value(DeadlineStatus.ON_TIME),
            )
        )
        .annotate(n_all=Window(Count("pk")), **counted)
        .order_by(OPEN_FIRST, "due_date", "pk")
        .values("pk", "status", "source_label", "outlet__name", "due_date", "completed_at",
                "urgency", "n_all", *counted)[:LIMIT]
    )  # fmt: skip
    counts = Counter({state: rows[0][f"n_{state}"] for state in urgency_of} if rows else {})
    labels = request.labels
    due_label, done_label = str(_("Due date")), str(_("Completed at"))
    steps = {S.OPEN: STEPS_OF_RECTIFICATION["complete"], S.DONE: STEPS_OF_RECTIFICATION["verify"]}
    change = reverse("admin:rectifications_rectification_change", args=[0])
    items = []
    for row in rows:
        if row["status"] == S.OPEN:
            due = end_of_day(row["due_date"])
            badges = [Badge(due_label, row["urgency"], due, labels[row["urgency"]])]
        else:
            due, badges = None, [Badge(done_label, "", row["completed_at"])]
        items.append(
            Item(
                key=f"rectification-{row['pk']}-{row['status']}",
                what=steps[row["status"]].label,
                title=row["source_label"],
                outlet=row["outlet__name"],
                url=change.replace("/0/", f"/{row['pk']}/", 1),
                next_due=due,
                badges=badges,
            )
        )
    return Part(items, counts, rows[0]["n_all"] if rows else 0)


# Each source reads one kind of item.
SOURCES = [
    complaints_to_handle,
    extensions_to_decide,
    corrections_to_decide,
    checklists_to_sign_off,
    missed_checklists_to_excuse,
    rectifications_to_do,
]


@dataclass
class Queue:
    items: list[Item]
    counts: Counter  # items per urgency (DeadlineStatus value), over all items, not just shown
    total: int
    view: str
    views: list[str]

    @property
    def shown_all(self) -> bool:
        return len(self.items) == self.total


def work_queue(*, user, view: str | None = None, now=None) -> Queue:
    """The user's open items by next deadline (undated last), at most LIMIT of them."""
    views = views_for(user)
    view = view if view in views else default_view(user)
    request = QueueRequest(user=user, view=view, now=now or timezone.now())
    parts = [source(request) for source in SOURCES]
    items = sorted(
        (item for part in parts for item in part.items),
        key=lambda item: (item.next_due is None, item.next_due or request.now),
    )
    counts = Counter()
    for part in parts:
        counts.update(part.counts)
    return Queue(
        items=items[:LIMIT],
        counts=counts,
        total=sum(part.total for part in parts),
        view=view,
        views=views,
    )
