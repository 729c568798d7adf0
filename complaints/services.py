"""Every write to the complaint register. Each service runs in one transaction, checks the
move against `complaints.workflow`, and writes a line to the timeline.

Refusals: PermissionDenied for anything outside the user's scope; ValidationError (with a
message in the user's language) for bad input or a move the workflow does not allow.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from branchservice.calendar import add_working_days
from branchservice.concurrency import save_versioned
from branchservice.files import content_matches
from branchservice.models import Branch
from branchservice.roles import Role, is_complaint_handler
from branchservice.scoping import can_see_branch

from .models import (
    Attachment,
    Complaint,
    ComplaintEvent,
    DeadlinePolicy,
    Move,
    RectificationNotice,
    ReferenceCounter,
    end_of_day,
    unstorable_text,
)
from .workflow import transition_for

# Fields a handler may edit on the change page while the entry is open.
EDITABLE_FIELDS = (
    "kind",
    "channel",
    "received_at",
    *Complaint.TYPED_FIELDS,
    "first_responder",
    "category",
    "reason",
    "is_quality",
    "complexity",
)


class DuplicateSubmission(ValidationError):
    """The same registration form was submitted twice; `complaint` is the one registered."""

    def __init__(self, complaint):
        super().__init__(
            _("This form was already submitted: the entry is registered as %(ref)s.")
            % {"ref": complaint.reference},
            code="duplicate_submission",
        )
        self.complaint = complaint


# ---------------------------------------------------------------------------------------------
# Deadlines


def compute_deadlines(complaint: Complaint, policy: DeadlinePolicy) -> None:
    """Set the stored due dates of `complaint` from its receipt, kind, complexity, extension.

    Praise has no deadlines; a suggestion is acknowledged and answered like a simple complaint;
    only complaints carry the branch and regulatory ceilings. An approved extension moves the
    reply and both ceilings to the extended regulatory date.
    """
    complaint.policy = policy
    for field in ("acknowledge_due_at", "reply_due_at", "branch_due_at", "regulatory_due_at"):
        setattr(complaint, field, None)
    if complaint.kind == Complaint.Kind.PRAISE:
        return
    received = timezone.localtime(complaint.received_at).date()
    complaint.acknowledge_due_at = end_of_day(
        add_working_days(received, policy.acknowledge_working_days)
    )
    if complaint.kind == Complaint.Kind.SUGGESTION:
        complaint.reply_due_at = end_of_day(
            add_working_days(received, policy.reply_working_days_simple)
        )
        return
    reply_days = (
        policy.reply_working_days_complex
        if complaint.complexity == Complaint.Complexity.COMPLEX
        else policy.reply_working_days_simple
    )
    regulatory_days = policy.regulatory_calendar_days
    if complaint.extended_at:
        regulatory_days += policy.extension_calendar_days
    regulatory = end_of_day(received + dt.timedelta(days=regulatory_days))
    branch = end_of_day(add_working_days(received, policy.branch_ceiling_working_days))
    reply = end_of_day(add_working_days(received, reply_days))
    if complaint.extended_at:
        reply = branch = regulatory
    complaint.regulatory_due_at = regulatory
    complaint.branch_due_at = min(branch, regulatory)
    complaint.reply_due_at = min(reply, complaint.branch_due_at)


def _followup_due(complaint: Complaint) -> dt.datetime | None:
    if complaint.kind != Complaint.Kind.COMPLAINT:
        return None
    policy = complaint.policy or DeadlinePolicy.current()
    return end_of_day(add_working_days(complaint.replied_at, policy.followup_working_days))


# ---------------------------------------------------------------------------------------------
# Validation shared by registration and editing


def _not_before_receipt(complaint: Complaint, moment: dt.datetime, field: str, now) -> None:
    if moment < complaint.received_at:
        raise ValidationError(
            {field: _("This cannot be earlier than the time the entry was received.")}
        )
    if moment > now:
        raise ValidationError({field: _("This cannot be in the future.")})


def _default_handler(branch: Branch, user):
    """The outlet's complaint manager; whoever registers when the outlet has none."""
    manager = (
        branch.staff.filter(is_active=True, groups__name=Role.COMPLAINT_MANAGER)
        .order_by("pk")
        .first()
    )
    return manager or user


def _check_staff(user, person, field) -> None:
    if person is not None and not can_see_branch(user, person.branch):
        raise ValidationError({field: _("Choose a member of staff within your branches.")})


# ---------------------------------------------------------------------------------------------
# Registration


def _next_reference(branch: Branch, received_at: dt.datetime) -> str:
    """TS-<outlet>-<yyyymm>-<seq>, numbered per outlet and month of receipt.

    The UPDATE takes the counter row's lock until the transaction ends, so concurrent
    registrations at one outlet queue here and get consecutive numbers.
    """
    month = timezone.localtime(received_at).strftime("%Y%m")
    counter = ReferenceCounter.objects.filter(branch=branch, month=month)
    if not counter.update(last_seq=F("last_seq") + 1):
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(branch=branch, month=month, last_seq=1)
        except IntegrityError:
            # Another registration created this month's row first: take the next number.
            counter.update(last_seq=F("last_seq") + 1)
    seq = counter.values_list("last_seq", flat=True).get()
    return f"TS-{branch.code}-{month}-{seq:04d}"


def complaint_register(
    *,
    user,
    branch: Branch,
    channel: str,
    received_at: dt.datetime,
    description: str,
    kind: str = Complaint.Kind.COMPLAINT,
    customer_name: str = "",
    customer_phone: str = "",
    customer_id_number: str = "",
    customer_account: str = "",
    customer_request: str = "",
    complained_about: str = "",
    first_responder=None,
    handler=None,
    category=None,
    reason=None,
    is_quality: bool = False,
    complexity: str = Complaint.Complexity.SIMPLE,
    submission_token: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> Complaint:
    """Register an entry in an outlet's register, with its reference number and deadlines."""
    now = now or timezone.now()
    if not can_see_branch(user, branch):
        raise PermissionDenied
    if not is_complaint_handler(user):
        raise ValidationError(_("Your role may not register complaints."), code="role")
    if branch.level != Branch.Level.OUTLET:
        raise ValidationError({"branch": _("Complaints are registered at an outlet.")})
    if submission_token is not None:
        earlier = Complaint.objects.filter(submission_token=submission_token).first()
        if earlier is not None:
            raise DuplicateSubmission(earlier)
    complaint = Complaint(
        branch=branch,
        kind=kind,
        channel=channel,
        received_at=received_at,
        customer_name=customer_name,
        customer_phone=customer_phone,
        customer_id_number=customer_id_number,
        customer_account=customer_account,
        description=description,
        customer_request=customer_request,
        complained_about=complained_about,
        first_responder=first_responder,
        category=category,
        reason=reason,
        is_quality=is_quality,
        complexity=complexity,
        registered_by=user,
        submission_token=submission_token,
    )
    complaint.validate_entry(now)
    _check_staff(user, first_responder, "first_responder")
    _check_staff(user, handler, "handler")
    try:
        with transaction.atomic():
            complaint.handler = handler or _default_handler(branch, user)
            complaint.reference = _next_reference(branch, received_at)
            compute_deadlines(complaint, DeadlinePolicy.current())
            complaint.save()
            _event(complaint, user, Move.REGISTER, "", complaint.status, now=now)
    except IntegrityError:
        # Two submits of one form raced past the check above: the other one won.
        earlier = Complaint.objects.filter(submission_token=submission_token).first()
        if submission_token is None or earlier is None:
            raise
        raise DuplicateSubmission(earlier) from None
    return complaint


# ---------------------------------------------------------------------------------------------
# Workflow moves


def _event(complaint, user, move, from_status, to_status, note="", now=None):
    # Every move's note (and a rectification's evidence) ends up here: refuse what the column
    # cannot hold; the callers' transaction undoes the move.
    errors = unstorable_text(ComplaintEvent(note=note), "note")
    if errors:
        raise ValidationError(errors)
    return ComplaintEvent.objects.create(
        complaint=complaint,
        action=move,
        from_status=from_status,
        to_status=to_status or "",
        actor=user,
        note=note,
        at=now or timezone.now(),
    )


def _locked(complaint: Complaint) -> Complaint:
    """Re-read the row under a lock: a second click of the same button waits here, then sees
    the status the first click left and is refused instead of repeating the move."""
    return Complaint.objects.select_for_update().select_related("branch").get(pk=complaint.pk)


def _apply(complaint, user, move, note="", now=None, **changes) -> Complaint:
    """Check `move` on the locked row, apply `changes`, save, and write the timeline."""
    row = transition_for(complaint, user, move)
    from_status = complaint.status
    for field, value in changes.items():
        setattr(complaint, field, value)
    if row.target:
        complaint.status = row.target
    complaint.save()
    _event(complaint, user, move, from_status, row.target or "", note, now)
    return complaint


def complaint_acknowledge(
    *, user, complaint, acknowledged_at, estimated_reply_at, note="", now=None
) -> Complaint:
    """The handler has contacted the customer and given an estimated handling time."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.ACKNOWLEDGE)
        _not_before_receipt(complaint, acknowledged_at, "acknowledged_at", now)
        if estimated_reply_at < acknowledged_at:
            raise ValidationError(
                {"estimated_reply_at": _("The estimated time must be after the contact.")}
            )
        return _apply(
            complaint,
            user,
            Move.ACKNOWLEDGE,
            note,
            now,
            acknowledged_at=acknowledged_at,
            estimated_reply_at=estimated_reply_at,
        )


def complaint_investigate(*, user, complaint, note="", now=None) -> Complaint:
    with transaction.atomic():
        return _apply(_locked(complaint), user, Move.INVESTIGATE, note, now)


def _rectification(complaint, user, data, now) -> RectificationNotice:
    notice = RectificationNotice(complaint=complaint, issued_by=user, **data)
    errors = unstorable_text(notice, "responsible_department", "required_action")
    if notice.owner_id is None:
        errors["owner"] = [_("A rectification notice needs a responsible person.")]
    else:
        _check_staff(user, notice.owner, "owner")
    if not (notice.responsible_department or "").strip():
        errors["responsible_department"] = [_("Name the responsible department.")]
    if not (notice.required_action or "").strip():
        errors["required_action"] = [_("Describe the action required.")]
    if notice.due_date is None:
        errors["due_date"] = [_("Give the date the action is due.")]
    elif notice.due_date < timezone.localdate(now):
        errors["due_date"] = [_("The due date cannot be in the past.")]
    if errors:
        raise ValidationError(errors)
    notice.save()
    return notice


def complaint_resolve(
    *,
    user,
    complaint,
    replied_at,
    reply_method,
    reply_content,
    customer_accepted,
    founded,
    bank_at_fault=False,
    root_cause="",
    investigation_notes="",
    apology="",
    rectification: dict | None = None,
    now=None,
) -> Complaint:
    """Record the investigation outcome and the reply given to the customer.

    When the bank is at fault the reply needs an apology record and a rectification notice
    (`rectification`: owner, responsible_department, required_action, due_date).
    """
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.RESOLVE)
        _not_before_receipt(complaint, replied_at, "replied_at", now)
        errors = {}
        if reply_method not in Complaint.ReplyMethod.values:
            errors["reply_method"] = [_("Choose how the customer was answered.")]
        if not reply_content.strip():
            errors["reply_content"] = [_("Write down the reply and the solution offered.")]
        if root_cause and root_cause not in Complaint.RootCause.values:
            errors["root_cause"] = [_("Choose one of the listed root causes.")]
        if complaint.kind == Complaint.Kind.COMPLAINT and founded is None:
            errors["founded"] = [_("Say whether the complaint is founded.")]
        if bank_at_fault and not apology.strip():
            errors["apology"] = [_("When the bank is at fault, record the apology made.")]
        if bank_at_fault and not rectification:
            errors["owner"] = [_("When the bank is at fault, issue a rectification notice.")]
        if errors:
            raise ValidationError(errors)
        if bank_at_fault:
            _rectification(complaint, user, rectification, now)
        complaint.replied_at = replied_at
        return _apply(
            complaint,
            user,
            Move.RESOLVE,
            reply_content,
            now,
            reply_method=reply_method,
            reply_content=reply_content,
            customer_accepted=customer_accepted,
            founded=founded,
            bank_at_fault=bank_at_fault,
            root_cause=root_cause,
            investigation_notes=investigation_notes,
            apology=apology,
            followup_due_at=_followup_due(complaint),
        )


def complaint_resolve_on_spot(
    *, user, complaint, reply_content, customer_accepted=True, note="", now=None
) -> Complaint:
    """Resolved on the spot: acknowledged and answered at the moment of the complaint."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.RESOLVE_ON_SPOT)
        if not reply_content.strip():
            raise ValidationError(
                {"reply_content": [_("Write down how the complaint was resolved.")]}
            )
        complaint.replied_at = now
        return _apply(
            complaint,
            user,
            Move.RESOLVE_ON_SPOT,
            note or reply_content,
            now,
            acknowledged_at=now,
            reply_method=Complaint.ReplyMethod.IN_PERSON,
            reply_content=reply_content,
            customer_accepted=customer_accepted,
            resolved_on_spot=True,
            followup_due_at=_followup_due(complaint),
        )


def _required(text, field, message):
    if not (text or "").strip():
        raise ValidationError({field: [message]})


def complaint_escalate(*, user, complaint, reason, now=None) -> Complaint:
    """Beyond the outlet's authority: head office's service department takes it over."""
    now = now or timezone.now()
    _required(reason, "reason", _("Give the reason for escalating."))
    with transaction.atomic():
        return _apply(
            _locked(complaint),
            user,
            Move.ESCALATE,
            reason,
            now,
            escalated_at=now,
            escalation_reason=reason,
        )


def complaint_hand_back(*, user, complaint, note, now=None) -> Complaint:
    _required(note, "note", _("Tell the outlet what to do next."))
    with transaction.atomic():
        return _apply(_locked(complaint), user, Move.HAND_BACK, note, now)


def complaint_extend(*, user, complaint, reason, customer_told_at, now=None) -> Complaint:
    """Approve the one extension of the regulatory deadline, recorded with who, when and why;
    the customer must have been told."""
    now = now or timezone.now()
    _required(reason, "reason", _("Give the reason for the extension."))
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.EXTEND)
        if complaint.extended_at:
            raise ValidationError(
                _("The deadline was already extended once; it cannot be extended again."),
                code="already_extended",
            )
        if complaint.complexity != Complaint.Complexity.COMPLEX:
            raise ValidationError(
                _("Only a complex complaint may have its deadline extended."), code="not_complex"
            )
        _not_before_receipt(complaint, customer_told_at, "customer_told_at", now)
        complaint.extended_at = now
        compute_deadlines(complaint, complaint.policy or DeadlinePolicy.current())
        return _apply(
            complaint,
            user,
            Move.EXTEND,
            reason,
            now,
            extension_approved_by=user,
            extension_reason=reason,
            customer_told_of_extension_at=customer_told_at,
        )


def complaint_follow_up(
    *, user, complaint, followed_up_at, satisfaction, comment="", now=None
) -> Complaint:
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.FOLLOW_UP)
        _not_before_receipt(complaint, followed_up_at, "followed_up_at", now)
        if followed_up_at < complaint.replied_at:
            raise ValidationError(
                {"followed_up_at": _("The follow-up visit cannot be before the reply.")}
            )
        if satisfaction not in Complaint.Satisfaction.values:
            raise ValidationError({"satisfaction": _("Choose the customer's satisfaction.")})
        return _apply(
            complaint,
            user,
            Move.FOLLOW_UP,
            comment,
            now,
            followed_up_at=followed_up_at,
            satisfaction=satisfaction,
            followup_comment=comment,
        )


def complaint_close(*, user, complaint, note="", now=None) -> Complaint:
    now = now or timezone.now()
    with transaction.atomic():
        return _apply(_locked(complaint), user, Move.CLOSE, note, now, closed_at=now)


def complaint_withdraw(*, user, complaint, reason, now=None) -> Complaint:
    now = now or timezone.now()
    _required(reason, "reason", _("Record what the customer said when withdrawing."))
    with transaction.atomic():
        return _apply(_locked(complaint), user, Move.WITHDRAW, reason, now, closed_at=now)


def _same_customer(a: Complaint, b: Complaint) -> bool:
    if a.customer_id_number and a.customer_id_number == b.customer_id_number:
        return True
    return bool(a.customer_phone) and a.customer_phone == b.customer_phone


def complaint_merge(*, user, complaint, into: Complaint, note="", now=None) -> Complaint:
    """Merge a repeat complaint into an earlier one from the same customer on the same matter."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.MERGE)
        if not can_see_branch(user, into.branch):
            raise PermissionDenied
        if into.pk == complaint.pk or into.received_at > complaint.received_at:
            raise ValidationError({"into": _("Choose an entry received earlier than this one.")})
        if into.status in {Complaint.Status.MERGED, Complaint.Status.VOID}:
            raise ValidationError({"into": _("That entry is itself merged or void.")})
        if into.branch_id != complaint.branch_id or not _same_customer(complaint, into):
            raise ValidationError(
                {"into": _("Only an entry of the same customer at the same outlet can be chosen.")}
            )
        return _apply(
            complaint,
            user,
            Move.MERGE,
            note or into.reference,
            now,
            merged_into=into,
            closed_at=now,
        )


def complaint_void(*, user, complaint, reason, now=None) -> Complaint:
    now = now or timezone.now()
    _required(reason, "reason", _("Give the reason for voiding this entry."))
    with transaction.atomic():
        return _apply(
            _locked(complaint), user, Move.VOID, reason, now, voided_at=now, void_reason=reason
        )


def complaint_reassign(*, user, complaint, handler, note="", now=None) -> Complaint:
    """Hand the complaint over to another handler (recorded on the timeline)."""
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.REASSIGN)
        if handler is None:
            raise ValidationError({"handler": _("Choose the new handler.")})
        _check_staff(user, handler, "handler")
        if not can_see_branch(handler, complaint.branch):
            raise ValidationError(
                {"handler": _("The new handler must work at this outlet or above it.")}
            )
        text = _("Handed over to %(name)s.") % {"name": handler.get_full_name()}
        return _apply(
            complaint, user, Move.REASSIGN, f"{text} {note}".strip(), now, handler=handler
        )


def complaint_add_note(*, user, complaint, note, now=None) -> ComplaintEvent:
    _required(note, "note", _("Write the note."))
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.NOTE)
        return _event(complaint, user, Move.NOTE, "", "", note, now)


def complaint_record_escalation_notice(
    *, complaint, recipients, breached_at, now=None
) -> ComplaintEvent:
    """Write on the timeline that the reminder scan sent an escalation notice for a reply still
    outstanding after its breach. No user made this move: the line is the system's (no actor,
    no workflow permission), and it names who was notified."""
    names = "、".join(sorted({person.get_full_name() for person in recipients})) or "—"
    # Stored text, written by a background scan: in the bank's language, not a requester's.
    with translation.override(settings.LANGUAGE_CODE):
        note = _(
            "Escalation notice: the reply due by %(due)s is still overdue; notified: %(who)s."
        ) % {"due": timezone.localdate(breached_at).isoformat(), "who": names}
    with transaction.atomic():
        return _event(complaint, None, Move.NOTE, "", "", note, now)


def complaint_update(*, user, complaint, data: dict, expected_version: int, now=None) -> Complaint:
    """Edit an open entry's details; a change of receipt, kind or complexity moves deadlines.

    `expected_version` is the version the user saw: if someone else saved the details since,
    nothing is saved and ConcurrentChange says who changed it meanwhile."""
    now = now or timezone.now()
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.EDIT)
        # The inputs of compute_deadlines.
        before = {f: getattr(complaint, f) for f in ("received_at", "kind", "complexity")}
        for field, value in data.items():
            setattr(complaint, field, value)
        complaint.validate_entry(now)
        _check_staff(user, complaint.first_responder, "first_responder")
        changed = [f for f, v in before.items() if getattr(complaint, f) != v]
        if changed:
            compute_deadlines(complaint, complaint.policy or DeadlinePolicy.current())
        save_versioned(complaint, expected_version=expected_version)
        if changed:
            _event(
                complaint,
                user,
                Move.EDIT,
                "",
                "",
                _("Details changed; deadlines recomputed."),
                now,
            )
        return complaint


# ---------------------------------------------------------------------------------------------
# Rectification notices and attachments


def rectification_issue(*, user, complaint, data: dict, now=None) -> RectificationNotice:
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.RECTIFY)
        notice = _rectification(complaint, user, data, now or timezone.now())
        _event(complaint, user, Move.RECTIFY, "", "", notice.required_action, now)
        return notice


def rectification_complete(*, user, notice, evidence, now=None) -> RectificationNotice:
    """The owner (or a handler in scope) records the action done, with evidence."""
    now = now or timezone.now()
    _required(evidence, "evidence", _("Describe the evidence that the action is done."))
    with transaction.atomic():
        notice = RectificationNotice.objects.select_for_update().get(pk=notice.pk)
        complaint = notice.complaint
        if not can_see_branch(user, complaint.branch):
            raise PermissionDenied
        if notice.owner_id != user.pk:
            transition_for(complaint, user, Move.RECTIFY)
        if notice.status == RectificationNotice.Status.DONE:
            raise ValidationError(_("This rectification is already done."), code="done")
        notice.status = RectificationNotice.Status.DONE
        notice.completed_at = now
        notice.evidence = evidence
        notice.save()
        _event(complaint, user, Move.RECTIFIED, "", "", evidence, now)
        return notice


ALLOWED_ATTACHMENT_TYPES = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "audio/mpeg": (".mp3",),
    "audio/mp4": (".m4a",),
    "audio/x-m4a": (".m4a",),
    "audio/wav": (".wav",),
    "audio/x-wav": (".wav",),
    "audio/amr": (".amr",),
}


def _check_file(upload) -> str:
    name = upload.name.lower()
    extension = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    content_type = next(
        (ct for ct, exts in ALLOWED_ATTACHMENT_TYPES.items() if extension in exts), None
    )
    if content_type is None:
        raise ValidationError(
            {
                "file": _(
                    "Attach a PDF, an image (JPG, PNG, GIF, WebP) "
                    "or a recording (MP3, M4A, WAV, AMR)."
                )
            }
        )
    if upload.size > settings.COMPLAINT_ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is larger than %(mb)s MB.")
                % {"mb": settings.COMPLAINT_ATTACHMENT_MAX_BYTES // (1024 * 1024)}
            }
        )
    # The declared type is not trusted on its own: the content must start like it.
    if not content_matches(upload, extension):
        raise ValidationError({"file": _("The file's content does not match its type.")})
    return content_type


def attachment_add(*, user, complaint, file, description="", now=None) -> Attachment:
    content_type = _check_file(file)
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.ATTACH)
        attachment = Attachment(
            complaint=complaint,
            original_name=file.name[:255],
            content_type=content_type,
            size=file.size,
            description=description,
            uploaded_by=user,
        )
        attachment.file.save(f"{uuid.uuid4().hex}-{file.name[-80:]}", file, save=False)
        attachment.save()
        _event(complaint, user, Move.ATTACH, "", "", attachment.original_name, now)
        return attachment
