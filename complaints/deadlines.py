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

from django.utils import timezone

from branchservice.calendar import add_working_days, working_days_between

from .models import Complaint, DeadlinePolicy, end_of_day

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


def paused_days(pauses, since: dt.date) -> tuple[int, int]:
    """(natural days, working days) of the finished pauses that began on or after `since`."""
    natural = working = 0
    for pause in pauses:
        if pause.ended_at is None or _date(pause.started_at) < since:
            continue
        start, end = _date(pause.started_at), _date(pause.ended_at)
        natural += (end - start).days
        working += working_days_between(start, end)
    return natural, working


def compute_deadlines(complaint: Complaint, policy: DeadlinePolicy, pauses=()) -> None:
    """Set every stored due date of `complaint` from its facts and `pauses` (its Pause rows).

    Praise has no deadlines; a suggestion is acknowledged and answered like a simple complaint;
    only complaints carry the branch and regulatory ceilings, the follow-up and the review. An
    approved extension moves the reply and both ceilings to the extended regulatory date.
    """
    complaint.policy = policy
    for field in DUE_FIELDS:
        setattr(complaint, field, None)
    if complaint.kind == Complaint.Kind.PRAISE:
        return
    received = _date(complaint.received_at)
    complaint.acknowledge_due_at = end_of_day(
        add_working_days(received, policy.acknowledge_working_days)
    )
    if complaint.kind == Complaint.Kind.SUGGESTION:
        complaint.reply_due_at = end_of_day(
            add_working_days(received, policy.reply_working_days_simple)
        )
        return
    reply_days = (
        policy.reply_working_days_simple
        if complaint.complexity == Complaint.Complexity.SIMPLE
        else policy.reply_working_days_complex
    )
    _natural, paused_working = paused_days(pauses, received)
    branch = end_of_day(
        add_working_days(received, policy.branch_ceiling_working_days + paused_working)
    )
    # Handled again after a dissatisfied follow-up: a new reply deadline from that day.
    reply_from = _date(complaint.reopened_at) if complaint.reopened_at else received
    reply = end_of_day(add_working_days(reply_from, reply_days + paused_working))
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
            add_working_days(complaint.replied_at, policy.followup_working_days)
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
