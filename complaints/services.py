"""Every write to the complaint register. Each service runs in one transaction, checks the
move against `complaints.workflow`, and writes a line to the timeline.

Refusals: PermissionDenied for anything outside the user's scope; ValidationError (with a
message in the user's language) for bad input or a move the workflow does not allow.
"""

import datetime as dt
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from branchservice.calendar import one_reading
from branchservice.concurrency import save_versioned
from branchservice.files import DOCUMENT_TYPES, accepted_upload
from branchservice.jobs import queue
from branchservice.models import Branch, User
from branchservice.notifications.services import (
    notifications_create,
    notifications_send_now,
    notifications_settle_for,
    notifications_supersede,
)
from branchservice.rectifications.services import rectification_raise
from branchservice.roles import INTAKE_PERMISSION, Role, is_complaint_handler
from branchservice.scoping import can_see_branch

from . import reminders
from .codetable import CodeTablePlan, code_table_plan
from .deadlines import (
    DUE_FIELDS,
    WATCHED,
    WATCHED_LABELS,
    compute_deadlines,
    recompute_deadlines,
)
from .models import (
    Attachment,
    ComplainantKind,
    Complaint,
    ComplaintEvent,
    ContactAttempt,
    Correction,
    CustomerNotice,
    DeadlinePolicy,
    Decision,
    DocumentType,
    ExtensionRequest,
    Move,
    Pause,
    ReferenceCounter,
    end_of_day,
    unstorable_text,
)
from .workflow import (
    escalation_errors,
    extension_approver_error,
    hand_back_errors,
    hand_back_status,
    next_extension_tier,
    recusal_refusal,
    review_request_ends,
    transition_for,
)

# Fields a handler may edit on the change page while the entry is open (the evidence among
# them only until it is acknowledged: Complaint.EVIDENCE_FIELDS).
EDITABLE_FIELDS = (
    "kind",
    "channel",
    "received_at",
    *Complaint.TYPED_FIELDS,
    "first_responder",
    *Complaint.CODED_FIELDS,
    "is_quality",
    "complexity",
    # Recusal and regulator transfers (issue 14 items 4 and 6).
    "complained_about_staff",
    "is_urgent",
    *Complaint.REGULATOR_FIELDS,
    *Complaint.COMPLAINANT_FIELDS,
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
# Validation shared by registration and editing


def _not_before_receipt(complaint: Complaint, moment: dt.datetime, field: str, now) -> None:
    if moment < complaint.received_at:
        raise ValidationError(
            {field: _("This cannot be earlier than the time the entry was received.")}
        )
    if moment > now:
        raise ValidationError({field: _("This cannot be in the future.")})


def _outlet_people(branches) -> list:
    """The active complaint managers and heads of `branches`, each with its `role` (a person
    with both roles comes twice), in the order of their accounts: one read for the default
    handler and for who is told of the new entry (reminders.new_entry)."""
    return list(
        User.objects.filter(
            is_active=True,
            branch_id__in=branches,
            groups__name__in=(Role.COMPLAINT_MANAGER, Role.BRANCH_MANAGER),
        )
        .annotate(role=F("groups__name"))
        .order_by("pk")
    )


def _default_handler(people, branch: Branch, user, *, recused=None):
    """The outlet's complaint manager; when the outlet has none, whoever registers, unless
    they are a first responder who does not work complaints: then the outlet head. The
    person complained about (`recused`) is passed over (回避, workflow.recusal_refusal).
    `people`: _outlet_people of the outlet (and maybe of others)."""
    staff = [p for p in people if p.branch_id == branch.pk and p != recused]
    manager = next((p for p in staff if p.role == Role.COMPLAINT_MANAGER), None)
    if manager or user is None or (is_complaint_handler(user) and user != recused):
        return manager or user
    return next((p for p in staff if p.role == Role.BRANCH_MANAGER), None)


def _check_staff_channel(channel, *, was=None) -> None:
    """Staff neither register nor re-label an entry as written by the customer online, nor
    turn the customer's own online entry into another channel."""
    if was is not None and was == channel:
        return
    if channel in Complaint.CUSTOMER_CHANNELS:
        raise ValidationError(
            {
                "channel": _(
                    "Only customers write in the online opinion book: choose another channel."
                )
            }
        )
    if was in Complaint.CUSTOMER_CHANNELS:
        raise ValidationError(
            {
                "channel": _(
                    "The customer wrote this entry in the online opinion book: its channel stays."
                )
            }
        )


def _check_staff(user, person, field) -> None:
    if person is not None and not can_see_branch(user, person.branch):
        raise ValidationError({field: _("Choose a member of staff within your branches.")})


# --- Recusal (回避, issue 14 item 4) -------------------------------------------------------------


def recusal_errors(complaint: Complaint) -> dict:
    """By field, why the people of `complaint` break recusal: the staff member complained
    about works at its outlet, and is neither its first responder nor its handler (the rule:
    workflow.recusal_refusal). The registration and edit services refuse with these, and the
    admin form shows them before anything is saved."""
    person = complaint.complained_about_staff
    if person is not None and (person.branch_id != complaint.branch_id or not person.is_active):
        return {"complained_about_staff": [_("Choose a member of this outlet's staff.")]}
    return {
        field: [refusal]
        for field in ("first_responder", "handler")
        if (refusal := recusal_refusal(complaint, getattr(complaint, field)))
    }


def _check_recusal(complaint: Complaint) -> None:
    errors = recusal_errors(complaint)
    if errors:
        raise ValidationError(errors)


# --- end of recusal ------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Registration


def intake_refusal(user, branch: Branch | None = None) -> str | None:
    """Why `user` may not take an entry down on the intake pages (at `branch`, when given),
    or None. A first responder registers at their own outlet only: the register it lands in
    and the handler who gets it follow from where they work."""
    if not user.has_perm(INTAKE_PERMISSION):
        return _("Your role may not register complaints.")
    if user.branch is None or not user.branch.is_outlet:
        return _("Entries are taken down by the staff of an outlet: your account is not at one.")
    if branch is not None and branch.pk != user.branch_id:
        return _("You take entries down at your own outlet only.")
    return None


def _next_reference(branch: Branch, received_at: dt.datetime) -> str:
    """TS-<outlet>-<yyyymm>-<seq>, numbered per outlet and month of receipt.

    The UPDATE takes the counter row's lock until the transaction ends, so concurrent
    registrations at one outlet queue here and get consecutive numbers.
    """
    month = timezone.localtime(received_at).strftime("%Y%m")
    seq = _count_on(branch, month)
    if seq is None:
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(branch=branch, month=month, last_seq=1)
            seq = 1
        except IntegrityError:
            # Another registration created this month's row first: take the next number.
            seq = _count_on(branch, month)
    return f"TS-{branch.code}-{month}-{seq:04d}"


def _count_on(branch: Branch, month: str) -> int | None:
    """Add one to the outlet's counter of `month` and return it (None: no row yet), in one
    statement: UPDATE … RETURNING (PostgreSQL, SQLite 3.35 and later), which the ORM's
    update() does not write."""
    qn = connection.ops.quote_name
    meta = ReferenceCounter._meta
    seq, branch_id, month_column = (
        qn(meta.get_field(name).column) for name in ("last_seq", "branch", "month")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(meta.db_table)} SET {seq} = {seq} + 1"
            f" WHERE {branch_id} = %s AND {month_column} = %s RETURNING {seq}",
            [branch.pk, month],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


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
    on_spot: dict | None = None,
    complained_about_staff=None,
    is_urgent: bool = False,
    regulator_body: str = "",
    regulator_reference: str = "",
    regulator_received_on: dt.date | None = None,
    regulator_feedback_due_at: dt.datetime | None = None,
    business_channel=None,
    category=None,
    reason=None,
    is_quality: bool = False,
    complexity: str = Complaint.Complexity.SIMPLE,
    complainant_kind: str = ComplainantKind.CUSTOMER,
    representative_name: str = "",
    customer_id_type: str = DocumentType.RESIDENT_ID,
    complainants: int = 1,
    submission_token: uuid.UUID | None = None,
    alongside: Callable[[Complaint], object] | None = None,
    now: dt.datetime | None = None,
) -> Complaint:
    """Register an entry in an outlet's register, with its reference number and deadlines.

    `user` is None for an entry the customer wrote themselves on the outlet's public opinion
    book (the opinionbook app): only that channel takes one, and only the customer writes
    through it. Every entry is told at once to its handler and the outlet head
    (reminders.new_entry). `on_spot` (reply_content, customer_accepted) records the complaint
    resolved on the spot as it is registered (complaint_resolve_on_spot).

    A first responder who does not work complaints (the intake pages) registers at their own
    outlet only (intake_refusal). The staff member complained about is neither first
    responder nor handler (回避): the default handler passes them over, a choice of them is
    refused. A regulator transfer carries its transferring body's details and feedback due
    date (Complaint.REGULATOR_FIELDS).

    A complaint of the same customer as an earlier one within the policy's window is marked a
    repeat (_mark_repeats); a major complaint (MAJOR_COMPLAINANTS or more together) is told to
    head office at once as well (reminders.major_complaint).

    `alongside(complaint)` writes the caller's own rows that stand or fall with the entry (the
    opinion book's lookup code) in this transaction: a caller's transaction around this one
    would cost a savepoint pair, the one this needs to tell a duplicate submission."""
    now = now or timezone.now()
    if user is None:
        if channel not in Complaint.CUSTOMER_CHANNELS:
            raise PermissionDenied
    else:
        if not can_see_branch(user, branch):
            raise PermissionDenied
        if not is_complaint_handler(user):
            refusal = intake_refusal(user, branch)
            if refusal:
                raise ValidationError(refusal, code="role")
        _check_staff_channel(channel)
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
        business_channel=business_channel,
        category=category,
        reason=reason,
        is_quality=is_quality,
        complexity=complexity,
        complainant_kind=complainant_kind,
        representative_name=representative_name,
        customer_id_type=customer_id_type,
        complainants=complainants,
        registered_by=user,
        submission_token=submission_token,
        complained_about_staff=complained_about_staff,
        is_urgent=is_urgent,
        regulator_body=regulator_body,
        regulator_reference=regulator_reference,
        regulator_received_on=regulator_received_on,
        regulator_feedback_due_at=regulator_feedback_due_at,
    )
    complaint.validate_entry(now)
    _check_codes(complaint, Complaint.CODED_FIELDS)
    _check_staff(user, first_responder, "first_responder")
    _check_staff(user, handler, "handler")
    # Before the transaction: nothing here needs the counter's lock.
    compute_deadlines(complaint, DeadlinePolicy.current())
    told_branches = reminders.new_entry_branches(complaint)
    people = _outlet_people({branch.pk, *told_branches}) if handler is None or told_branches else []
    complaint.handler = handler or _default_handler(
        people, branch, user, recused=complained_about_staff
    )
    _check_recusal(complaint)
    try:
        with transaction.atomic():
            complaint.reference = _next_reference(branch, received_at)
            later_entries = _repeat_on_register(complaint)
            complaint.save()
            note = ""
            if user is None:
                # Stored text: in the bank's language, not the customer's.
                with translation.override(settings.LANGUAGE_CODE):
                    note = str(_("Written by the customer in the online opinion book."))
            _event(complaint, user, Move.REGISTER, "", complaint.status, note, now=now)
            if later_entries:
                _mark_repeats(complaint)
            told = [
                reminder
                for reminder in (
                    reminders.new_entry(complaint, people=people, registered_by=user),
                    reminders.major_complaint(complaint),
                )
                if reminder is not None
            ]
            if told:
                notifications_send_now(reminders=told, now=now)
            if on_spot is not None:
                complaint = complaint_resolve_on_spot(
                    user=user, complaint=complaint, now=now, **on_spot
                )
            if alongside is not None:
                alongside(complaint)
    except IntegrityError:
        # Two submits of one form raced past the check above: the other one won.
        earlier = Complaint.objects.filter(submission_token=submission_token).first()
        if submission_token is None or earlier is None:
            raise
        raise DuplicateSubmission(earlier) from None
    return complaint


def _check_codes(complaint, fields):
    """A complaint keeps a code entry retired after it was classified; a new choice (`fields`
    just set) must be an active entry."""
    errors = {
        field: [_("This entry is retired: choose an active one.")]
        for field in fields
        if (entry := getattr(complaint, field)) is not None and not entry.is_active
    }
    if errors:
        raise ValidationError(errors)


# ---------------------------------------------------------------------------------------------
# The customer's history: repeat complaints (issue 14 item 5)

# What decides whether a complaint repeats another: the customer, the kind and the receipt.
REPEAT_FACTS = {"customer_phone", "customer_id_number", "customer_id_type", "kind", "received_at"}


def _repeat_window(complaint: Complaint) -> dt.timedelta:
    # The window of the policy the complaint was registered under, like its deadlines.
    policy = complaint.policy or DeadlinePolicy.current()
    return dt.timedelta(days=policy.repeat_window_days)


# What may repeat, and be repeated: complaints, not suggestions or praise, and not void.
REPEATABLE = Q(kind=Complaint.Kind.COMPLAINT) & ~Q(status=Complaint.Status.VOID)


def _received_before(received, window) -> Q:
    """Received within `window` before `received` (a moment, or the outer row's)."""
    return Q(received_at__lt=received, received_at__gte=received - window)


def _repeat_on_register(complaint: Complaint) -> bool:
    """Set the flag of a complaint about to be registered, in one query; whether entries of
    the same customer were received after it within the window (a late registration), whose
    flags _mark_repeats must then set again."""
    complaint.customer_phone_key, complaint.customer_id_key = complaint.customer_keys()
    if complaint.kind != Complaint.Kind.COMPLAINT:
        return False  # neither a repeat nor repeated: nothing to count
    window = _repeat_window(complaint)
    received = complaint.received_at
    facts = (
        Complaint.objects.same_customer(
            phone_key=complaint.customer_phone_key, id_key=complaint.customer_id_key
        )
        .filter(REPEATABLE)
        .aggregate(
            earlier=Count("pk", filter=_received_before(received, window)),
            later=Count(
                "pk", filter=Q(received_at__gt=received, received_at__lte=received + window)
            ),
        )
    )
    complaint.is_repeat = bool(facts["earlier"])
    return bool(facts["later"])


def _repeat_flag(window: dt.timedelta):
    """An entry's repeat flag, for an UPDATE: a complaint with an earlier complaint of the same
    customer (same phone or same document), not void, received within `window` before it;
    an entry merged into an earlier one whatever the window (the merge said so)."""
    earlier = Complaint.objects.filter(
        REPEATABLE,
        (Q(customer_phone_key=OuterRef("customer_phone_key")) & ~Q(customer_phone_key=""))
        | (Q(customer_id_key=OuterRef("customer_id_key")) & ~Q(customer_id_key="")),
        _received_before(OuterRef("received_at"), window),
    )
    return Case(
        When(~REPEATABLE, then=Value(False)),
        When(status=Complaint.Status.MERGED, then=Value(True)),
        default=Exists(earlier),
    )


def complaint_match_keys_recompute(*, batch_size: int = 1000) -> int:
    """Compute every entry's matching keys again, and the repeat flags from them; return how
    many entries have a phone or a document. The keys are keyed hashes under the SECRET_KEY
    (pii.MATCH_SALT): after a new key, the entries stored before it match none registered
    since until this has run (manage.py recompute_customer_keys). By primary-key batches of
    one UPDATE each, so no lock is held on the whole register; nothing a user typed changes,
    so neither the history nor the version does."""
    rows = Complaint.objects.exclude(customer_phone="", customer_id_number="").only(
        "pk", "customer_phone", "customer_id_type", "customer_id_number"
    )
    done = last = 0
    while batch := list(rows.filter(pk__gt=last).order_by("pk")[:batch_size]):
        for row in batch:
            row.customer_phone_key, row.customer_id_key = row.customer_keys()
        Complaint.objects.bulk_update(batch, ["customer_phone_key", "customer_id_key"])
        done, last = done + len(batch), batch[-1].pk
    _set_repeat_flags(Complaint.objects.filter(~Q(customer_phone_key="") | ~Q(customer_id_key="")))
    return done


def _set_repeat_flags(entries) -> None:
    """Set the repeat flag of `entries` (_repeat_flag), each under the window of the policy it
    was registered under (_repeat_window), as registration does: one UPDATE per window among
    theirs (a bank has few policies)."""
    # An entry without a policy is under the current one (_repeat_window).
    current = DeadlinePolicy.current()
    windows = dict(DeadlinePolicy.objects.values_list("pk", "repeat_window_days"))
    under: dict[int, Q] = {}
    for policy_id in entries.order_by().values_list("policy_id", flat=True).distinct():
        days = windows[policy_id or current.pk]
        under[days] = under.get(days, Q(pk__in=[])) | Q(policy_id=policy_id)
    for days, policies in under.items():
        entries.filter(policies).update(is_repeat=_repeat_flag(dt.timedelta(days=days)))


def _mark_repeats(complaint: Complaint, *, also: tuple[str, str] = ("", "")) -> None:
    """Set the repeat flag of every entry of `complaint`'s customer (and of the customer whose
    matching keys `also` were the entry's before an edit) (_set_repeat_flags).

    A complaint is a repeat when an earlier complaint of the same customer (same phone or same
    document), not void, was received within its policy's window before it; an entry
    merged into an earlier one is a repeat whatever the window, the merge said so. Later
    entries are set again too: an entry registered late, or voided, changes their answer."""
    customers = Complaint.objects.filter(pk=complaint.pk)
    for phone_key, id_key in ((complaint.customer_phone_key, complaint.customer_id_key), also):
        customers |= Complaint.objects.same_customer(phone_key=phone_key, id_key=id_key)
    _set_repeat_flags(customers)
    # The row in hand is saved again by the moves that follow.
    complaint.refresh_from_db(fields=["is_repeat"])


# ---------------------------------------------------------------------------------------------
# Workflow moves


def _event(complaint, user, move, from_status, to_status, note="", now=None, level=None):
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
        level=level,
    )


def _locked(complaint: Complaint) -> Complaint:
    """Re-read the row under a lock: a second click of the same button waits here, then sees
    the status the first click left and is refused instead of repeating the move."""
    return Complaint.objects.select_for_update().select_related("branch").get(pk=complaint.pk)


def _apply(complaint, user, move, note="", now=None, **changes) -> Complaint:
    """Check `move` on the locked row, apply `changes`, recompute the deadlines from the
    facts as they now stand, save, and write the timeline."""
    row = transition_for(complaint, user, move)
    from_status, from_level = complaint.status, complaint.level
    for field, value in changes.items():
        setattr(complaint, field, value)
    if row.target:
        complaint.status = row.target
    recompute_deadlines(complaint)
    complaint.save()
    # A hand-back sets the status itself (workflow.hand_back_status); a move to another
    # level names it on its line.
    to_status = row.target or (complaint.status if complaint.status != from_status else "")
    level = complaint.level if complaint.level != from_level else None
    _event(complaint, user, move, from_status, to_status, note, now, level=level)
    # The reminders this move answered are done now, not at the next scan.
    notifications_settle_for(target=complaint, now=now)
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


# The kind of finding a complaint is for branchservice.rectifications (see ComplaintsConfig).
RECTIFICATION_SOURCE = "complaint"


def _rectification(complaint, user, data, now):
    """The 整改通知单 of `complaint` (`data`: owner, responsible_department, required_action,
    due_date), raised through the one rectification service; a notice names a department."""
    if not (data.get("responsible_department") or "").strip():
        raise ValidationError({"responsible_department": [_("Name the responsible department.")]})
    return rectification_raise(
        user=user,
        outlet=complaint.branch,
        source=complaint,
        source_kind=RECTIFICATION_SOURCE,
        source_label=complaint.reference,
        now=now,
        **data,
    )


DEFAULT_REMEDIES = _(
    "If you do not accept this decision you may, within 30 days, ask our superior institution "
    "for a review (核查), or turn to mediation, arbitration or litigation."
)


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
    reply_facts="",
    reply_grounds="",
    reply_remedies="",
    now=None,
) -> Complaint:
    """Record the investigation outcome and the decision given to the customer: the facts
    found, the grounds, the solution and the remedies open (art. 19).

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
        if complaint.kind == Complaint.Kind.COMPLAINT:
            if founded is None:
                errors["founded"] = [_("Say whether the complaint is founded.")]
            if not reply_facts.strip():
                errors["reply_facts"] = [_("Write down the facts found.")]
            if not reply_grounds.strip():
                errors["reply_grounds"] = [_("Write down the grounds of the decision.")]
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
            reply_facts=reply_facts,
            reply_grounds=reply_grounds,
            reply_remedies=reply_remedies or str(DEFAULT_REMEDIES),
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
        )


def _required(text, field, message):
    if not (text or "").strip():
        raise ValidationError({field: [message]})


def _level_name(complaint, level) -> str:
    return f"{Branch.Level(level).label} {complaint.branch_at(level).name}"


def complaint_escalate(
    *, user, complaint, reason, to_level=None, skip_reason="", now=None
) -> Complaint:
    """Beyond the authority of the level that holds it (逐级上报): up to the next level, or
    further with a reason for the levels skipped (workflow.escalation_errors). The level it
    goes to holds it from then on, and its managers are told at once."""
    now = now or timezone.now()
    _required(reason, "reason", _("Give the reason for escalating."))
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.ESCALATE)
        to_level = to_level or complaint.level - 1
        errors = escalation_errors(complaint, to_level, skip_reason)
        if errors:
            raise ValidationError(errors)
        text = _("To %(level)s: %(reason)s") % {
            "level": _level_name(complaint, to_level),
            "reason": reason,
        }
        if to_level != complaint.level - 1:
            text = f"{text} " + _("(levels skipped because: %(why)s)") % {"why": skip_reason}
        complaint = _apply(
            complaint,
            user,
            Move.ESCALATE,
            text,
            now,
            level=to_level,
            escalated_at=complaint.escalated_at or now,
            escalation_reason=reason,
        )
        _tell_level(complaint, user, now, up=True)
        return complaint


def complaint_hand_back(*, user, complaint, note, to_level=None, now=None) -> Complaint:
    """The level that holds it hands it down with instructions: to the next level down by
    default; back at the outlet it is investigated again (workflow.hand_back_status)."""
    now = now or timezone.now()
    _required(note, "note", _("Give the instructions for the level it goes back to."))
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.HAND_BACK)
        to_level = to_level or complaint.level + 1
        errors = hand_back_errors(complaint, to_level)
        if errors:
            raise ValidationError(errors)
        text = _("Back to %(level)s: %(note)s") % {
            "level": _level_name(complaint, to_level),
            "note": note,
        }
        complaint = _apply(
            complaint,
            user,
            Move.HAND_BACK,
            text,
            now,
            level=to_level,
            status=hand_back_status(to_level),
        )
        _tell_level(complaint, user, now, up=False)
        return complaint


def _tell_level(complaint, user, now, *, up):
    reminder = reminders.level_changed(complaint, up=up, moved_by=user, now=now)
    if reminder is not None:
        notifications_send_now(reminders=[reminder], now=now)


def complaint_request_extension(*, user, complaint, reason, now=None) -> ExtensionRequest:
    """A handler asks for the regulatory period of the next tier (30, then 60 days)."""
    now = now or timezone.now()
    _required(reason, "reason", _("Give the reason for the extension."))
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.REQUEST_EXTENSION)
        request = ExtensionRequest.objects.create(
            complaint=complaint,
            tier=next_extension_tier(complaint),
            reason=reason,
            requested_by=user,
            requested_at=now,
        )
        text = _("Extension to %(days)s days requested: %(reason)s") % {
            "days": complaint.policy.regulatory_days(request.tier),
            "reason": reason,
        }
        _event(complaint, user, Move.REQUEST_EXTENSION, "", "", text, now)
        return request


def complaint_extend(*, user, complaint, approve: bool, note="", now=None) -> ExtensionRequest:
    """Decide the pending extension request. Approval moves the regulatory deadline to the
    tier's ceiling; the customer must then be told (a notice of the extension). A refusal
    records why."""
    now = now or timezone.now()
    if not approve:
        _required(note, "note", _("Give the reason for refusing the extension."))
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.EXTEND)
        request = ExtensionRequest.objects.select_for_update().get(
            complaint=complaint, decision=Decision.PENDING
        )
        refusal = extension_approver_error(user, request)
        if refusal:
            raise ValidationError(refusal, code="approver")
        days = complaint.policy.regulatory_days(request.tier)
        if approve:
            text = _("Extension to %(days)s days approved. %(note)s")
        else:
            text = _("Extension to %(days)s days refused: %(note)s")
        changes = {"extension_tier": request.tier} if approve else {}
        _apply(
            complaint,
            user,
            Move.EXTEND,
            (text % {"days": days, "note": note}).strip(),
            now,
            **changes,
        )
        # Decided after the move: the move's own check needs the request still pending.
        request.decision = Decision.APPROVED if approve else Decision.REFUSED
        request.decided_by, request.decided_at, request.decision_note = user, now, note
        request.save()
        return request


def _moment_in_handling(complaint, moment, field, now):
    if moment is None:
        raise ValidationError({field: _("Give the date and time.")})
    _not_before_receipt(complaint, moment, field, now)


def complaint_pause(
    *, user, complaint, reason, note, started_at, told_method, told_at, now=None
) -> Pause:
    """Stop the clock for an appraisal/testing/valuation or a mediation, the customer told."""
    now = now or timezone.now()
    _required(note, "note", _("Describe the appraisal or mediation."))
    if reason not in Pause.Reason.values:
        raise ValidationError({"reason": _("Choose what the clock is paused for.")})
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.PAUSE)
        _moment_in_handling(complaint, started_at, "started_at", now)
        last = complaint.pauses.exclude(ended_at=None).order_by("-ended_at").first()
        if last is not None and started_at < last.ended_at:
            raise ValidationError(
                {
                    "started_at": _(
                        "This pause would overlap the previous one, which ended at %(end)s."
                    )
                    % {"end": _local(last.ended_at)}
                }
            )
        pause = Pause.objects.create(
            complaint=complaint, reason=reason, note=note, started_at=started_at, started_by=user
        )
        _notice(complaint, user, CustomerNotice.Subject.PAUSE, told_method, told_at, note, now)
        _apply(
            complaint,
            user,
            Move.PAUSE,
            f"{pause.get_reason_display()}: {note}",
            now,
            paused_since=started_at,
        )
        return pause


def complaint_resume(*, user, complaint, ended_at, note="", now=None) -> Pause:
    """End the pause: its days are added to the deadlines (natural and working days)."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.RESUME)
        pause = complaint.pauses.select_for_update().get(ended_at=None)
        if ended_at is None or ended_at > now:
            raise ValidationError({"ended_at": _("The end of the pause cannot be in the future.")})
        if ended_at < pause.started_at:
            raise ValidationError(
                {
                    "ended_at": _("The pause cannot end before it started (%(start)s).")
                    % {"start": _local(pause.started_at)}
                }
            )
        pause.ended_at = ended_at
        pause.save()
        days = (timezone.localdate(ended_at) - timezone.localdate(pause.started_at)).days
        text = _("Pause ended; %(days)s days do not count toward the deadlines. %(note)s") % {
            "days": days,
            "note": note,
        }
        _apply(complaint, user, Move.RESUME, text.strip(), now, paused_since=None)
        return pause


def complaint_new_materials(*, user, complaint, arrived_at, what, now=None) -> Complaint:
    """New facts or materials restart the regulatory period from the day they arrived."""
    now = now or timezone.now()
    _required(what, "what", _("Describe the new facts or materials."))
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.NEW_MATERIALS)
        _moment_in_handling(complaint, arrived_at, "arrived_at", now)
        text = _(
            "New facts or materials received on %(day)s; the regulatory period restarts: %(what)s"
        ) % {"day": timezone.localdate(arrived_at).isoformat(), "what": what}
        return _apply(complaint, user, Move.NEW_MATERIALS, text, now, period_started_at=arrived_at)


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _notice(complaint, user, subject, method, told_at, note, now, attachment=None, extension=None):
    if method not in Complaint.ReplyMethod.values:
        raise ValidationError({"told_method": _("Choose how the customer was told.")})
    _moment_in_handling(complaint, told_at, "told_at", now)
    return CustomerNotice.objects.create(
        complaint=complaint,
        subject=subject,
        method=method,
        told_at=told_at,
        recorded_by=user,
        note=note,
        attachment=attachment,
        extension=extension,
    )


def complaint_record_notice(
    *, user, complaint, subject, told_method, told_at, note="", file=None, now=None
) -> CustomerNotice:
    """Proof that a notice reached the customer: how, when, who, and an attachment (a letter,
    a screenshot of the SMS) or the call record in the note."""
    now = now or timezone.now()
    if subject not in CustomerNotice.Subject.values:
        raise ValidationError({"subject": _("Choose what the customer was told of.")})
    if file is None and not (note or "").strip():
        raise ValidationError({"note": _("Attach the proof or write down the call record.")})
    content_type = _check_file(file) if file is not None else None
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.NOTIFY)
        extension = None
        if subject == CustomerNotice.Subject.EXTENSION:
            extension = complaint.extension_requests.filter(decision=Decision.APPROVED).last()
            if extension is None:
                raise ValidationError({"subject": _("No extension has been approved.")})
        attachment = _store_attachment(complaint, user, file, content_type) if file else None
        notice = _notice(
            complaint, user, subject, told_method, told_at, note, now, attachment, extension
        )
        text = _("Customer told of: %(subject)s (%(method)s, %(at)s).") % {
            "subject": notice.get_subject_display(),
            "method": notice.get_method_display(),
            "at": _local(told_at),
        }
        _event(complaint, user, Move.NOTIFY, "", "", text, now)
        return notice


# Evidence corrections


def _parse(field: str, value):
    """The value as the column stores it, or a clear refusal."""
    model_field = Complaint._meta.get_field(field)
    if field == "received_at" and isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    value = model_field.to_python(value)
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _as_text(value) -> str:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    return "" if value is None else str(value)


def _display(field: str, value) -> str:
    choices = dict(Complaint._meta.get_field(field).flatchoices)
    if isinstance(value, dt.datetime):
        return _local(value)
    return str(choices.get(value, value))


def _corrected(complaint, field, value, now) -> Complaint:
    """The complaint with `field` set to `value`, checked as a whole; refused if the value is
    the same, impossible, or turns an acknowledged complaint into praise or a suggestion."""
    if field not in Complaint.EVIDENCE_FIELDS:
        raise ValidationError(
            {
                "field": _(
                    "Only the time of receipt, kind, channel, the facts stated and the "
                    "complexity are corrected this way."
                )
            },
            code="not_correctable",
        )
    try:
        value = _parse(field, value)
    except (ValidationError, ValueError):
        raise ValidationError({"new_value": _("This value cannot be read.")}) from None
    if getattr(complaint, field) == value:
        raise ValidationError({"new_value": _("The new value is the same as the old one.")})
    if field == "channel":
        try:
            _check_staff_channel(value, was=complaint.channel)
        except ValidationError as exc:
            raise ValidationError({"new_value": exc.messages}) from None
    if field == "kind" and value != Complaint.Kind.COMPLAINT:
        raise ValidationError(
            {"new_value": _("An acknowledged complaint cannot become praise or a suggestion.")}
        )
    setattr(complaint, field, value)
    try:
        complaint.validate_entry(now)
    except ValidationError as exc:
        raise ValidationError({"new_value": exc.messages}) from None
    return complaint


def complaint_request_correction(
    *, user, complaint, field, new_value, reason, now=None
) -> Correction:
    """Ask for a correction of fixed evidence; an outlet head or above approves it."""
    now = now or timezone.now()
    _required(reason, "reason", _("Give the reason for the correction."))
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.REQUEST_CORRECTION)
        old = getattr(complaint, field, None)
        corrected = _corrected(Complaint.objects.get(pk=complaint.pk), field, new_value, now)
        if complaint.corrections.filter(field=field, decision=Decision.PENDING).exists():
            raise ValidationError(
                {"field": _("A correction of this field is already awaiting a decision.")}
            )
        correction = Correction.objects.create(
            complaint=complaint,
            field=field,
            old_value=_as_text(old),
            new_value=_as_text(getattr(corrected, field)),
            reason=reason,
            requested_by=user,
            requested_at=now,
        )
        text = _("Correction requested: %(field)s from “%(old)s” to “%(new)s”: %(reason)s") % {
            "field": Complaint._meta.get_field(field).verbose_name,
            "old": _display(field, old),
            "new": _display(field, getattr(corrected, field)),
            "reason": reason,
        }
        _event(complaint, user, Move.REQUEST_CORRECTION, "", "", text, now)
        return correction


def complaint_decide_correction(
    *, user, complaint, correction, approve: bool, note="", now=None
) -> Correction:
    """Approve (the value is changed, the deadlines recomputed, the complaint flagged as
    corrected) or refuse (with why) a pending correction. Not by the person who asked."""
    now = now or timezone.now()
    if not approve:
        _required(note, "note", _("Give the reason for refusing the correction."))
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.DECIDE_CORRECTION)
        correction = Correction.objects.select_for_update().get(pk=correction.pk)
        if correction.complaint_id != complaint.pk or correction.decision != Decision.PENDING:
            raise ValidationError({"correction": _("This correction is not awaiting a decision.")})
        if correction.requested_by_id == user.pk:
            raise ValidationError(
                {"correction": _("The person who requested a correction cannot approve it.")}
            )
        correction.decision = Decision.APPROVED if approve else Decision.REFUSED
        correction.decided_by, correction.decided_at, correction.decision_note = user, now, note
        field = correction.field
        label = Complaint._meta.get_field(field).verbose_name
        if not approve:
            text = _("Correction of %(field)s refused: %(note)s") % {"field": label, "note": note}
            _event(complaint, user, Move.DECIDE_CORRECTION, "", "", text, now)
            correction.save()
            return correction
        old = getattr(complaint, field)
        _corrected(complaint, field, correction.new_value, now)
        text = _("Correction approved: %(field)s from “%(old)s” to “%(new)s”. %(note)s") % {
            "field": label,
            "old": _display(field, old),
            "new": _display(field, getattr(complaint, field)),
            "note": note,
        }
        _apply(complaint, user, Move.DECIDE_CORRECTION, text.strip(), now, corrected_at=now)
        if field in REPEAT_FACTS:
            _mark_repeats(complaint)
        # Decided after the move: the move's own check needs the correction still pending.
        correction.save()
        return correction


def complaint_record_contact_attempt(
    *, user, complaint, attempted_at, method, note="", now=None
) -> ContactAttempt:
    """A call or visit for the follow-up that did not reach the customer."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.CONTACT_ATTEMPT)
        _moment_in_handling(complaint, attempted_at, "attempted_at", now)
        if method not in Complaint.ReplyMethod.values:
            raise ValidationError({"method": _("Choose how the customer was tried.")})
        attempt = ContactAttempt.objects.create(
            complaint=complaint, at=attempted_at, method=method, note=note, by=user
        )
        text = _("Customer not reached (%(method)s, %(at)s). %(note)s") % {
            "method": attempt.get_method_display(),
            "at": _local(attempted_at),
            "note": note,
        }
        _event(complaint, user, Move.CONTACT_ATTEMPT, "", "", text.strip(), now)
        return attempt


# Unreachable needs at least this many recorded attempts, on as many different days.
UNREACHABLE_ATTEMPTS = 2


def _outcome_errors(complaint, satisfaction) -> dict:
    S = Complaint.Satisfaction
    if satisfaction not in S.values:
        return {"satisfaction": _("Choose the outcome of the follow-up visit.")}
    if satisfaction == S.UNREACHABLE:
        days = {timezone.localdate(a.at) for a in complaint.contact_attempts.all()}
        if len(days) < UNREACHABLE_ATTEMPTS:
            return {
                "satisfaction": _(
                    "Record at least two attempts to reach the customer, on different days, "
                    "before closing as unreachable."
                )
            }
    if satisfaction == S.ANONYMOUS and (complaint.customer_phone or complaint.customer_name):
        return {"satisfaction": _("The customer left a name or phone number: not anonymous.")}
    return {}


def _method_errors(user, satisfaction, method) -> dict:
    online = Complaint.FollowUpMethod.ONLINE
    if user is None:
        # The customer's link: a rating, nothing else, and it is the online method.
        if method != online or satisfaction not in Complaint.RATINGS:
            raise PermissionDenied
    elif method not in Complaint.STAFF_FOLLOWUP_METHODS:
        return {"method": _("Choose how the follow-up visit was done.")}
    return {}


def complaint_follow_up(
    *,
    user,
    complaint,
    followed_up_at,
    satisfaction,
    comment="",
    method=Complaint.FollowUpMethod.PHONE,
    now=None,
) -> Complaint:
    """The outcome of the follow-up visit: a rating, or why there is none (art. 21).

    `user` None is the customer answering the one-time link of the opinion book (method
    ONLINE); it counts like any visit. A dissatisfied answer is told at once to the handler,
    unless the handler recorded it: what to do next (handle again, or close with the right to
    a review told) is theirs."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.FOLLOW_UP)
        _not_before_receipt(complaint, followed_up_at, "followed_up_at", now)
        if followed_up_at < complaint.replied_at:
            raise ValidationError(
                {"followed_up_at": _("The follow-up visit cannot be before the reply.")}
            )
        errors = _method_errors(user, satisfaction, method) or _outcome_errors(
            complaint, satisfaction
        )
        if errors:
            raise ValidationError(errors)
        label = Complaint.Satisfaction(satisfaction).label
        how = Complaint.FollowUpMethod(method).label
        with translation.override(settings.LANGUAGE_CODE):
            # Stored text: in the bank's language, whoever answered.
            note = f"{label}（{how}）. {comment}".strip()
        complaint = _apply(
            complaint,
            user,
            Move.FOLLOW_UP,
            note,
            now,
            followed_up_at=followed_up_at,
            satisfaction=satisfaction,
            followup_method=method,
            followup_comment=comment,
        )
        if satisfaction == Complaint.Satisfaction.DISSATISFIED:
            told = reminders.dissatisfied(complaint, recorded_by=user)
            if told is not None:
                notifications_send_now(reminders=[told], now=now)
        return complaint


def complaint_handle_again(*, user, complaint, note, now=None) -> Complaint:
    """The customer is dissatisfied: back to investigating, with a new reply deadline from
    today. The first reply and visit stay in the timeline and the history. A reply made
    above the outlet is handled again at the outlet, which escalates it again if need be."""
    now = now or timezone.now()
    _required(note, "note", _("Write down what will be done differently."))
    with transaction.atomic():
        return _apply(
            _locked(complaint),
            user,
            Move.HANDLE_AGAIN,
            note,
            now,
            level=Branch.Level.OUTLET,
            reopened_at=now,
            replied_at=None,
            followed_up_at=None,
            satisfaction="",
        )


def complaint_close(*, user, complaint, note="", review_right_told=False, now=None) -> Complaint:
    """办结. A dissatisfied customer must first have been told of the right to a review."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.CLOSE)
        if complaint.satisfaction == Complaint.Satisfaction.DISSATISFIED and not review_right_told:
            raise ValidationError(
                {
                    "review_right_told": _(
                        "The customer is dissatisfied: tell them of the right "
                        "to a review (核查) before closing, or handle it again."
                    )
                }
            )
        return _apply(
            complaint,
            user,
            Move.CLOSE,
            note,
            now,
            closed_at=now,
            review_right_told=review_right_told,
        )


def complaint_request_review(*, user, complaint, requested_at, request, now=None) -> Complaint:
    """The customer asks the superior institution to review the decision (核查, art. 20)."""
    now = now or timezone.now()
    _required(request, "request", _("Write down what the customer asks to be reviewed."))
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.REQUEST_REVIEW)
        _moment_in_handling(complaint, requested_at, "requested_at", now)
        if requested_at > review_request_ends(complaint):
            raise ValidationError(
                {
                    "requested_at": _(
                        "A review can be requested only within 30 days of the decision."
                    )
                }
            )
        return _apply(
            complaint,
            user,
            Move.REQUEST_REVIEW,
            request,
            now,
            review_requested_at=requested_at,
            review_request=request,
        )


def complaint_decide_review(*, user, complaint, outcome, findings, now=None) -> Complaint:
    now = now or timezone.now()
    _required(findings, "findings", _("Write down the findings of the review."))
    if outcome not in Complaint.ReviewOutcome.values:
        raise ValidationError({"outcome": _("Choose whether the decision is upheld.")})
    with transaction.atomic():
        complaint = _locked(complaint)
        text = f"{Complaint.ReviewOutcome(outcome).label}: {findings}"
        return _apply(
            complaint,
            user,
            Move.DECIDE_REVIEW,
            text,
            now,
            reviewed_at=now,
            reviewed_by=user,
            review_outcome=outcome,
            review_findings=findings,
        )


def complaint_withdraw(*, user, complaint, reason, now=None) -> Complaint:
    now = now or timezone.now()
    _required(reason, "reason", _("Record what the customer said when withdrawing."))
    with transaction.atomic():
        return _apply(_locked(complaint), user, Move.WITHDRAW, reason, now, closed_at=now)


HANDLING_STATUSES = (
    Complaint.Status.REGISTERED,
    Complaint.Status.ACKNOWLEDGED,
    Complaint.Status.INVESTIGATING,
    Complaint.Status.ESCALATED,
)


def _same_customer(a: Complaint, b: Complaint) -> bool:
    """The customer's history's rule (ComplaintQuerySet.same_customer): the same phone or the
    same identity document, compared by their matching keys."""
    if a.customer_id_key and a.customer_id_key == b.customer_id_key:
        return True
    return bool(a.customer_phone_key) and a.customer_phone_key == b.customer_phone_key


def complaint_merge(
    *, user, complaint, into: Complaint, note="", new_facts=False, now=None
) -> Complaint:
    """Merge a repeat complaint into an earlier one of the same customer, at any outlet the
    user can see. The earlier entry keeps its history and gets a line for the repeat; a repeat
    that brings new facts restarts its regulatory period from the day the repeat arrived."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.MERGE)
        if not can_see_branch(user, into.branch):
            raise PermissionDenied
        if into.pk == complaint.pk or into.received_at > complaint.received_at:
            raise ValidationError({"into": _("Choose an entry received earlier than this one.")})
        if into.status in Complaint.NOT_COUNTED:
            raise ValidationError({"into": _("That entry is itself merged or void.")})
        if not _same_customer(complaint, into):
            raise ValidationError({"into": _("Only an entry of the same customer can be chosen.")})
        into = _locked(into)
        if new_facts and into.status not in HANDLING_STATUSES:
            raise ValidationError(
                {
                    "new_facts": _(
                        "The earlier entry is no longer being handled: register the new "
                        "facts as a complaint of their own instead of merging."
                    )
                }
            )
        text = _("Repeat complaint %(ref)s merged into this one.") % {"ref": complaint.reference}
        if new_facts:
            text = f"{text} " + str(_("It brings new facts: the regulatory period restarts."))
            into.period_started_at = complaint.received_at
            recompute_deadlines(into)
            into.save()
        _event(into, user, Move.MERGE, "", "", f"{text} {note}".strip(), now)
        complaint = _apply(
            complaint,
            user,
            Move.MERGE,
            note or into.reference,
            now,
            merged_into=into,
            closed_at=now,
        )
        _mark_repeats(complaint)
        return complaint


def complaint_void(*, user, complaint, reason, now=None) -> Complaint:
    now = now or timezone.now()
    _required(reason, "reason", _("Give the reason for voiding this entry."))
    with transaction.atomic():
        complaint = _apply(
            _locked(complaint), user, Move.VOID, reason, now, voided_at=now, void_reason=reason
        )
        # An entry made in error repeats nothing, and nothing repeats it.
        _mark_repeats(complaint)
        return complaint


# A flood of spam on one opinion book is tens of entries; a larger clean-up is a matter for a
# database administrator with a plan, not for one click.
MAX_VOID_AT_ONCE = 200


def complaint_void_each(*, user, complaints, reason, now=None):
    """Void each entry with the one reason (a flood of spam), each as complaint_void does it:
    its own transaction, event and history. An entry that cannot be voided (already void,
    merged, not the user's) does not stop the others: returns (voided, [(entry, why)])."""
    _required(reason, "reason", _("Give the reason for voiding this entry."))
    voided, refused = [], []
    for complaint in complaints:
        try:
            voided.append(complaint_void(user=user, complaint=complaint, reason=reason, now=now))
        except ValidationError as exc:
            refused.append((complaint, " ".join(exc.messages)))
        except PermissionDenied:
            refused.append((complaint, _("You may not void this entry.")))
    return voided, refused


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
        refusal = recusal_refusal(complaint, handler)
        if refusal:
            raise ValidationError({"handler": refusal}, code="recused")
        text = _("Handed over to %(name)s.") % {"name": handler.get_full_name()}
        return _apply(
            complaint, user, Move.REASSIGN, f"{text} {note}".strip(), now, handler=handler
        )


def complaint_record_regulator_feedback(
    *, user, complaint, fed_back_at, feedback, now=None
) -> Complaint:
    """The feedback a regulator transfer owed its transferring body was given (issue 14 item
    6): when, and what was said; it meets the feedback deadline."""
    now = now or timezone.now()
    _required(feedback, "feedback", _("Write down the feedback given to the transferring body."))
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.REGULATOR_FEEDBACK)
        _moment_in_handling(complaint, fed_back_at, "fed_back_at", now)
        text = _("Feedback to %(body)s (%(ref)s) given on %(at)s: %(feedback)s") % {
            "body": complaint.get_regulator_body_display(),
            "ref": complaint.regulator_reference,
            "at": _local(fed_back_at),
            "feedback": feedback,
        }
        return _apply(
            complaint,
            user,
            Move.REGULATOR_FEEDBACK,
            text,
            now,
            regulator_feedback_at=fed_back_at,
            regulator_feedback=feedback,
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
        fixed = [
            f for f in Complaint.EVIDENCE_FIELDS if f in data and data[f] != getattr(complaint, f)
        ]
        if fixed and complaint.status != Complaint.Status.REGISTERED:
            raise ValidationError(
                {
                    f: _("Fixed once the complaint is acknowledged: request a correction.")
                    for f in fixed
                },
                code="evidence_fixed",
            )
        if "channel" in data:
            _check_staff_channel(data["channel"], was=complaint.channel)
        before = {f: getattr(complaint, f) for f in data}
        keys_before = (complaint.customer_phone_key, complaint.customer_id_key)
        for field, value in data.items():
            setattr(complaint, field, value)
        complaint.validate_entry(now)
        _check_codes(
            complaint, [f for f in Complaint.CODED_FIELDS if f in data and data[f] != before[f]]
        )
        _check_staff(user, complaint.first_responder, "first_responder")
        _check_recusal(complaint)
        changed = [f for f, v in before.items() if getattr(complaint, f) != v]
        if fixed:
            recompute_deadlines(complaint)
        save_versioned(complaint, expected_version=expected_version)
        if REPEAT_FACTS & set(changed):
            _mark_repeats(complaint, also=keys_before)
        if "complainants" in changed and (told := reminders.major_complaint(complaint)):
            notifications_send_now(reminders=[told], now=now)
        if changed:
            labels = "、".join(str(Complaint._meta.get_field(f).verbose_name) for f in changed)
            text = _("Details changed: %(fields)s.") % {"fields": labels}
            if fixed:
                text = f"{text} " + str(_("Deadlines recomputed."))
            _event(complaint, user, Move.EDIT, "", "", text, now)
        return complaint


# ---------------------------------------------------------------------------------------------
# Rectification notices and attachments


def rectification_issue(*, user, complaint, data: dict, now=None):
    """A further 整改通知单 for a complaint, where the workflow allows one."""
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.RECTIFY)
        return _rectification(complaint, user, data, now or timezone.now())


# Each step of a complaint's rectification, as the line it writes on the complaint's timeline.
RECTIFICATION_STEP_MOVES = {
    "raise": Move.RECTIFY,
    "complete": Move.RECTIFIED,
    "verify": Move.RECTIFICATION_VERIFIED,
    "reject": Move.RECTIFICATION_REJECTED,
    "reassign": Move.RECTIFICATION_REASSIGNED,
    "cancel": Move.RECTIFICATION_CANCELLED,
}


def rectification_step_recorded(rectification, *, step, user, note, now):
    """Called by branchservice.rectifications after every step of a complaint's rectification
    (wherever it was taken), in its transaction: the complaint keeps its whole history."""
    _event(rectification.source, user, RECTIFICATION_STEP_MOVES[step], "", "", note, now)


# What a complaint's attachment may be: extension → the type it is stored and served as.
ATTACHMENT_TYPES = {
    **DOCUMENT_TYPES,
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "wav": "audio/wav",
    "amr": "audio/amr",
}


def _check_file(upload) -> str:
    return accepted_upload(
        upload,
        types=ATTACHMENT_TYPES,
        max_bytes=settings.COMPLAINT_ATTACHMENT_MAX_BYTES,
        refusal=_(
            "Attach a PDF, an image (JPG, PNG, GIF, WebP) or a recording (MP3, M4A, WAV, AMR)."
        ),
    )


def attachment_add(*, user, complaint, file, description="", now=None) -> Attachment:
    content_type = _check_file(file)
    with transaction.atomic():
        complaint = _locked(complaint)
        transition_for(complaint, user, Move.ATTACH)
        attachment = _store_attachment(complaint, user, file, content_type, description)
        _event(complaint, user, Move.ATTACH, "", "", attachment.original_name, now)
        return attachment


def _store_attachment(complaint, user, file, content_type, description="") -> Attachment:
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
    return attachment


# ---------------------------------------------------------------------------------------------
# The calendar changed: the stored deadlines follow it

RECOUNT_DEADLINES_TASK = "complaints.tasks.recount_deadlines"
RECOUNT_BATCH_SIZE = 500
# The deadlines counted in working days: only these can span a day that changed. The
# regulatory ceiling and the review count natural days.
WORKING_DAY_DUES = ("acknowledge_due_at", "reply_due_at", "branch_due_at", "followup_due_at")
_DUE_LABELS = {due: WATCHED_LABELS[stage] for stage, (due, _done) in WATCHED.items()}


def calendar_changed(flips: dict[dt.date, bool], subtree: str | None = None) -> None:
    """Registered with branchservice.calendar_changes: called after the commit of a change
    to the calendar, it leaves the recount to a background job."""
    queue(
        RECOUNT_DEADLINES_TASK,
        [[day.isoformat(), working] for day, working in flips.items()],
        subtree,
    )


def complaints_follow_calendar(
    *,
    flips: dict[dt.date, bool],
    subtree: str | None = None,
    batch_size: int = RECOUNT_BATCH_SIZE,
    now=None,
) -> int:
    """Recount the stored deadlines of every open entry (at an outlet of `subtree`, a branch
    path, when the days flipped for a region only) whose working-day count may span a
    day of `flips` (date → is now a working day), write each moved deadline on the entry's
    timeline and in its history, and tell its handler (reminders.deadlines_moved). Returns
    how many entries had a deadline moved.

    A batch is one transaction over rows locked in primary-key order (a workflow move on
    one of them waits, then counts on the new calendar), and costs the same few queries
    however many rows move: the rows with their policy, their pauses, one update, one
    history insert, one timeline insert.
    """
    now = now or timezone.now()
    first, last = min(flips), max(flips)
    # A count spans a day when it starts on or before it and its due date is not before it.
    spans = Q()
    for due in WORKING_DAY_DUES:
        spans |= Q(**{f"{due}__gt": end_of_day(first - dt.timedelta(days=1))})
    candidates = (
        Complaint.objects.open()
        .filter(spans, received_at__lte=end_of_day(last))
        .filter(**({"branch__path__startswith": subtree} if subtree else {}))
        .select_related("policy")
        .prefetch_related("pauses")
        .order_by("pk")
    )
    run = reminders.scan_at(now)
    moved, after = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                candidates.select_for_update(of=("self",)).filter(pk__gt=after)[:batch_size]
            )
            moved += _follow(batch, flips, now, run)
        if len(batch) < batch_size:
            return moved
        after = batch[-1].pk


def _follow(batch, flips, now, run) -> int:
    changed, events, moved_from, due_now = [], [], {}, []
    # Stored text written by a background job: in the bank's language.
    with translation.override(settings.LANGUAGE_CODE), one_reading():
        for complaint in batch:
            before = {due: getattr(complaint, due) for due in DUE_FIELDS}
            recompute_deadlines(complaint)
            lines = [
                _moved_line(complaint, due, before[due], flips)
                for due in DUE_FIELDS
                if getattr(complaint, due) != before[due]
            ]
            if lines:
                changed.append(complaint)
                step_from, step_due = reminders.moved(complaint, before, run)
                moved_from.update(step_from)
                due_now += step_due
                events += [
                    ComplaintEvent(complaint=complaint, action=Move.DEADLINE_MOVED, note=n, at=now)
                    for n in lines
                ]
        reason = str(_("Deadlines recounted after a calendar change."))
    if changed:
        _store(changed, [*DUE_FIELDS, "policy"])
        _record_history([c.pk for c in changed], at=now, reason=reason)
        ComplaintEvent.objects.bulk_create(events)
        # What was sent for a moved deadline is not sent again: the handler hears of the move.
        notifications_supersede(model=Complaint, moved_from=moved_from, due_now=due_now, now=now)
        # The bell at once; the mail with the next dispatch of the handler's reminders, so a
        # handler hears of the whole recount (however many batches) in one mail.
        notifications_create(
            reminders=filter(None, (reminders.deadlines_moved(c, now=now) for c in changed)),
            now=now,
        )
    return len(changed)


def _store(complaints, fields) -> None:
    """Write `fields` of `complaints` in one UPDATE … FROM (VALUES …).

    Django's bulk_update builds a CASE WHEN per row and field: at 500 rows that cost more
    than the recount itself (bench/calendar_recount.py). The VALUES columns are column1…N
    on PostgreSQL and SQLite alike; PostgreSQL needs their types (a column of NULLs alone
    would be text)."""
    qn = connection.ops.quote_name
    table = qn(Complaint._meta.db_table)
    columns = [Complaint._meta.pk, *(Complaint._meta.get_field(f) for f in fields)]

    def value(n, column):
        if connection.vendor == "postgresql":
            return f"CAST(v.column{n} AS {column.db_type(connection)})"
        return f"v.column{n}"

    sets = ", ".join(
        f"{qn(column.column)} = {value(n, column)}" for n, column in enumerate(columns[1:], start=2)
    )
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    params = [
        column.get_db_prep_save(getattr(complaint, column.attname), connection)
        for complaint in complaints
        for column in columns
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row] * len(complaints))}) AS v"
            f" WHERE {table}.{qn(columns[0].column)} = {value(1, columns[0])}",
            params,
        )


def _record_history(pks, *, at, reason) -> None:
    """The batch's history rows, copied from the updated rows by the database (INSERT …
    SELECT): simple-history's bulk_history_create builds a model per row and binds its 65
    columns one by one, most of a batch's time (bench/calendar_recount.py)."""
    qn = connection.ops.quote_name
    history = Complaint.history.model
    copied = ", ".join(
        qn(f.column) for f in history._meta.fields if not f.name.startswith("history_")
    )
    written = ", ".join(
        qn(history._meta.get_field(f).column)
        for f in ("history_date", "history_change_reason", "history_type", "history_user")
    )
    date = history._meta.get_field("history_date").get_db_prep_value(at, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(history._meta.db_table)} ({copied}, {written})"
            f" SELECT {copied}, %s, %s, %s, NULL FROM {qn(Complaint._meta.db_table)}"
            f" WHERE {qn(Complaint._meta.pk.column)} IN ({', '.join(['%s'] * len(pks))})",
            [date, reason, "~", *pks],
        )


def _day(moment) -> str:
    return timezone.localdate(moment).isoformat() if moment else "—"


def _moved_line(complaint, due, old, flips) -> str:
    """ "Reply: deadline moved from 2027-01-04 to 2027-01-05 because 2027-01-01 became a
    holiday." naming the changed days between the receipt and the later of the two dates."""
    new = getattr(complaint, due)
    start = timezone.localdate(complaint.received_at)
    end = max(timezone.localdate(m) for m in (old, new) if m)
    reasons = [
        (_("%(day)s became a working day") if working else _("%(day)s became a holiday"))
        % {"day": day.isoformat()}
        for day, working in sorted(flips.items())
        if start <= day <= end
    ]
    return _("%(deadline)s: deadline moved from %(old)s to %(new)s because %(why)s.") % {
        "deadline": _DUE_LABELS[due],
        "old": _day(old),
        "new": _day(new),
        "why": "; ".join(str(r) for r in reasons) or _("the calendar changed"),
    }


# ---------------------------------------------------------------------------------------------
# Reference data


def code_list_import(*, model, rows: list[tuple[str, str]]) -> CodeTablePlan:
    """Apply an official code table to one JR/T 0169 list (the plan the user previewed, read
    again from the same rows): new codes are added under their parents, names follow the
    table, entries back in it are active again, and entries missing from it are retired."""
    with transaction.atomic():
        plan = code_table_plan(model=model, rows=rows)
        if plan.errors:
            raise ValidationError(plan.errors)
        added = {}
        # Shorter codes first: a new entry's parent may be new as well.
        for code, name, parent in sorted(plan.new, key=lambda row: len(row[0])):
            parent_entry = added.get(parent) or model.objects.filter(code=parent).first()
            added[code] = model.objects.create(code=code, name=name, parent=parent_entry)
        for entry, name in plan.renamed:
            entry.name = name
            entry.save()
        for entry in plan.reactivated:
            entry.is_active = True
            entry.save()
        for entry in plan.retired:
            entry.is_active = False
            entry.save()
    return plan
