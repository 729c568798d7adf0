"""The only writes of rectifications. The admin, the checklist pages, the domain apps' services
and the demo call these; each step runs in one transaction and checks scope, role and that the
step follows from the current status (STEPS below, the one statement of the workflow)."""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_update_with_history

from branchservice.calendar import next_working_day, one_reading
from branchservice.files import DOCUMENT_TYPES, accepted_upload
from branchservice.jobs import queue
from branchservice.notifications.recipients import Directory
from branchservice.notifications.services import notifications_create, notifications_supersede
from branchservice.roles import may_verify_rectifications
from branchservice.scoping import can_see_branch
from branchservice.text import unstorable_text

from . import reminders
from .models import EvidenceFile, Rectification
from .sources import source_kind

S = Rectification.Status


@dataclass(frozen=True)
class Step:
    name: str
    label: object
    sources: frozenset
    # Who may take it besides scope: "worker" (the owner, or staff who may change
    # rectifications) or "verifier" (outlet head or above, never the owner or the completer).
    who: str


STEPS = {
    step.name: step
    for step in (
        Step("complete", gettext_lazy("Record as done"), frozenset({S.OPEN}), "worker"),
        Step("verify", gettext_lazy("Verify (验收)"), frozenset({S.DONE}), "verifier"),
        Step("reject", gettext_lazy("Reject the verification"), frozenset({S.DONE}), "verifier"),
        Step("reassign", gettext_lazy("Reassign"), frozenset({S.OPEN}), "worker"),
        Step(
            "cancel",
            gettext_lazy("Cancel the rectification"),
            frozenset({S.OPEN, S.DONE}),
            "verifier",
        ),
    )
}


def _refusal(rectification, user, step: Step) -> str | None:
    """Why `user` may not take `step` now, or None."""
    if rectification.status not in step.sources:
        return _("“%(step)s” is not possible for a rectification that is %(status)s.") % {
            "step": step.label,
            "status": rectification.get_status_display(),
        }
    if step.who == "worker":
        if rectification.owner_id != user.pk and not user.has_perm(
            "rectifications.change_rectification"
        ):
            return _("Only the responsible person or the outlet's managers may do this.")
        return None
    if not may_verify_rectifications(user):
        return _("Only the outlet head or a manager above the outlet may do this.")
    if step.name != "cancel" and user.pk in (rectification.owner_id, rectification.completed_by_id):
        return _("The rectification is verified by someone other than who did it.")
    return None


def allowed_steps(rectification, user) -> list[Step]:
    """The steps `user` may take on `rectification` now (the admin offers only these)."""
    if not can_see_branch(user, rectification.outlet):
        return []
    return [step for step in STEPS.values() if not _refusal(rectification, user, step)]


def _check(rectification, user, name):
    if not can_see_branch(user, rectification.outlet):
        raise PermissionDenied
    refusal = _refusal(rectification, user, STEPS[name])
    if refusal:
        raise ValidationError(refusal, code="step_refused")


def _locked(rectification) -> Rectification:
    """Re-read under a lock: a second click waits, then sees the first click's status."""
    return (
        Rectification.objects.select_for_update().select_related("outlet").get(pk=rectification.pk)
    )


def _required(value, field, message):
    if not (value or "").strip():
        raise ValidationError({field: message})


def _check_owner(user, owner, errors):
    if owner is None or not owner.is_active:
        errors["owner"] = [_("Choose an active member of staff as the responsible person.")]
    elif not can_see_branch(user, owner.branch):
        errors["owner"] = [_("Choose a member of staff within your branches.")]


def _check_due(due_date, now, errors):
    if due_date is None:
        errors["due_date"] = [_("Give the date the action is due.")]
    elif due_date < timezone.localdate(now):
        errors["due_date"] = [_("The due date cannot be in the past.")]


def _save(rectification, user, step, note, now, fields):
    rectification._history_user = user
    rectification._change_reason = str(STEPS[step].label) if step in STEPS else _("Raised")
    rectification.save(update_fields=fields) if fields else rectification.save()
    kind = source_kind(rectification.source_kind)
    if kind and kind.on_step:
        kind.on_step(rectification, step=step, user=user, note=note, now=now)
    return rectification


def rectification_raise(
    *,
    user,
    outlet,
    source,
    source_kind: str,
    source_label: str,
    owner,
    required_action: str,
    due_date=None,
    due_counted_from=None,
    due_working_days: int | None = None,
    responsible_department: str = "",
    now=None,
) -> Rectification:
    """Raise a rectification for a finding (`source`, a row of a registered `source_kind`),
    due on `due_date`, or `due_working_days` working days after `due_counted_from` (a count
    that follows later changes of the calendar: rectifications_follow_calendar)."""
    now = now or timezone.now()
    if not can_see_branch(user, outlet) or not user.has_perm("rectifications.add_rectification"):
        raise PermissionDenied
    rectification = Rectification(
        outlet=outlet,
        source_kind=source_kind,
        source_type=ContentType.objects.get_for_model(source),
        source_id=source.pk,
        source_label=source_label[:200],
        owner=owner,
        required_action=required_action,
        responsible_department=responsible_department or "",
        due_date=due_date,
        due_counted_from=due_counted_from,
        due_working_days=due_working_days,
        raised_by=user,
        created_at=now,
    )
    if due_working_days is not None:
        rectification.due_date = rectification.counted_due_date()
    errors = unstorable_text(rectification, "responsible_department", "required_action")
    if not (required_action or "").strip():
        errors["required_action"] = [_("Describe the action required.")]
    _check_owner(user, owner, errors)
    _check_due(rectification.due_date, now, errors)
    if errors:
        raise ValidationError(errors)
    # Inside the caller's transaction where there is one (a checklist submit raising several):
    # a savepoint per row would cost two queries each and undo nothing the caller keeps.
    with transaction.atomic(savepoint=False):
        return _save(rectification, user, "raise", required_action, now, None)


def _check_evidence_file(upload) -> str:
    return accepted_upload(
        upload,
        types=DOCUMENT_TYPES,
        max_bytes=settings.RECTIFICATION_EVIDENCE_MAX_BYTES,
        refusal=_("Attach a PDF or an image (JPG, PNG, GIF, WebP)."),
        field="files",
    )


def _take(step, *, user, rectification, note, now, changes, text=None) -> Rectification:
    """Lock the row, check `step`, apply `changes`, refuse text its columns cannot hold
    (`text`: model field → the form field it came from), save and record the step."""
    rectification = _locked(rectification)
    _check(rectification, user, step)
    for field, value in changes.items():
        setattr(rectification, field, value)
    text = text or {}
    errors = unstorable_text(rectification, *text)
    if errors:
        raise ValidationError({text[field]: messages for field, messages in errors.items()})
    return _save(rectification, user, step, note, now, list(changes))


def rectification_complete(
    *, user, rectification, evidence: str, files=(), now=None
) -> Rectification:
    """The owner (or a manager in scope) records the action done, with evidence."""
    now = now or timezone.now()
    _required(evidence, "evidence", _("Describe the evidence that the action is done."))
    types = [_check_evidence_file(upload) for upload in files]
    with transaction.atomic():
        rectification = _take(
            "complete",
            user=user,
            rectification=rectification,
            note=evidence,
            now=now,
            changes={
                "status": S.DONE,
                "evidence": evidence,
                "completed_by": user,
                "completed_at": now,
            },
            text={"evidence": "evidence"},
        )
        for upload, content_type in zip(files, types, strict=True):
            stored = EvidenceFile(
                rectification=rectification,
                original_name=upload.name[:255],
                content_type=content_type,
                size=upload.size,
                uploaded_by=user,
                uploaded_at=now,
            )
            stored.file.save(f"{uuid.uuid4().hex}-{upload.name[-80:]}", upload, save=False)
            stored.save()
        return rectification


def rectification_verify(*, user, rectification, now=None) -> Rectification:
    """验收: someone other than who did it, outlet head or above, accepts the evidence."""
    now = now or timezone.now()
    with transaction.atomic():
        return _take(
            "verify",
            user=user,
            rectification=rectification,
            note="",
            now=now,
            changes={"status": S.VERIFIED, "verified_by": user, "verified_at": now},
        )


def rectification_reject(*, user, rectification, reason: str, now=None) -> Rectification:
    """The evidence is not accepted: the rectification is open again, with the reason."""
    now = now or timezone.now()
    _required(reason, "reason", _("Say why the verification is rejected."))
    with transaction.atomic():
        return _take(
            "reject",
            user=user,
            rectification=rectification,
            note=reason,
            now=now,
            changes={
                "status": S.OPEN,
                "rejection_reason": reason,
                "rejected_at": now,
                "completed_by": None,
                "completed_at": None,
            },
            text={"rejection_reason": "reason"},
        )


def rectification_reassign(
    *, user, rectification, owner, due_date=None, responsible_department=None, now=None
) -> Rectification:
    """Hand an open rectification to another responsible person (and perhaps a new date)."""
    now = now or timezone.now()
    with transaction.atomic():
        rectification = _locked(rectification)
        _check(rectification, user, "reassign")
        errors = {}
        _check_owner(user, owner, errors)
        if due_date is not None and due_date != rectification.due_date:
            _check_due(due_date, now, errors)
            # A date chosen now: no longer a count the calendar moves.
            rectification.due_date = due_date
            rectification.due_counted_from = rectification.due_working_days = None
        if responsible_department is not None:
            rectification.responsible_department = responsible_department
        errors.update(unstorable_text(rectification, "responsible_department"))
        if errors:
            raise ValidationError(errors)
        rectification.owner = owner
        note = _("To %(owner)s, due %(due)s.") % {
            "owner": owner.get_full_name() or owner.username,
            "due": rectification.due_date.isoformat(),
        }
        return _save(
            rectification,
            user,
            "reassign",
            note,
            now,
            ["owner", "due_date", "due_counted_from", "due_working_days", "responsible_department"],
        )


def rectification_cancel(*, user, rectification, reason: str, now=None) -> Rectification:
    """Not needed after all (raised in error, a duplicate): closed with the reason recorded."""
    now = now or timezone.now()
    _required(reason, "reason", _("Say why the rectification is cancelled."))
    with transaction.atomic():
        return _take(
            "cancel",
            user=user,
            rectification=rectification,
            note=reason,
            now=now,
            changes={"status": S.CANCELLED, "cancel_reason": reason, "cancelled_at": now},
            text={"cancel_reason": "reason"},
        )


# ---------------------------------------------------------------------------------------------
# The calendar changed: the due dates follow it

RECOUNT_DUE_DATES_TASK = "branchservice.rectifications.tasks.recount_due_dates"
RECOUNT_BATCH_SIZE = 500


def calendar_changed(flips: dict[dt.date, bool], subtree: str | None = None) -> None:
    """Registered with branchservice.calendar_changes: called after the commit of a change
    to the calendar, it leaves the recount to a background job."""
    queue(
        RECOUNT_DUE_DATES_TASK,
        [[day.isoformat(), working] for day, working in flips.items()],
        subtree,
    )


def rectifications_follow_calendar(
    *,
    flips: dict[dt.date, bool],
    subtree: str | None = None,
    batch_size: int = RECOUNT_BATCH_SIZE,
    now=None,
) -> int:
    """Move the due dates of open rectifications (at outlets of `subtree`, a branch path,
    when the days flipped for a region only) to the calendar after `flips` (date → is
    now a working day): a count of working days (a failed checklist item's) is counted
    again when it spans a flipped day; a date a person chose moves only when that day
    became a day off, to the next working day (as a period ending on a holiday ends on the
    next working day, Civil Code art. 203), and never earlier than it was chosen. Each move
    is written in the rectification's history, the owner is told, and reminders already
    sent for the old date are superseded. Returns how many moved.

    A batch is one transaction over rows locked in primary-key order, and costs the same
    few queries however many rows move: the rows, the update, the history, the superseded
    reminders (read, replaced, marked done) and the owners' notices; and once, who holds
    which role (the reminders due now on the new dates).
    """
    now = now or timezone.now()
    first, last = min(flips), max(flips)
    days_off = [day for day, working in flips.items() if not working]
    counted = Q(due_working_days__isnull=False, due_counted_from__lte=last, due_date__gte=first)
    chosen = Q(due_working_days=None, due_date__in=days_off)
    candidates = Rectification.objects.open().filter(counted | chosen).order_by("pk")
    if subtree:
        candidates = candidates.filter(outlet__path__startswith=subtree)
    directory = Directory()
    moved, after = 0, 0
    while True:
        with transaction.atomic():
            batch = list(candidates.select_for_update().filter(pk__gt=after)[:batch_size])
            moved += _follow(batch, flips, now, directory)
        if len(batch) < batch_size:
            return moved
        after = batch[-1].pk


def _follow(batch, flips, now, directory) -> int:
    today = timezone.localdate(now)
    changed, moved_from, due_now = [], {}, []
    # Stored text written by a background job: in the bank's language.
    with translation.override(settings.LANGUAGE_CODE), one_reading():
        for rectification in batch:
            old = rectification.due_date
            new = rectification.counted_due_date() or next_working_day(
                old, branch=rectification.outlet_id
            )
            if new == old:
                continue
            rectification.due_date = new
            rectification._change_reason = _moved_line(rectification, old, flips)
            changed.append(rectification)
            moved_from[(rectification.pk, reminders.Kind.RECTIFICATION)] = old.isoformat()
            due_now += reminders.due(rectification, today, directory)
        if changed:
            bulk_update_with_history(changed, Rectification, ["due_date"], default_date=now)
            notifications_supersede(
                model=Rectification, moved_from=moved_from, due_now=due_now, now=now
            )
            # The bell at once; the mail with the next dispatch of the owner's reminders, so
            # an owner hears of the whole change (complaints included) in one mail.
            notifications_create(
                reminders=[reminders.due_date_moved(r, now=now) for r in changed], now=now
            )
    return len(changed)


def _moved_line(rectification, old, flips) -> str:
    """ "Due date moved from 2027-01-04 to 2027-01-05 because 2027-01-01 became a holiday.",
    naming the flipped days from the start of its count (or its old date) to the later date."""
    new = rectification.due_date
    start = rectification.due_counted_from or old
    reasons = [
        (_("%(day)s became a working day") if working else _("%(day)s became a holiday"))
        % {"day": day.isoformat()}
        for day, working in sorted(flips.items())
        if start <= day <= max(old, new)
    ]
    return _("Due date moved from %(old)s to %(new)s because %(why)s.") % {
        "old": old.isoformat(),
        "new": new.isoformat(),
        "why": "; ".join(reasons) or _("the calendar changed"),
    }
