"""What is due on daily checklists, and to whom (the reminder scan).

    a part of today's daily checklist not done by its reminder time  → the outlet's lobby managers
    ... and still not by its escalation time                          → the outlet head

Each part of the day (opening, daytime, closing checks) has its own times and its own reminder
(standards.due). Only the outlet's opening days need a checklist (the selector knows them and
excused days). The rectifications of failed items are reminded by branchservice.rectifications'
scan.
"""

import datetime as dt

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchservice.models import Branch
from branchservice.notifications.models import Notification
from branchservice.notifications.registry import (
    NO_LONGER_DUE_DONE,
    Reminder,
)

from .models import ChecklistPart
from .selectors import missed_and_pending_checklists

Stage = Notification.Stage


class Kind(models.TextChoices):
    """The reminders this scan sends (registered in StandardsConfig.ready())."""

    CHECKLIST = "checklist", _("Daily checklist")
    CHECKLIST_OPENING = "checklist_opening", _("Daily checklist: opening check")
    CHECKLIST_CLOSING = "checklist_closing", _("Daily checklist: closing check")


KINDS = Kind.values
# A daytime part is the checklist as it was before parts: its reminders keep their kind and
# occurrence (the day), so none is sent twice across the change.
KIND_OF_PART = {
    ChecklistPart.OPENING: Kind.CHECKLIST_OPENING,
    ChecklistPart.DAYTIME: Kind.CHECKLIST,
    ChecklistPart.CLOSING: Kind.CHECKLIST_CLOSING,
}
# What each reminder says. "%(object)s" is the outlet, "%(due)s" the deadline.
HEADLINES = {
    (Kind.CHECKLIST, Stage.OVERDUE): _(
        "Today's service checklist of %(object)s has not been submitted (due by %(due)s)."
    ),
    (Kind.CHECKLIST, Stage.ESCALATED): _(
        "Today's service checklist of %(object)s is still not submitted (due by %(due)s)."
    ),
    (Kind.CHECKLIST_OPENING, Stage.OVERDUE): _(
        "The opening check of %(object)s's service checklist is not done (due by %(due)s)."
    ),
    (Kind.CHECKLIST_OPENING, Stage.ESCALATED): _(
        "The opening check of %(object)s's service checklist is still not done (due by %(due)s)."
    ),
    (Kind.CHECKLIST_CLOSING, Stage.OVERDUE): _(
        "The closing check of %(object)s's service checklist is not done (due by %(due)s)."
    ),
    (Kind.CHECKLIST_CLOSING, Stage.ESCALATED): _(
        "The closing check of %(object)s's service checklist is still not done (due by %(due)s)."
    ),
}


def _occurrence(day: dt.date, part: ChecklistPart) -> str:
    if part == ChecklistPart.DAYTIME:
        return day.isoformat()
    return f"{day.isoformat()} {part.value}"


def _missing_checklists(now, directory):
    today = timezone.localdate(now)
    missing = missed_and_pending_checklists(
        branches_qs=Branch.objects.all(), date_from=today, date_to=today, now=now
    )
    for entry in missing:
        for part in entry.parts:
            stages = []
            if now >= part.remind_at:
                stages.append((Stage.OVERDUE, directory.lobby_managers))
            if now >= part.escalate_at:
                stages.append((Stage.ESCALATED, directory.outlet_heads))
            for stage, recipients in stages:
                yield Reminder(
                    target=entry.branch,
                    kind=KIND_OF_PART[part.part],
                    stage=stage,
                    recipient_ids=recipients(entry.branch.pk),
                    due_at=part.remind_at,
                    occurrence=_occurrence(today, part.part),
                    label=entry.branch.name,
                    # The outlet's checklist page, where lobby managers (no admin access) work.
                    url=reverse("standards:outlet", args=[entry.branch.pk]),
                    # Only outlets open today are listed: a weekend-open outlet's Saturday
                    # reminder goes out on Saturday, not with Monday's digest.
                    on_days_off=True,
                )


def scan(*, now, directory):
    yield from _missing_checklists(now, directory)


def still_due(notification, target) -> str | None:
    day, _, part = notification.occurrence.partition(" ")
    day = dt.date.fromisoformat(day)
    part = ChecklistPart(part or ChecklistPart.DAYTIME)
    still_missing = missed_and_pending_checklists(
        branches_qs=Branch.objects.filter(pk=target.pk), date_from=day, date_to=day
    )
    if any(p.part == part for entry in still_missing for p in entry.parts):
        return None
    return str(NO_LONGER_DUE_DONE)
