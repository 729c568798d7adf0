"""What is due on rectifications, and to whom (the one reminder scan for every source).

open, due within RECTIFICATION_WARNING_DAYS      → owner
open, due today / overdue                         → owner, outlet head
done, awaiting verification (验收)                → outlet head (else the managers above)

Told by the recount, not found by the scan: a due date a change of the holiday calendar moved
(`due_date_moved`), to the owner's bell at once and in the next mail of their reminders, with
the complaints moved by the same change.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchservice.notifications.hours import at
from branchservice.notifications.models import Notification
from branchservice.notifications.registry import (
    NO_LONGER_DUE_DONE,
    NO_LONGER_DUE_MOVED,
    Reminder,
    admin_url,
    batched,
)

from .models import Rectification

Stage = Notification.Stage
S = Rectification.Status


class Kind(models.TextChoices):
    """The reminders this scan sends (registered in RectificationsConfig.ready())."""

    RECTIFICATION = "rectification", _("Rectification")
    RECTIFICATION_VERIFY = "rectification_verify", _("Rectification to verify")
    RECTIFICATION_DUE_MOVED = "rectification_due_moved", _("Due date moved by the calendar")


KINDS = Kind.values
# "%(object)s" is the rectification (its finding and action), "%(due)s" its deadline.
HEADLINES = {
    (Kind.RECTIFICATION, Stage.WARNING): _("Rectification %(object)s is due by %(due)s."),
    (Kind.RECTIFICATION, Stage.DUE): _("Rectification %(object)s is due today."),
    (Kind.RECTIFICATION, Stage.OVERDUE): _(
        "Rectification %(object)s is overdue: it was due by %(due)s."
    ),
    (Kind.RECTIFICATION_VERIFY, Stage.DUE): _(
        "Rectification %(object)s is done and awaits your verification (验收)."
    ),
    (Kind.RECTIFICATION_DUE_MOVED, Stage.DUE): _(
        "The holiday calendar changed and rectification %(object)s is now due by %(due)s "
        "(its history says why)."
    ),
}

_FIELDS = ("pk", "outlet_id", "owner_id", "completed_by_id", "due_date", "status")


def _label(rectification) -> str:
    return str(rectification)[:200]


def due_at(due_date: dt.date) -> dt.datetime:
    # Due "on" a date: by the close of that day.
    return at(due_date, dt.time(23, 59, 59))


def due_stage(due_date: dt.date, today: dt.date) -> str | None:
    """The stage of an open rectification's reminder today; None before the warning days."""
    if due_date > today + dt.timedelta(days=settings.RECTIFICATION_WARNING_DAYS):
        return None
    if due_date > today:
        return Stage.WARNING
    return Stage.DUE if due_date == today else Stage.OVERDUE


def due(rectification, today, directory) -> list[Reminder]:
    """The reminder an open rectification is due today, if any."""
    stage = due_stage(rectification.due_date, today)
    if stage is None:
        return []
    recipients = [rectification.owner_id]
    if stage != Stage.WARNING:
        recipients += directory.outlet_heads(rectification.outlet_id)
    return [
        Reminder(
            target=rectification,
            kind=Kind.RECTIFICATION,
            stage=stage,
            recipient_ids=recipients,
            due_at=due_at(rectification.due_date),
            occurrence=rectification.due_date.isoformat(),
            label=_label(rectification),
            url=admin_url(rectification),
        )
    ]


def due_date_moved(rectification, *, now) -> Reminder:
    """The owner's notice that a calendar change moved the due date of `rectification` (its
    new date set): one per recount (`now` is its occurrence)."""
    return Reminder(
        target=rectification,
        kind=Kind.RECTIFICATION_DUE_MOVED,
        stage=Stage.DUE,
        recipient_ids=[rectification.owner_id],
        due_at=due_at(rectification.due_date),
        occurrence=now.isoformat(timespec="seconds"),
        label=_label(rectification),
        url=admin_url(rectification),
    )


def _due(now, directory):
    today = timezone.localdate(now)
    horizon = today + dt.timedelta(days=settings.RECTIFICATION_WARNING_DAYS)
    rows = (
        Rectification.objects.open()
        .filter(due_date__lte=horizon)
        .only(*_FIELDS, "source_label", "required_action")
        .order_by("pk")
    )
    for row in batched(rows):
        yield from due(row, today, directory)


def _to_verify(now, directory):
    rows = (
        Rectification.objects.awaiting_verification()
        .only(*_FIELDS, "completed_at", "source_label", "required_action")
        .order_by("pk")
    )
    for row in batched(rows):
        doers = {row.owner_id, row.completed_by_id}
        verifiers = [pk for pk in directory.outlet_heads(row.outlet_id) if pk not in doers] or [
            pk for pk in directory.managers_above(row.outlet_id) if pk not in doers
        ]
        yield Reminder(
            target=row,
            kind=Kind.RECTIFICATION_VERIFY,
            stage=Stage.DUE,
            recipient_ids=verifiers,
            # Each completion (again after a rejection) deserves its own reminder.
            occurrence=timezone.localtime(row.completed_at).isoformat(timespec="seconds"),
            label=_label(row),
            url=admin_url(row),
        )


def scan(*, now, directory):
    yield from _due(now, directory)
    yield from _to_verify(now, directory)


def still_due(notification, target) -> str | None:
    if notification.kind == Kind.RECTIFICATION_VERIFY:
        if target.status != S.DONE:
            return str(NO_LONGER_DUE_DONE)
        done_at = timezone.localtime(target.completed_at).isoformat(timespec="seconds")
        return None if done_at == notification.occurrence else str(NO_LONGER_DUE_MOVED)
    if target.status != S.OPEN:
        return str(NO_LONGER_DUE_DONE)
    if notification.kind == Kind.RECTIFICATION_DUE_MOVED:
        # Nothing to do but take note: done once read.
        return None if notification.read_at is None else str(NO_LONGER_DUE_DONE)
    if target.due_date.isoformat() != notification.occurrence:
        return str(NO_LONGER_DUE_MOVED)
    return None
