"""The complaint workflow, declared once: which move may follow which status, for which kind of
entry, and who may make it. The services enforce it; the admin offers only what it allows.

A move whose target is None leaves the status alone (an extension, a hand-over, a note) but is
still a declared, permission-checked action with a line in the timeline. The one exception is
the hand-back, whose status follows the level it goes down to (hand_back_status).

Escalation goes level by level (逐级上报: outlet → sub-branch → tier-1 branch → head office):
the level a complaint is at holds it (Complaint.level), and a row marked `held` is made by
that level's managers only (holds).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchservice.models import Branch
from branchservice.roles import COMPLAINT_HANDLERS, FIRST_RESPONDERS, Role
from branchservice.scoping import can_see_branch, user_holding_level, user_holds

from .models import Complaint, Correction, Decision, ExtensionRequest, Move, end_of_day

S = Complaint.Status
K = Complaint.Kind


# Who works a complaint: the one statement is branchservice.roles.
HANDLERS = COMPLAINT_HANDLERS
# Outlet head / branch manager or above: approves extensions to 30 days and corrections.
APPROVERS = frozenset({Role.BRANCH_MANAGER, Role.HQ_SERVICE})
# An extension to 60 days needs the superior institution: a tier-1 branch or head office.
SENIOR_LEVELS = frozenset({Branch.Level.HEAD_OFFICE, Branch.Level.TIER1_BRANCH})
HEAD_OFFICE = frozenset({Role.HQ_SERVICE})
# Not a staff role: the customer, answering through the public pages with no account
# (services called with user=None). Only a move whose row names it is theirs.
CUSTOMER_ROLE = "customer"
CUSTOMER = frozenset({CUSTOMER_ROLE})

ALL_KINDS = frozenset(K)
COMPLAINT = frozenset({K.COMPLAINT})
NOT_PRAISE = frozenset({K.COMPLAINT, K.SUGGESTION})

AT_OUTLET = frozenset({S.REGISTERED, S.ACKNOWLEDGED, S.INVESTIGATING})
OPEN = frozenset(Complaint.OPEN_STATUSES)
ALL_BUT_VOID = frozenset(S) - {S.VOID}
# Being handled, the clock running: extensions, pauses, new materials.
HANDLING = frozenset({S.ACKNOWLEDGED, S.INVESTIGATING})
# Acknowledged and not yet finished: the evidence is fixed, corrections are requested.
FIXED = OPEN - {S.REGISTERED}


# --- guards: facts beyond status, role and kind that a move needs. Each returns the reason
# the move is refused now, or None; the same text refuses the service call and hides the
# button, so the change page never offers a move that will be refused.


def _pending(complaint, model):
    return model.objects.filter(complaint=complaint, decision=Decision.PENDING).first()


def next_extension_tier(complaint) -> str | None:
    """The tier an extension could be requested for now: 30 days for a complex or especially
    complex complaint not yet extended, 60 days for an especially complex one at 30."""
    C = Complaint.Complexity
    if complaint.complexity == C.SIMPLE:
        return None
    if not complaint.extension_tier:
        return C.COMPLEX
    if complaint.extension_tier == C.COMPLEX and complaint.complexity == C.ESPECIALLY_COMPLEX:
        return C.ESPECIALLY_COMPLEX
    return None


def _may_request_extension(complaint, user):
    if _pending(complaint, ExtensionRequest):
        return _("An extension request is already awaiting a decision.")
    if next_extension_tier(complaint) is None:
        if complaint.complexity == Complaint.Complexity.SIMPLE:
            return _("A simple complaint cannot be extended.")
        return _("The regulatory period is already extended as far as this complaint allows.")
    return None


def extension_approver_error(user, request):
    if request.requested_by_id == user.pk:
        return _("The person who requested the extension cannot approve it.")
    if request.tier == Complaint.Complexity.ESPECIALLY_COMPLEX and not (
        user.is_superuser
        or user.has_role(Role.HQ_SERVICE)
        or (user.branch is not None and user.branch.level in SENIOR_LEVELS)
    ):
        return _("An extension to 60 days is approved by a tier-1 branch or head office.")
    return None


def _may_decide_extension(complaint, user):
    request = _pending(complaint, ExtensionRequest)
    if request is None:
        return _("No extension request is awaiting a decision.")
    return extension_approver_error(user, request)


def _may_decide_correction(complaint, user):
    pending = Correction.objects.filter(complaint=complaint, decision=Decision.PENDING)
    if not pending.exists():
        return _("No correction is awaiting a decision.")
    if not pending.exclude(requested_by=user).exists():
        return _("The person who requested a correction cannot approve it.")
    return None


def _may_reply(complaint, user):
    # Regulatory statistics code every complaint on B and C (JR/T 0169): a reply closes the
    # handling, so the coding is complete by then. A is asked for but may be unknown.
    if complaint.kind == K.COMPLAINT and not (complaint.category_id and complaint.reason_id):
        return _(
            "Give the business category (B) and the complaint reason (C) before replying: "
            "regulatory statistics need both. Edit the entry to add them."
        )
    return None


def _may_pause(complaint, user):
    if complaint.paused_since:
        return _("The clock is already paused.")
    return None


def _may_resume(complaint, user):
    if not complaint.paused_since:
        return _("The clock is not paused.")
    return None


def _may_handle_again(complaint, user):
    if complaint.satisfaction != Complaint.Satisfaction.DISSATISFIED:
        return _("Only a complaint whose customer was dissatisfied is handled again.")
    return None


def _took_it_down(complaint, user):
    if complaint.registered_by_id != user.pk:
        return _("Only the first responder who took this entry down resolves it on the spot.")
    return None


def _wrote_online(complaint, user):
    if complaint.channel not in Complaint.CUSTOMER_CHANNELS:
        return _("Only an entry the customer wrote online is answered online.")
    return None


def review_request_ends(complaint):
    """The last moment the customer may ask for a review: N natural days after the decision."""
    policy = complaint.policy
    days = policy.review_request_days if policy else 30
    return end_of_day(timezone.localtime(complaint.replied_at).date() + dt.timedelta(days=days))


def _may_request_review(complaint, user):
    if complaint.review_requested_at:
        return _("A review of this decision was already requested.")
    if complaint.replied_at is None:
        return _("There is no decision to review.")
    if timezone.now() > review_request_ends(complaint):
        return _("A review can be requested only within 30 days of the decision.")
    return None


def _may_decide_review(complaint, user):
    # The superior level decides (art. 20): not the outlet that made the decision.
    if not user.is_superuser and (user.branch is None or user.branch_id == complaint.branch_id):
        return _("A review is decided by the level above the outlet.")
    return None


# --- Recusal (回避) and regulator transfers (issue 14 items 4 and 6) ----------------------------


def recusal_refusal(complaint, person) -> str | None:
    """The one statement of recusal (art. 17): the member of staff a complaint is about is not
    its first responder, handler or follow-up visitor. Why `person` may not be, or None.
    The services ask it wherever one of these is chosen, and transition_for refuses the
    person every move on the complaint (acknowledging, a note, the follow-up...): whoever
    may handle complaints at the outlet, this one is not theirs."""
    if person is None or complaint.complained_about_staff_id != person.pk:
        return None
    return _(
        "%(name)s is the staff member complained about and stays out of this complaint (回避): "
        "not its first responder, handler or follow-up visitor. Choose someone else."
    ) % {"name": person.get_full_name() or person.get_username()}


def _owes_feedback(complaint, user):
    if complaint.channel != Complaint.Channel.REGULATOR:
        return _("Only a regulator transfer owes feedback to a transferring body.")
    if complaint.regulator_feedback_at:
        return _("The feedback to the transferring body is already recorded.")
    return None


# The transferring body waits for its feedback whatever became of the complaint meanwhile.
OWES_FEEDBACK = OPEN | {S.CLOSED, S.WITHDRAWN}

# --- end of recusal and regulator transfers --------------------------------------------------

# --- Escalation level by level (issue 14 item 3) -------------------------------------------------

L = Branch.Level


def holds(complaint, user) -> bool:
    """Whether `user` is of the level that holds `complaint` now, within their scope (the one
    rule: scoping.holds_at)."""
    return user_holds(user, complaint.branch, complaint.level)


def held_q(user, prefix="") -> Q:
    """The complaints `user` holds, for a queryset already in their scope: in one branch's
    subtree only that branch is at its level, so the level alone says it is theirs."""
    if user.is_superuser:
        return Q(**{f"{prefix}pk__isnull": False})
    level = user_holding_level(user)
    return Q(**{f"{prefix}level": level}) if level else Q(pk__in=[])


def _holder_refusal(complaint, user):
    if holds(complaint, user):
        return None
    return _(
        "This complaint is held by %(level)s %(branch)s now: only its managers handle it "
        "while it is there."
    ) % {"level": L(complaint.level).label, "branch": complaint.holder.name}


def levels_above(complaint) -> list[int]:
    """The levels an escalation may go to, the next one up first."""
    return list(range(complaint.level - 1, L.HEAD_OFFICE - 1, -1))


def levels_below(complaint) -> list[int]:
    """The levels a hand-back may go to, the next one down first."""
    return list(range(complaint.level + 1, L.OUTLET + 1))


def escalation_errors(complaint, to_level, skip_reason) -> dict:
    """By field, why an escalation of `complaint` to `to_level` is refused: it goes up, to
    the next level unless a reason says why the ones between are skipped."""
    if to_level not in levels_above(complaint):
        return {"to_level": [_("Choose a level above the one that holds the complaint.")]}
    if to_level != complaint.level - 1 and not (skip_reason or "").strip():
        return {
            "skip_reason": [
                _(
                    "Escalation goes level by level: say why %(skipped)s is skipped, or "
                    "escalate to it."
                )
                % {"skipped": L(complaint.level - 1).label}
            ]
        }
    return {}


def hand_back_errors(complaint, to_level) -> dict:
    if to_level not in levels_below(complaint):
        return {"to_level": [_("Choose a level below the one that holds the complaint.")]}
    return {}


def hand_back_status(to_level) -> str:
    """Back at the outlet the complaint is investigated again; above it, still escalated."""
    return S.INVESTIGATING if to_level == L.OUTLET else S.ESCALATED


def _may_escalate(complaint, user):
    if not levels_above(complaint):
        return _("Head office is the highest level: the complaint cannot go further up.")
    return None


# --- end of escalation ----------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    move: Move
    sources: frozenset
    target: str | None
    roles: frozenset
    kinds: frozenset = ALL_KINDS
    guard: Callable | None = None
    # Made only by the managers of the level that holds the complaint (holds).
    held: bool = False


# fmt: off
TRANSITIONS = [
    Transition(Move.ACKNOWLEDGE, frozenset({S.REGISTERED}), S.ACKNOWLEDGED, HANDLERS, NOT_PRAISE),
    Transition(Move.INVESTIGATE, frozenset({S.ACKNOWLEDGED}), S.INVESTIGATING, HANDLERS, COMPLAINT),
    Transition(Move.RESOLVE, frozenset({S.ACKNOWLEDGED, S.INVESTIGATING}), S.RESOLVED, HANDLERS,
               NOT_PRAISE, _may_reply),
    # Once escalated, the level it went to holds the complaint until it hands it back down.
    Transition(Move.RESOLVE, frozenset({S.ESCALATED}), S.RESOLVED, HANDLERS, COMPLAINT,
               _may_reply, held=True),
    Transition(Move.RESOLVE_ON_SPOT, frozenset({S.REGISTERED}), S.RESOLVED, HANDLERS, COMPLAINT,
               _may_reply),
    # A first responder records their own entry resolved there and then (the intake pages);
    # the complaint manager codes it on B and C afterwards (the tablet does not ask for them).
    Transition(Move.RESOLVE_ON_SPOT, frozenset({S.REGISTERED}), S.RESOLVED, FIRST_RESPONDERS,
               COMPLAINT, _took_it_down),
    # Escalated by the level that holds it only: at first the outlet.
    Transition(Move.ESCALATE, AT_OUTLET, S.ESCALATED, HANDLERS, COMPLAINT, held=True),
    Transition(Move.ESCALATE, frozenset({S.ESCALATED}), S.ESCALATED, HANDLERS, COMPLAINT,
               _may_escalate, held=True),
    # The status follows the level it goes down to (hand_back_status).
    Transition(Move.HAND_BACK, frozenset({S.ESCALATED}), None, HANDLERS, COMPLAINT, held=True),
    Transition(Move.REQUEST_EXTENSION, HANDLING, None, HANDLERS, COMPLAINT,
               _may_request_extension),
    Transition(Move.REQUEST_EXTENSION, frozenset({S.ESCALATED}), None, HANDLERS, COMPLAINT,
               _may_request_extension, held=True),
    Transition(Move.EXTEND, HANDLING, None, APPROVERS, COMPLAINT, _may_decide_extension),
    Transition(Move.EXTEND, frozenset({S.ESCALATED}), None, APPROVERS, COMPLAINT,
               _may_decide_extension, held=True),
    Transition(Move.PAUSE, HANDLING, None, HANDLERS, COMPLAINT, _may_pause),
    Transition(Move.PAUSE, frozenset({S.ESCALATED}), None, HANDLERS, COMPLAINT, _may_pause,
               held=True),
    Transition(Move.RESUME, HANDLING, None, HANDLERS, COMPLAINT, _may_resume),
    Transition(Move.RESUME, frozenset({S.ESCALATED}), None, HANDLERS, COMPLAINT, _may_resume,
               held=True),
    Transition(Move.NEW_MATERIALS, AT_OUTLET, None, HANDLERS, COMPLAINT),
    Transition(Move.NEW_MATERIALS, frozenset({S.ESCALATED}), None, HANDLERS, COMPLAINT,
               held=True),
    # An escalated complaint is changed by the level that holds it only.
    Transition(Move.REQUEST_CORRECTION, FIXED - {S.ESCALATED}, None, HANDLERS, NOT_PRAISE),
    Transition(Move.REQUEST_CORRECTION, frozenset({S.ESCALATED}), None, HANDLERS, COMPLAINT,
               held=True),
    Transition(Move.DECIDE_CORRECTION, FIXED - {S.ESCALATED}, None, APPROVERS, NOT_PRAISE,
               _may_decide_correction),
    Transition(Move.DECIDE_CORRECTION, frozenset({S.ESCALATED}), None, APPROVERS, COMPLAINT,
               _may_decide_correction, held=True),
    Transition(Move.NOTIFY, (FIXED - {S.ESCALATED}) | {S.CLOSED}, None, HANDLERS, COMPLAINT),
    Transition(Move.NOTIFY, frozenset({S.ESCALATED}), None, HANDLERS, COMPLAINT, held=True),
    Transition(Move.CONTACT_ATTEMPT, frozenset({S.RESOLVED}), None, HANDLERS, COMPLAINT),
    Transition(Move.FOLLOW_UP, frozenset({S.RESOLVED}), S.FOLLOWED_UP, HANDLERS, COMPLAINT),
    # The customer rates the reply through a one-time link (opinionbook): the same visit.
    Transition(Move.FOLLOW_UP, frozenset({S.RESOLVED}), S.FOLLOWED_UP, CUSTOMER, COMPLAINT,
               _wrote_online),
    Transition(Move.HANDLE_AGAIN, frozenset({S.FOLLOWED_UP}), S.INVESTIGATING, HANDLERS,
               COMPLAINT, _may_handle_again),
    Transition(Move.CLOSE, frozenset({S.FOLLOWED_UP}), S.CLOSED, HANDLERS, COMPLAINT),
    Transition(Move.REQUEST_REVIEW, frozenset({S.CLOSED}), S.REVIEWING, HANDLERS, COMPLAINT,
               _may_request_review),
    Transition(Move.DECIDE_REVIEW, frozenset({S.REVIEWING}), S.CLOSED, APPROVERS, COMPLAINT,
               _may_decide_review),
    # A suggestion is closed after its reply; praise is filed as soon as it is registered.
    Transition(Move.CLOSE, frozenset({S.RESOLVED}), S.CLOSED, HANDLERS, frozenset({K.SUGGESTION})),
    Transition(Move.CLOSE, frozenset({S.REGISTERED}), S.CLOSED, HANDLERS, frozenset({K.PRAISE})),
    Transition(Move.WITHDRAW, AT_OUTLET, S.WITHDRAWN, HANDLERS, NOT_PRAISE),
    Transition(Move.WITHDRAW, frozenset({S.ESCALATED}), S.WITHDRAWN, HANDLERS, COMPLAINT,
               held=True),
    Transition(Move.MERGE, AT_OUTLET, S.MERGED, HANDLERS, NOT_PRAISE),
    Transition(Move.REGULATOR_FEEDBACK, OWES_FEEDBACK - {S.ESCALATED}, None, HANDLERS, ALL_KINDS,
               _owes_feedback),
    Transition(Move.REGULATOR_FEEDBACK, frozenset({S.ESCALATED}), None, HANDLERS, ALL_KINDS,
               _owes_feedback, held=True),
    Transition(Move.REASSIGN, OPEN - {S.ESCALATED}, None, HANDLERS),
    Transition(Move.REASSIGN, frozenset({S.ESCALATED}), None, HANDLERS, held=True),
    Transition(Move.NOTE, ALL_BUT_VOID, None, HANDLERS),
    Transition(Move.RECTIFY, frozenset({S.INVESTIGATING, S.RESOLVED, S.FOLLOWED_UP, S.CLOSED}),
               None, HANDLERS, COMPLAINT),
    Transition(Move.RECTIFY, frozenset({S.ESCALATED}), None, HANDLERS, COMPLAINT, held=True),
    Transition(Move.ATTACH, ALL_BUT_VOID, None, HANDLERS),
    Transition(Move.EDIT, OPEN - {S.ESCALATED}, None, HANDLERS),
    Transition(Move.EDIT, frozenset({S.ESCALATED}), None, HANDLERS, held=True),
    # Nothing is deleted: head office voids an entry made in error, with a reason.
    Transition(Move.VOID, ALL_BUT_VOID, S.VOID, HEAD_OFFICE),
]
# fmt: on

# Lines of the timeline that no button of the change page makes: registration, edits (the
# page itself), the steps of a rectification (taken on the rectification's own page,
# branchservice.rectifications), and deadlines a calendar change moved (no one's move).
TIMELINE_ONLY = {
    Move.REGISTER,
    Move.EDIT,
    Move.RECTIFIED,
    Move.RECTIFICATION_VERIFIED,
    Move.RECTIFICATION_REJECTED,
    Move.RECTIFICATION_REASSIGNED,
    Move.RECTIFICATION_CANCELLED,
    Move.DEADLINE_MOVED,
}
BUTTON_MOVES = [m for m in Move if m not in TIMELINE_ONLY]


def _user_may(user, roles) -> bool:
    if user is None:
        return CUSTOMER_ROLE in roles
    return user.is_superuser or user.has_role(*roles)


def _refusal(row, complaint, user):
    # The person complained about makes no move on it at all (回避), whatever their role.
    return (
        recusal_refusal(complaint, user)
        or (_holder_refusal(complaint, user) if row.held else None)
        or (row.guard(complaint, user) if row.guard else None)
    )


def transition_for(complaint: Complaint, user, move: Move) -> Transition:
    """The row of the table allowing `user` to make `move` now, or a clear refusal.

    Refuses with PermissionDenied when the complaint is outside the user's scope, and with
    ValidationError when the move does not follow from the current status or role. `user`
    None is the customer: only the rows that name CUSTOMER are theirs.
    """
    if user is not None and not can_see_branch(user, complaint.branch):
        raise PermissionDenied
    rows = [t for t in TRANSITIONS if t.move == move and complaint.kind in t.kinds]
    from_here = [t for t in rows if complaint.status in t.sources]
    if not from_here:
        raise ValidationError(
            _("“%(move)s” is not possible for a %(kind)s that is %(status)s.")
            % {
                "move": Move(move).label,
                "kind": complaint.get_kind_display(),
                "status": complaint.get_status_display(),
            },
            code="move_not_allowed",
        )
    for row in from_here:
        if _user_may(user, row.roles):
            refusal = _refusal(row, complaint, user)
            if refusal:
                raise ValidationError(refusal, code="move_refused")
            return row
    raise ValidationError(
        _("Your role may not do “%(move)s” on this entry now.") % {"move": Move(move).label},
        code="role_not_allowed",
    )


def allowed_moves(complaint: Complaint, user) -> list[Move]:
    """The moves `user` may make on `complaint` now, in the order of the buttons."""
    if not can_see_branch(user, complaint.branch):
        return []
    allowed = {
        t.move
        for t in TRANSITIONS
        if complaint.status in t.sources
        and complaint.kind in t.kinds
        and _user_may(user, t.roles)
        and not _refusal(t, complaint, user)
    }
    return [m for m in BUTTON_MOVES if m in allowed]


def reply_refusal(complaint: Complaint, user) -> str | None:
    """Why the reply buttons are missing when the user could reply but for the coding: the
    change page says so instead of leaving the handler to guess."""
    if not can_see_branch(user, complaint.branch):
        return None
    for t in TRANSITIONS:
        if (
            t.guard is _may_reply
            and complaint.status in t.sources
            and complaint.kind in t.kinds
            and _user_may(user, t.roles)
            and not (t.held and _holder_refusal(complaint, user))
        ):
            return _may_reply(complaint, user)
    return None


def may_make(user, move: Move) -> bool:
    """Whether `user`'s roles make `move` at all (on some entry, in some state): whether an
    action for many entries at once is offered; each entry is still checked on its own."""
    return any(t.move == move and _user_may(user, t.roles) for t in TRANSITIONS)


def may(complaint: Complaint, user, move: Move) -> bool:
    try:
        transition_for(complaint, user, move)
    except (ValidationError, PermissionDenied):
        return False
    return True
