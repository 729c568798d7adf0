"""The one computation of a complaint's stored deadlines from its facts.

Facts: the receipt, kind and complexity; the extension approved (`extension_tier`); the day new
facts or materials restarted the regulatory period (`period_started_at`); the finished pauses
of the clock; the reply, a reopening ("handle again") and a review request. Everything a list,
a filter or the reminder scan compares with "now" is stored by `compute_deadlines`, so when the
holiday calendar changes, `recompute_deadlines(complaint)` on each open complaint is all it
takes.

Counting (DOMAIN.md §2): working days for the bank's own limits, natural days for the
regulator's; day of receipt is day 0. Every walk over the calendar spans only the days between
its two ends: the receipt is bounded (Complaint.EARLIEST_RECEIPT, MAX_RECEIPT_AGE).
"""

import datetime as dt
import operator
from dataclasses import dataclass
from functools import reduce

from django.db.models import Case, CharField, DateTimeField, F, Q, Value, When
from django.db.models.functions import Least
from django.db.models.lookups import GreaterThan, LessThan, LessThanOrEqual, Range
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchservice.calendar import add_working_days, working_days_between

from .models import Complaint, DeadlinePolicy, DeadlineStatus, end_of_day

DUE_FIELDS = (
    "acknowledge_due_at",
    "reply_due_at",
    "branch_due_at",
    "regulatory_due_at",
    "followup_due_at",
    "review_due_at",
)


def _date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def paused_days(pauses, since: dt.date, *, branch=None) -> tuple[int, int]:
    """(natural days, working days at `branch`) of the finished pauses that began on or
    after `since`."""
    natural = working = 0
    for pause in pauses:
        if pause.ended_at is None or _date(pause.started_at) < since:
            continue
        start, end = _date(pause.started_at), _date(pause.ended_at)
        natural += (end - start).days
        working += working_days_between(start, end, branch=branch)
    return natural, working


def compute_deadlines(complaint: Complaint, policy: DeadlinePolicy, pauses=()) -> None:
    """Set every stored due date of `complaint` from its facts and `pauses` (its Pause rows).

    Praise has no deadlines; a suggestion is acknowledged and answered like a simple complaint;
    only complaints carry the branch and regulatory ceilings, the follow-up and the review. An
    approved extension moves the reply and both ceilings to the extended regulatory date.
    Working days are those of the complaint's outlet (its region's days included).
    """
    complaint.policy = policy
    for field in DUE_FIELDS:
        setattr(complaint, field, None)
    if complaint.kind == Complaint.Kind.PRAISE:
        return
    received = _date(complaint.received_at)
    outlet = complaint.branch_id
    complaint.acknowledge_due_at = end_of_day(
        add_working_days(received, policy.acknowledge_working_days, branch=outlet)
    )
    if complaint.kind == Complaint.Kind.SUGGESTION:
        complaint.reply_due_at = end_of_day(
            add_working_days(received, policy.reply_working_days_simple, branch=outlet)
        )
        return
    reply_days = (
        policy.reply_working_days_simple
        if complaint.complexity == Complaint.Complexity.SIMPLE
        else policy.reply_working_days_complex
    )
    _natural, paused_working = paused_days(pauses, received, branch=outlet)
    branch_days = policy.branch_ceiling_working_days + paused_working
    branch = end_of_day(add_working_days(received, branch_days, branch=outlet))
    # Handled again after a dissatisfied follow-up: a new reply deadline from that day.
    reply_from = _date(complaint.reopened_at) if complaint.reopened_at else received
    reply = end_of_day(add_working_days(reply_from, reply_days + paused_working, branch=outlet))
    # New facts or materials restart the regulatory period; pauses before that are spent.
    period_start = _date(complaint.period_started_at or complaint.received_at)
    paused_natural, _working = paused_days(pauses, period_start)
    regulatory = end_of_day(
        period_start
        + dt.timedelta(days=policy.regulatory_days(complaint.extension_tier) + paused_natural)
    )
    if complaint.extension_tier:
        reply = branch = regulatory
    complaint.regulatory_due_at = regulatory
    if not complaint.reopened_at:
        branch = min(branch, regulatory)
        reply = min(reply, branch)
    complaint.branch_due_at = branch
    complaint.reply_due_at = reply
    if complaint.replied_at:
        complaint.followup_due_at = end_of_day(
            add_working_days(complaint.replied_at, policy.followup_working_days, branch=outlet)
        )
    if complaint.review_requested_at:
        complaint.review_due_at = end_of_day(
            _date(complaint.review_requested_at) + dt.timedelta(days=policy.review_calendar_days)
        )


def recompute_deadlines(complaint: Complaint) -> None:
    """Recompute the stored due dates from the complaint's own facts and policy (not saved):
    after a change of the holiday calendar, or of a fact such as a pause or a correction."""
    compute_deadlines(
        complaint, complaint.policy or DeadlinePolicy.current(), list(complaint.pauses.all())
    )


# --- what is due on open entries, in SQL (the work queue; tests/reporting/test_work_queue.py)

# Every deadline a handler watches on an open entry, with the column that meets it: the steps
# and the two ceilings, which the reply meets (as the reminder scan has it). One table for the
# model's statuses, the list's badges and the queue: Complaint.STAGES.
WATCHED = Complaint.STAGES
WATCHED_LABELS = {
    "acknowledge": _("Acknowledgement"),
    "reply": _("Reply"),
    "branch": _("Branch ceiling"),
    "regulatory": _("Regulatory ceiling"),
    "followup": _("Follow-up visit"),
    "review": _("Review"),
    "regulator_feedback": _("Feedback to the transferring body"),
}
# "Due soon" for the bank's own limits: by the end of the second working day from today. The
# regulator's ceiling counts natural days: due soon within its policy's warning days, the
# window in which the reminder scan warns of it.
DUE_SOON_WORKING_DAYS = 2
# Sorts an entry with nothing pending (its clock paused) after every real deadline.
NEVER = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


@dataclass(frozen=True)
class _Watch:
    """One watched deadline of an entry, as SQL conditions."""

    due: str  # the due column
    pending: Q  # a due date is set and the step is not made
    counting: Q  # a pending deadline counts now (the clock runs, or the feedback is owed)
    aside: str  # the state of a pending deadline that does not count now
    soon: Q  # due soon, once it is neither overdue nor due today

    def next_due(self):
        """The due date while it counts, NEVER otherwise."""
        return Case(
            When(self.pending & self.counting, then=F(self.due)),
            default=Value(NEVER),
            output_field=DateTimeField(),
        )


@dataclass(frozen=True)
class _Watches:
    today_ends: dt.datetime
    bank_soon: dt.datetime
    stages: dict  # stage → _Watch


def _watches(now: dt.datetime, policies, prefix: str) -> _Watches:
    today_ends = end_of_day(_date(now))
    bank_soon = end_of_day(add_working_days(_date(now), DUE_SOON_WORKING_DAYS))
    # Within the warning days of the entry's policy (none without a policy).
    regulatory_soon = reduce(
        operator.or_,
        (
            Q(
                **{
                    f"{prefix}policy": policy.pk,
                    f"{prefix}regulatory_due_at__lte": now
                    + dt.timedelta(days=policy.regulatory_warning_days),
                }
            )
            for policy in policies
        ),
        Q(pk__in=[]),
    )
    stages = {}
    for stage, (due, done) in WATCHED.items():
        due, done = f"{prefix}{due}", f"{prefix}{done}"
        if stage in Complaint.UNPAUSED_STAGES:
            # Owed after closing and during a pause, not by a void or merged entry.
            counting = ~Q(**{f"{prefix}status__in": Complaint.NO_FEEDBACK_OWED})
            aside = ""
        else:
            counting = Q(**{f"{prefix}paused_since__isnull": True})
            aside = DeadlineStatus.PAUSED
        stages[stage] = _Watch(
            due=due,
            pending=Q(**{f"{done}__isnull": True, f"{due}__isnull": False}),
            counting=counting,
            aside=aside,
            soon=regulatory_soon if stage == "regulatory" else Q(**{f"{due}__lte": bank_soon}),
        )
    return _Watches(today_ends, bank_soon, stages)


def watched_states(now: dt.datetime, policies, prefix: str = "") -> dict:
    """Annotations of an open-entry queryset: `dl_<stage>` the DeadlineStatus of each watched
    deadline at `now` ("" when none is pending), and `next_due`, the earliest pending one.

    `policies` are the DeadlinePolicy rows the entries may use (their warning days); `prefix`
    reaches the complaint from a related model ("complaint__"). Pure SQL, so the states of
    every entry of a scope are counted in one query.
    """
    watches = _watches(now, policies, prefix)
    states = {
        f"dl_{stage}": Case(
            When(~watch.pending, then=Value("")),
            When(~watch.counting, then=Value(watch.aside)),
            When(Q(**{f"{watch.due}__lt": now}), then=Value(DeadlineStatus.OVERDUE)),
            When(
                Q(**{f"{watch.due}__lte": watches.today_ends}),
                then=Value(DeadlineStatus.DUE_TODAY),
            ),
            When(watch.soon, then=Value(DeadlineStatus.DUE_SOON)),
            default=Value(DeadlineStatus.ON_TIME),
            output_field=CharField(),
        )
        for stage, watch in watches.stages.items()
    }
    # Least is SQL's scalar MIN(): every argument is a date (NEVER for none pending), as
    # SQLite's is NULL as soon as one argument is.
    next_due = Least(*(watch.next_due() for watch in watches.stages.values()))
    return {**states, "next_due": next_due}


# The most urgent state of an entry decides where it is counted at the top of the queue.
URGENT = (DeadlineStatus.OVERDUE, DeadlineStatus.DUE_TODAY, DeadlineStatus.DUE_SOON)


def most_urgent(states) -> str:
    """The most urgent of an entry's deadline states (its `dl_<stage>` values), "" if none
    is urgent."""
    return next((state for state in URGENT if state in states), "")


def urgency_conditions(now: dt.datetime, policies, prefix: str = "") -> dict[str, Q]:
    """For each URGENT state, the condition that it is the most_urgent of an entry's
    watched_states at `now`: the queue counts every entry of a scope by them in SQL.

    Read from the deadlines that count now, not from the seven `dl_<stage>` states: Django
    repeats an annotation's whole expression wherever another refers to it, and the states'
    CASEs repeated per stage and state made the queue's statement 97 KB. An entry is overdue
    when its next deadline has passed, due today when that falls by the end of today, due soon
    when one of its bank deadlines falls by the end of the second working day or its
    regulatory ceiling is within its policy's warning days.
    """
    watches = _watches(now, policies, prefix)
    stages = watches.stages
    next_due = Least(*(watch.next_due() for watch in stages.values()))
    next_bank = Least(*(w.next_due() for stage, w in stages.items() if stage != "regulatory"))
    regulatory = stages["regulatory"]
    return {
        DeadlineStatus.OVERDUE: Q(LessThan(next_due, now)),
        DeadlineStatus.DUE_TODAY: Q(Range(next_due, (now, watches.today_ends))),
        DeadlineStatus.DUE_SOON: Q(GreaterThan(next_due, watches.today_ends))
        & (
            Q(LessThanOrEqual(next_bank, watches.bank_soon))
            | (regulatory.pending & regulatory.counting & regulatory.soon)
        ),
    }


# The regulator's terms (CBIRC Order 2020 No. 3, art. 18) that the statistics count replies
# against: a decision within 15 natural days, extended to 30, and by a further 30 to 60.
REGULATORY_TERMS = (15, 30, 60)
# The extension tiers a complaint's regulatory period can have (Complaint.extension_tier).
EXTENSION_TIERS = ("", Complaint.Complexity.COMPLEX, Complaint.Complexity.ESPECIALLY_COMPLEX)


def replied_within_branch_ceiling_q() -> Q:
    """Replied by the branch ceiling compute_deadlines stores: the end of the policy's last
    working day (7 by default) from receipt, the working days of finished pauses added, or the
    extended regulatory date once an extension is approved. The report reads the ceiling the
    complaint was held to, it does not count the working days a second time."""
    return Q(replied_at__lte=F("branch_due_at"))


def replied_within_q(days: int, policies) -> Q:
    """Replied by the end of natural day `days` of the complaint's regulatory clock.

    The clock is the one compute_deadlines keeps: it starts on the day of receipt (day 0),
    or on the day new facts or materials restarted it, and finished pauses (appraisal, testing,
    valuation, mediation) do not count. compute_deadlines stores its ceiling as the end of day
    (start + the tier's days + paused days), so the end of day `days` of the same clock is that
    ceiling moved back by (the tier's days − `days`): the report reads the clock, it does not
    count it a second time. One condition per policy and tier (a handful)."""
    conditions = [
        Q(
            policy_id=policy.pk,
            extension_tier=tier,
            replied_at__lte=F("regulatory_due_at")
            - dt.timedelta(days=policy.regulatory_days(tier) - days),
        )
        for policy in policies
        for tier in EXTENSION_TIERS
    ]
    return reduce(operator.or_, conditions, Q(pk__isnull=True))
