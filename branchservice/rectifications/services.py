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

from branchservice.files import content_matches
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
        Step("cancel", gettext_lazy("Cancel"), frozenset({S.OPEN, S.DONE}), "verifier"),
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


EVIDENCE_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}


def _check_evidence_file(upload) -> str:
    extension = upload.name.lower().rsplit(".", 1)[-1] if "." in upload.name else ""
    if extension not in EVIDENCE_TYPES:
        raise ValidationError({"files": _("Attach a PDF or an image (JPG, PNG, GIF, WebP).")})
    if upload.size > settings.RECTIFICATION_EVIDENCE_MAX_BYTES:
        raise ValidationError(
            {
                "files": _("The file is larger than %(mb)s MB.")
                % {"mb": settings.RECTIFICATION_EVIDENCE_MAX_BYTES // (1024 * 1024)}
            }
        )
    # The name is not trusted on its own: the content must start like it (branchservice.files).
    if not content_matches(upload, extension):
        raise ValidationError({"files": _("The file's content does not match its type.")})
    return EVIDENCE_TYPES[extension]


def rectification_complete(
    *, user, rectification, evidence: str, files=(), now=None
) -> Rectification:
    """The owner (or a manager in scope) records the action done, with evidence."""
    now = now or timezone.now()
    _required(evidence, "evidence", _("Describe the evidence that the action is done."))
    types = [_check_evidence_file(upload) for upload in files]
    with transaction.atomic():
        rectification = _locked(rectification)
        _check(rectification, user, "complete")
        rectification.status = S.DONE
        rectification.evidence = evidence
        rectification.completed_by = user
        rectification.completed_at = now
        errors = unstorable_text(rectification, "evidence")
        if errors:
            raise ValidationError(errors)
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
        return _save(
            rectification,
            user,
            "complete",
            evidence,
            now,
            ["status", "evidence", "completed_by", "completed_at"],
        )


def rectification_verify(*, user, rectification, now=None) -> Rectification:
    """验收: someone other than who did it, outlet head or above, accepts the evidence."""
    now = now or timezone.now()
    with transaction.atomic():
        rectification = _locked(rectification)
        _check(rectification, user, "verify")
        rectification.status = S.VERIFIED
        rectification.verified_by = user
        rectification.verified_at = now
        return _save(
            rectification, user, "verify", "", now, ["status", "verified_by", "verified_at"]
        )


def rectification_reject(*, user, rectification, reason: str, now=None) -> Rectification:
    """The evidence is not accepted: the rectification is open again, with the reason."""
    now = now or timezone.now()
    _required(reason, "reason", _("Say why the verification is rejected."))
    with transaction.atomic():
        rectification = _locked(rectification)
        _check(rectification, user, "reject")
        rectification.status = S.OPEN
        rectification.rejection_reason = reason
        rectification.rejected_at = now
        rectification.completed_by = None
        rectification.completed_at = None
        errors = unstorable_text(rectification, "rejection_reason")
        if errors:
            raise ValidationError({"reason": errors["rejection_reason"]})
        return _save(
            rectification,
            user,
            "reject",
            reason,
            now,
            ["status", "rejection_reason", "rejected_at", "completed_by", "completed_at"],
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
        rectification = _locked(rectification)
        _check(rectification, user, "cancel")
        rectification.status = S.CANCELLED
        rectification.cancel_reason = reason
        rectification.cancelled_at = now
        errors = unstorable_text(rectification, "cancel_reason")
        if errors:
            raise ValidationError({"reason": errors["cancel_reason"]})
        return _save(
            rectification,
            user,
            "cancel",
            reason,
            now,
            ["status", "cancel_reason", "cancelled_at"],
        )
