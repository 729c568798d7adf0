"""Creating, dispatching and delivering reminders.

Everything is recomputed from the database: a scan stores what is due (the unique key drops
what already exists), dispatch queues one delivery task per person with something to send,
and a delivery claims its rows with a filtered UPDATE before sending. A lost queue message,
a second beat, a retried task or a second worker therefore neither loses nor repeats a mail.
"""

import contextlib
import datetime as dt
import logging
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterable
from functools import partial
from itertools import islice

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from branchservice.jobs import queue
from branchservice.models import User

from .channels import PermanentFailure, TemporaryFailure
from .hours import in_working_hours, next_send_time
from .models import Notification, NotificationPreference
from .recipients import Directory
from .registry import (
    BATCH_SIZE,
    NO_LONGER_DUE_SUPERSEDED,
    Reminder,
    batched,
    scanner_for,
    scanners,
)

logger = logging.getLogger(__name__)
# Reminder rows per INSERT statement.
INSERT_BATCH_SIZE = 1000
# Queued by name (branchservice.jobs): tasks.py imports this module, not the other way.
DELIVER_NOTIFICATIONS_TASK = "branchservice.notifications.tasks.deliver_notifications"


class DeliveryFailed(Exception):
    """A delivery failed for now; the rows are rescheduled and the task should retry."""

    def __init__(self, message: str, *, retry_in: int):
        super().__init__(message)
        self.retry_in = retry_in


def _rows(reminder: Reminder, *, now: dt.datetime, send_from: dt.datetime):
    content_type = ContentType.objects.get_for_model(reminder.target)
    for recipient_id in dict.fromkeys(reminder.recipient_ids):  # unique, order kept
        yield Notification(
            recipient_id=recipient_id,
            kind=reminder.kind,
            stage=reminder.stage,
            content_type=content_type,
            object_id=reminder.target.pk,
            occurrence=reminder.occurrence,
            object_label=(reminder.label or str(reminder.target))[:200],
            url=reminder.url,
            due_at=reminder.due_at,
            created_at=now,
            scheduled_for=send_from,
            on_days_off=reminder.on_days_off,
        )


def _create_with_hook(reminder: Reminder, *, now, send_from) -> int:
    """Insert one reminder's rows one by one, running its hook if it is new.

    Used for the few reminders with a side effect (an escalation on the complaint's
    timeline): a concurrent scan blocks on the unique index and then finds the rows taken,
    so the hook runs once.
    """
    rows = list(_rows(reminder, now=now, send_from=send_from))
    if not rows:
        return 0
    first = rows[0]
    existed = Notification.objects.filter(
        content_type=first.content_type,
        object_id=first.object_id,
        kind=first.kind,
        stage=first.stage,
        occurrence=first.occurrence,
    ).exists()
    created = 0
    for row in rows:
        try:
            with transaction.atomic():
                row.save(force_insert=True)
            created += 1
        except IntegrityError:
            continue
    if created and not existed:
        reminder.on_first_creation()
    return created


def notifications_create(*, reminders: Iterable[Reminder], now: dt.datetime) -> int:
    """Store reminders that do not exist yet; return how many rows were offered.

    Rows that exist already are skipped by the unique key (ignore_conflicts). Outside working
    hours a reminder is held (scheduled) for the next working morning; one `on_days_off` is
    held only outside the hours of the day. No transaction spans the whole scan: every insert
    is idempotent, so a scan cut short is completed by the next one, and no write lock is held
    while the scanners read (SQLite would refuse the upgrade).
    """
    send_from = {False: next_send_time(now), True: next_send_time(now, on_days_off=True)}
    offered = 0
    pending: list[Notification] = []
    for reminder in reminders:
        held = send_from[reminder.on_days_off]
        if reminder.on_first_creation is not None:
            with transaction.atomic():
                offered += _create_with_hook(reminder, now=now, send_from=held)
            continue
        pending.extend(_rows(reminder, now=now, send_from=held))
        if len(pending) >= INSERT_BATCH_SIZE:
            Notification.objects.bulk_create(pending, ignore_conflicts=True)
            offered, pending = offered + len(pending), []
    Notification.objects.bulk_create(pending, ignore_conflicts=True)
    return offered + len(pending)


def notifications_supersede(
    *,
    model: type[Model],
    moved_from: dict[tuple[int, str], str],
    due_now: Iterable[Reminder],
    now: dt.datetime,
) -> int:
    """Deadlines of `model` rows moved (a calendar change) and their people were told of it:
    what was sent for an old deadline is done, and is not sent again for the new one in the
    stage it was sent in; a later stage still comes. `moved_from[(pk, kind)]` is the
    occurrence the row's reminders of that kind had before the move; `due_now` is what the
    row's scanner finds due now, on the new deadlines. Returns how many sent reminders were
    superseded. At most three queries, however many rows moved.

    The due date is part of a reminder's identity (its occurrence), so without this the next
    scan would send the same reminder again, naming the new date. A cancelled row holding the
    new occurrence takes its place in the unique key: the scan's insert skips it, and a
    cancelled row is shown to nobody.
    """
    if not moved_from:
        return 0
    content_type = ContentType.objects.get_for_model(model)
    sent = [
        n
        for n in Notification.objects.filter(
            content_type=content_type,
            object_id__in={pk for pk, _kind in moved_from},
            kind__in={kind for _pk, kind in moved_from},
            cancelled_at=None,
        ).exclude(sent_at=None)
        if n.occurrence == moved_from.get((n.object_id, n.kind))
    ]
    if not sent:
        return 0
    again = {(r.target.pk, r.kind, r.stage): r for r in due_now}
    with translation.override(settings.LANGUAGE_CODE):  # recorded on the cancelled rows
        reason = str(NO_LONGER_DUE_SUPERSEDED)
    superseded = [
        (n, r)
        for n in sent
        if (r := again.get((n.object_id, n.kind, n.stage))) and r.occurrence != n.occurrence
    ]
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=n.recipient_id,
                kind=n.kind,
                stage=n.stage,
                content_type=content_type,
                object_id=n.object_id,
                occurrence=r.occurrence,
                object_label=n.object_label,
                url=n.url,
                due_at=r.due_at,
                created_at=now,
                scheduled_for=now,
                cancelled_at=now,
                last_error=reason,
            )
            for n, r in superseded
        ],
        ignore_conflicts=True,
    )
    Notification.objects.filter(pk__in=[n.pk for n in sent], done_at=None).update(done_at=now)
    return len(superseded)


def _deliver_soon(recipient_id: int) -> None:
    try:
        queue(DELIVER_NOTIFICATIONS_TASK, recipient_id, retry=False)
    except (OperationalError, OSError) as exc:
        # The rows are stored: the next scan's dispatch delivers them.
        logger.warning("Could not queue the delivery for %s now: %s", recipient_id, exc)


_held = threading.local()


@contextlib.contextmanager
def deliveries_held():
    """Reminders sent now inside this block reach the bell at once but are mailed by the next
    dispatch, not queued: for seeding the demo, which runs before `make run` starts its Redis
    (a queue call per person to a Redis that is not there took seconds each)."""
    _held.on = True
    try:
        yield
    finally:
        _held.on = False


def notifications_send_now(*, reminders: Iterable[Reminder], now: dt.datetime | None = None):
    """Store reminders that must not wait for the next scan (an app decides which: a new
    entry the customer wrote, say) and queue their delivery when the caller's transaction
    commits. The bell shows them at once; outside working hours the mail is held like any
    other reminder's, and a broker that is down only delays the mail to the next scan."""
    now = now or timezone.now()
    reminders = list(reminders)
    offered = notifications_create(reminders=reminders, now=now)
    if in_working_hours(now) and not getattr(_held, "on", False):
        for recipient_id in dict.fromkeys(r for rem in reminders for r in rem.recipient_ids):
            transaction.on_commit(partial(_deliver_soon, recipient_id))
    return offered


def reminders_scan(*, now: dt.datetime | None = None) -> int:
    """Run every scanner and store what is due; return the number of rows offered.

    One scanner failing (bad data, a bug) must not stop the reminders of the others.
    """
    now = now or timezone.now()
    directory = Directory()
    created = 0
    for module in scanners():
        try:
            created += notifications_create(
                reminders=module.scan(now=now, directory=directory), now=now
            )
        except Exception:
            logger.exception("Reminder scan %s failed", module.__name__)
    try:
        _settle_all(now)
    except Exception:
        logger.exception("Settling the reminders that are done failed")
    return created


def _sendable(now: dt.datetime):
    """The reminders that may go out at `now`: every ready one in working hours; within the
    hours of a day off only those about work done on days off; none outside the hours."""
    if in_working_hours(now):
        return Notification.objects.deliverable(now)
    if in_working_hours(now, on_days_off=True):
        return Notification.objects.deliverable(now).filter(on_days_off=True)
    return Notification.objects.none()


def notifications_dispatch(*, now: dt.datetime | None = None) -> list[int]:
    """Queue one delivery per person who has reminders ready; return their ids."""
    now = now or timezone.now()
    if not in_working_hours(now, on_days_off=True):
        return []
    recipient_ids = list(
        _sendable(now).order_by("recipient_id").values_list("recipient_id", flat=True).distinct()
    )
    for recipient_id in recipient_ids:
        transaction.on_commit(partial(queue, DELIVER_NOTIFICATIONS_TASK, recipient_id))
    return recipient_ids


def _claim(recipient_id: int, now: dt.datetime) -> list[Notification]:
    """Take this person's ready reminders for this delivery only (one filtered UPDATE).

    Two workers racing for the same rows: the database lets one UPDATE change them; the
    other re-checks the WHERE clause after waiting and changes nothing.
    """
    token = uuid.uuid4().hex
    taken = (
        _sendable(now).filter(recipient_id=recipient_id).update(claimed_by=token, claimed_at=now)
    )
    if not taken:
        return []
    return list(
        Notification.objects.filter(claimed_by=token)
        .select_related("recipient", "content_type")
        .order_by("due_at", "pk")
    )


def _no_longer_due(notifications) -> tuple[list[Notification], dict[str, list[Notification]]]:
    """(still due, {why not: reminders}): each scanner's still_due() on the reminder's object,
    the objects read in one query per kind of object."""
    by_type: dict[ContentType, list[Notification]] = defaultdict(list)
    for n in notifications:
        by_type[n.content_type].append(n)
    keep: list[Notification] = []
    settled: dict[str, list[Notification]] = defaultdict(list)
    for content_type, group in by_type.items():
        targets = content_type.model_class()._base_manager.in_bulk([n.object_id for n in group])
        for n in group:
            target = targets.get(n.object_id)
            module = scanner_for(n.kind)
            if target is None:
                reason = _("%(object)s no longer exists.") % {"object": n.object_label}
            else:
                reason = module.still_due(n, target) if module else None
            if reason:
                settled[str(reason)].append(n)
            else:
                keep.append(n)
    return keep, settled


def _record_settled(settled: dict[str, list[Notification]], now) -> int:
    """A settled reminder not sent yet is cancelled (never sent, left out of the person's
    page); one already sent is marked done (kept in their log, greyed). Returns the done."""
    done: list[int] = []
    for reason, group in settled.items():
        unsent = [n.pk for n in group if n.sent_at is None]
        Notification.objects.filter(pk__in=unsent, sent_at=None).update(
            cancelled_at=now, last_error=reason
        )
        done += [n.pk for n in group if n.sent_at is not None]
    Notification.objects.filter(pk__in=done).update(done_at=now)
    return len(done)


def _drop_no_longer_due(notifications: list[Notification], now) -> list[Notification]:
    """Cancel claimed reminders whose object was deleted or settled since the scan; keep the
    rest."""
    keep, settled = _no_longer_due(notifications)
    _record_settled(settled, now)
    return keep


def notifications_settle(*, notifications, now: dt.datetime | None = None) -> int:
    """Settle `notifications` whose object no longer needs what they asked for; return how
    many were marked done. Run by every scan, by the reminder page for its reader and when a
    reminder is opened, so that the bell counts only what still needs doing."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):  # the reasons recorded on cancelled rows
        _keep, settled = _no_longer_due(notifications)
    return _record_settled(settled, now)


def notifications_settle_for(*, target, now: dt.datetime | None = None) -> int:
    """Settle the reminders about `target`: called by the service that just handled it, so
    the bell is right at once rather than after the next scan."""
    about = Notification.objects.unsettled().filter(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk
    )
    return notifications_settle(notifications=list(about), now=now)


def _settle_all(now) -> None:
    """Every reminder sent and not found done yet, BATCH_SIZE rows at a time."""
    rows = batched(
        Notification.objects.unsettled()
        .exclude(sent_at=None)
        .select_related("content_type")
        .order_by("pk")
    )
    while chunk := list(islice(rows, BATCH_SIZE)):
        notifications_settle(notifications=chunk, now=now)


def _language(recipient: User) -> str:
    preference = NotificationPreference.objects.filter(user=recipient).first()
    return preference.language if preference else settings.LANGUAGE_CODE


def _channels():
    return [import_string(path)() for path in settings.NOTIFICATIONS_CHANNELS]


def _backoff(attempts: int) -> int:
    return settings.NOTIFICATIONS_RETRY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)


def notifications_deliver(*, recipient_id: int, now: dt.datetime | None = None) -> int:
    """Send one person's ready reminders through every channel; return how many were sent.

    Raises DeliveryFailed when a channel failed for now: the rows are released and held for
    a backoff, and after NOTIFICATIONS_MAX_ATTEMPTS they are marked failed (admin shows why).
    """
    now = now or timezone.now()
    if not in_working_hours(now, on_days_off=True):
        return 0
    with translation.override(settings.LANGUAGE_CODE):  # the reasons recorded on cancelled rows
        notifications = _drop_no_longer_due(_claim(recipient_id, now), now)
    if not notifications:
        return 0
    recipient = notifications[0].recipient
    temporary, permanent, delivered_somewhere = [], [], False
    language = _language(recipient)
    # Errors are recorded in the portal's language; the channels render the messages
    # themselves in the recipient's.
    with translation.override(settings.LANGUAGE_CODE):
        for channel in _channels():
            if not channel.applies_to(recipient):
                continue
            todo = [n for n in notifications if channel.name not in n.channels_done]
            if not todo:
                delivered_somewhere = True
                continue
            try:
                channel.send(recipient, todo, language=language)
            except TemporaryFailure as exc:
                temporary.append(str(exc))
                continue
            except PermanentFailure as exc:
                permanent.append(str(exc))
                continue
            delivered_somewhere = True
            for n in todo:
                n.channels_done = [*n.channels_done, channel.name]
    return _record_outcome(notifications, now, temporary, permanent, delivered_somewhere)


def _update(notifications: list[Notification], **changes) -> None:
    """Write `changes` to the rows, one UPDATE per distinct channels_done (usually one)."""
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for n in notifications:
        groups[tuple(n.channels_done)].append(n.pk)
    for channels, ids in groups.items():
        Notification.objects.filter(pk__in=ids).update(channels_done=list(channels), **changes)


def _record_outcome(notifications, now, temporary, permanent, delivered_somewhere) -> int:
    errors = "\n".join(temporary + permanent)
    counted = {"attempts": F("attempts") + 1, "last_error": errors}
    if not temporary:
        _update(
            notifications, **counted, **{"sent_at" if delivered_somewhere else "failed_at": now}
        )
        return len(notifications) if delivered_somewhere else 0

    last_try = settings.NOTIFICATIONS_MAX_ATTEMPTS - 1
    retry_in = _backoff(max(n.attempts for n in notifications) + 1)
    released = {**counted, "claimed_by": None, "claimed_at": None}
    _update([n for n in notifications if n.attempts >= last_try], **released, failed_at=now)
    again = [n for n in notifications if n.attempts < last_try]
    _update(again, **released, scheduled_for=now + dt.timedelta(seconds=retry_in))
    logger.warning("Reminder delivery to user %s failed: %s", notifications[0].recipient_id, errors)
    if not again:
        return 0
    raise DeliveryFailed(errors, retry_in=retry_in)


def notification_retry(*, notification: Notification, now: dt.datetime | None = None) -> None:
    """Give a failed reminder another round of attempts (admin action)."""
    now = now or timezone.now()
    Notification.objects.filter(pk=notification.pk, sent_at=None).update(
        failed_at=None, attempts=0, claimed_by=None, claimed_at=None, scheduled_for=now
    )


def notification_open(*, notification: Notification, now: dt.datetime | None = None) -> None:
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at=None).update(
            read_at=notification.read_at
        )


def notifications_mark_all_read(*, user: User, now: dt.datetime | None = None) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).update(
        read_at=now or timezone.now()
    )
