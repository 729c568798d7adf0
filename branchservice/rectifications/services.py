"""The only writes of rectifications. The admin, the checklist pages, the domain apps' services
and the demo call these; each step runs in one transaction and checks scope, role and that the
step follows from the current status (STEPS below, the one statement of the workflow)."""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branchservice.files import DOCUMENT_TYPES, accepted_upload
from branchservice.roles import may_verify_rectifications
from branchservice.scoping import can_see_branch
from branchservice.text import unstorable_text

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
    due_date,
    responsible_department: str = "",
    now=None,
) -> Rectification:
    """Raise a rectification for a finding (`source`, a row of a registered `source_kind`)."""
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
        raised_by=user,
        created_at=now,
    )
    errors = unstorable_text(rectification, "responsible_department", "required_action")
    if not (required_action or "").strip():
        errors["required_action"] = [_("Describe the action required.")]
    _check_owner(user, owner, errors)
    _check_due(due_date, now, errors)
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
            rectification.due_date = due_date
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
            ["owner", "due_date", "responsible_department"],
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
