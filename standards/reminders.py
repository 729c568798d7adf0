"""What is due on daily checklists and corrective actions, and to whom (the reminder scan).

    today's daily checklist not submitted by CHECKLIST_REMINDER_AT  → the outlet's lobby managers
    ... and still not by CHECKLIST_ESCALATION_AT                      → the outlet head
    corrective action due today / overdue                           → owner, outlet head

Only working days need a checklist (the selector knows the calendar and excused days).
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
    admin_url,
    batched,
)

from .models import CorrectiveAction
from .selectors import missed_and_pending_checklists

Stage = Notification.Stage


class Kind(models.TextChoices):
    """The reminders this scan sends (registered in StandardsConfig.ready())."""

    CORRECTIVE_ACTION = "corrective_action", _("Corrective action")
    CHECKLIST = "checklist", _("Daily checklist")


KINDS = Kind.values
# What each reminder says. "%(object)s" is the outlet or the action, "%(due)s" the deadline.
HEADLINES = {
    (Kind.CORRECTIVE_ACTION, Stage.DUE): _("Corrective action %(object)s is due today."),
    (Kind.CORRECTIVE_ACTION, Stage.OVERDUE): _(
        "Corrective action %(object)s is overdue: it was due by %(due)s."
    ),
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
            )


def _corrective_actions(now, directory):
    today = timezone.localdate(now)
    actions = (
        CorrectiveAction.objects.open()
        .filter(due_date__lte=today)
        .only("pk", "branch_id", "owner_id", "due_date", "status", "required_action")
        .order_by("pk")
    )
    for action in batched(actions):
        yield Reminder(
            target=action,
            kind=Kind.CORRECTIVE_ACTION,
            stage=Stage.DUE if action.due_date == today else Stage.OVERDUE,
            recipient_ids=[action.owner_id, *directory.outlet_heads(action.branch_id)],
            # Due "on" a date: by the close of that day.
            due_at=at(action.due_date, dt.time(23, 59, 59)),
            occurrence=action.due_date.isoformat(),
            label=action.required_action[:60],
            url=admin_url(action),
        )


def scan(*, now, directory):
    yield from _missing_checklists(now, directory)
    yield from _corrective_actions(now, directory)


def still_due(notification, target) -> str | None:
    if isinstance(target, CorrectiveAction):
        if target.status == CorrectiveAction.Status.DONE:
            return str(NO_LONGER_DUE_DONE)
        return None
    day = dt.date.fromisoformat(notification.occurrence)
    still_missing = missed_and_pending_checklists(
        branches_qs=Branch.objects.filter(pk=target.pk), date_from=day, date_to=day
    )
    return None if still_missing else str(NO_LONGER_DUE_DONE)
