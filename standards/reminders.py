"""What is due on daily checklists, and to whom (the reminder scan).

    today's daily checklist not submitted by CHECKLIST_REMINDER_AT  → the outlet's lobby managers
    ... and still not by CHECKLIST_ESCALATION_AT                      → the outlet head

Only the outlet's opening days need a checklist (the selector knows them and excused days). The
rectifications of failed items are reminded by branchservice.rectifications' scan.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchservice.models import Branch
from branchservice.notifications.hours import at
from branchservice.notifications.models import Notification
from branchservice.notifications.registry import (
    NO_LONGER_DUE_DONE,
    Reminder,
)

from .selectors import missed_and_pending_checklists

Stage = Notification.Stage


class Kind(models.TextChoices):
    """The reminders this scan sends (registered in StandardsConfig.ready())."""

    CHECKLIST = "checklist", _("Daily checklist")


KINDS = Kind.values
# What each reminder says. "%(object)s" is the outlet, "%(due)s" the deadline.
HEADLINES = {
    (Kind.CHECKLIST, Stage.OVERDUE): _(
        "Today's service checklist of %(object)s has not been submitted (due by %(due)s)."
    ),
    (Kind.CHECKLIST, Stage.ESCALATED): _(
        "Today's service checklist of %(object)s is still not submitted (due by %(due)s)."
    ),
}


def _clock(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def _missing_checklists(now, directory):
    today = timezone.localdate(now)
    local = timezone.localtime(now).time()
    remind_at = _clock(settings.CHECKLIST_REMINDER_AT)
    escalate_at = _clock(settings.CHECKLIST_ESCALATION_AT)
    if local < remind_at:
        return
    missing = missed_and_pending_checklists(
        branches_qs=Branch.objects.all(), date_from=today, date_to=today, now=now
    )
    stages = [(Stage.OVERDUE, remind_at, directory.lobby_managers)]
    if local >= escalate_at:
        stages.append((Stage.ESCALATED, remind_at, directory.outlet_heads))
    for entry in missing:
        for stage, due, recipients in stages:
            yield Reminder(
                target=entry.branch,
                kind=Kind.CHECKLIST,
                stage=stage,
                recipient_ids=recipients(entry.branch.pk),
                due_at=at(today, due),
                occurrence=today.isoformat(),
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
    day = dt.date.fromisoformat(notification.occurrence)
    still_missing = missed_and_pending_checklists(
        branches_qs=Branch.objects.filter(pk=target.pk), date_from=day, date_to=day
    )
    return None if still_missing else str(NO_LONGER_DUE_DONE)
