"""The complaint workflow, declared once: which move may follow which status, for which kind of
entry, and who may make it. The services enforce it; the admin offers only what it allows.

A move whose target is None leaves the status alone (an extension, a hand-over, a note) but is
still a declared, permission-checked action with a line in the timeline.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from branchservice.roles import COMPLAINT_HANDLERS, Role
from branchservice.scoping import can_see_branch

from .models import Complaint, Move

S = Complaint.Status
K = Complaint.Kind


# Who works a complaint: the one statement is branchservice.roles.
HANDLERS = COMPLAINT_HANDLERS
# An extension of the regulatory deadline needs approval from a level above the handler.
APPROVERS = frozenset({Role.BRANCH_MANAGER, Role.HQ_SERVICE})
HEAD_OFFICE = frozenset({Role.HQ_SERVICE})

ALL_KINDS = frozenset(K)
COMPLAINT = frozenset({K.COMPLAINT})
NOT_PRAISE = frozenset({K.COMPLAINT, K.SUGGESTION})

AT_OUTLET = frozenset({S.REGISTERED, S.ACKNOWLEDGED, S.INVESTIGATING})
OPEN = frozenset(Complaint.OPEN_STATUSES)
ALL_BUT_VOID = frozenset(S) - {S.VOID}


@dataclass(frozen=True)
class Transition:
    move: Move
    sources: frozenset
    target: str | None
    roles: frozenset
    kinds: frozenset = ALL_KINDS


# fmt: off
TRANSITIONS = [
    Transition(Move.ACKNOWLEDGE, frozenset({S.REGISTERED}), S.ACKNOWLEDGED, HANDLERS, NOT_PRAISE),
    Transition(Move.INVESTIGATE, frozenset({S.ACKNOWLEDGED}), S.INVESTIGATING, HANDLERS, COMPLAINT),
    Transition(Move.RESOLVE, frozenset({S.ACKNOWLEDGED, S.INVESTIGATING}), S.RESOLVED, HANDLERS,
               NOT_PRAISE),
    # Once escalated, head office owns the complaint until it hands it back.
    Transition(Move.RESOLVE, frozenset({S.ESCALATED}), S.RESOLVED, HEAD_OFFICE, COMPLAINT),
    Transition(Move.RESOLVE_ON_SPOT, frozenset({S.REGISTERED}), S.RESOLVED, HANDLERS, COMPLAINT),
    Transition(Move.ESCALATE, AT_OUTLET, S.ESCALATED, HANDLERS, COMPLAINT),
    Transition(Move.HAND_BACK, frozenset({S.ESCALATED}), S.INVESTIGATING, HEAD_OFFICE, COMPLAINT),
    Transition(Move.EXTEND, frozenset({S.ACKNOWLEDGED, S.INVESTIGATING, S.ESCALATED}), None,
               APPROVERS, COMPLAINT),
    Transition(Move.FOLLOW_UP, frozenset({S.RESOLVED}), S.FOLLOWED_UP, HANDLERS, COMPLAINT),
    Transition(Move.CLOSE, frozenset({S.FOLLOWED_UP}), S.CLOSED, HANDLERS, COMPLAINT),
    # A suggestion is closed after its reply; praise is filed as soon as it is registered.
    Transition(Move.CLOSE, frozenset({S.RESOLVED}), S.CLOSED, HANDLERS, frozenset({K.SUGGESTION})),
    Transition(Move.CLOSE, frozenset({S.REGISTERED}), S.CLOSED, HANDLERS, frozenset({K.PRAISE})),
    Transition(Move.WITHDRAW, AT_OUTLET, S.WITHDRAWN, HANDLERS, NOT_PRAISE),
    Transition(Move.WITHDRAW, frozenset({S.ESCALATED}), S.WITHDRAWN, HEAD_OFFICE, COMPLAINT),
    Transition(Move.MERGE, AT_OUTLET, S.MERGED, HANDLERS, NOT_PRAISE),
    Transition(Move.REASSIGN, OPEN - {S.ESCALATED}, None, HANDLERS),
    Transition(Move.REASSIGN, frozenset({S.ESCALATED}), None, HEAD_OFFICE),
    Transition(Move.NOTE, ALL_BUT_VOID, None, HANDLERS),
    Transition(Move.RECTIFY, frozenset({S.INVESTIGATING, S.ESCALATED, S.RESOLVED, S.FOLLOWED_UP,
                                        S.CLOSED}), None, HANDLERS, COMPLAINT),
    Transition(Move.ATTACH, ALL_BUT_VOID, None, HANDLERS),
    Transition(Move.EDIT, OPEN, None, HANDLERS),
    # Nothing is deleted: head office voids an entry made in error, with a reason.
    Transition(Move.VOID, ALL_BUT_VOID, S.VOID, HEAD_OFFICE),
]
# fmt: on

# Moves that get their own button on the change page (EDIT is the page itself).
BUTTON_MOVES = [m for m in Move if m not in {Move.REGISTER, Move.EDIT, Move.RECTIFIED}]


def _user_may(user, roles) -> bool:
    return user.is_superuser or user.has_role(*roles)


def transition_for(complaint: Complaint, user, move: Move) -> Transition:
    """The row of the table allowing `user` to make `move` now, or a clear refusal.

    Refuses with PermissionDenied when the complaint is outside the user's scope, and with
    ValidationError when the move does not follow from the current status or role.
    """
    if not can_see_branch(user, complaint.branch):
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
        if complaint.status in t.sources and complaint.kind in t.kinds and _user_may(user, t.roles)
    }
    return [m for m in BUTTON_MOVES if m in allowed]


def may(complaint: Complaint, user, move: Move) -> bool:
    try:
        transition_for(complaint, user, move)
    except (ValidationError, PermissionDenied):
        return False
    return True
