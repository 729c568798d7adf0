"""What the lookup page tells a customer about their entry: where it stands in plain words,
the next step the bank promised and by when, and after the reply the remedies open to them.

Read from the entry's status and stored deadlines only: never the handler, the notes, the
investigation or anyone else's data.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from complaints.workflow import review_request_ends

S = Complaint.Status


class Stage:
    RECEIVED = _("Received")
    HANDLING = _("Being handled")
    REPLIED = _("Replied")
    CLOSED = _("Closed")


STAGES = {
    S.REGISTERED: Stage.RECEIVED,
    S.ACKNOWLEDGED: Stage.HANDLING,
    S.INVESTIGATING: Stage.HANDLING,
    S.ESCALATED: Stage.HANDLING,
    S.REVIEWING: Stage.HANDLING,
    S.MERGED: Stage.HANDLING,
    S.RESOLVED: Stage.REPLIED,
    S.FOLLOWED_UP: Stage.REPLIED,
    S.CLOSED: Stage.CLOSED,
    S.WITHDRAWN: Stage.CLOSED,
    S.VOID: Stage.CLOSED,
}

# What the customer may expect next, and the stored date the bank holds itself to.
NEXT_STEPS = {
    S.REGISTERED: (_("We contact you to confirm receipt by"), "acknowledge_due_at"),
    S.ACKNOWLEDGED: (_("We reply to you by"), "reply_due_at"),
    S.INVESTIGATING: (_("We reply to you by"), "reply_due_at"),
    S.ESCALATED: (_("We reply to you by"), "reply_due_at"),
    S.RESOLVED: (_("We ask whether you are satisfied with the reply by"), "followup_due_at"),
    S.REVIEWING: (_("The review is decided by"), "review_due_at"),
}

# Plain words for what a status means, where the stage alone says too little.
NOTES = {
    S.ESCALATED: _("Your complaint has been passed to a higher level of the bank."),
    S.REVIEWING: _("The bank's superior institution is reviewing the decision, as you asked."),
    S.MERGED: _("It is handled together with an earlier entry of yours about the same matter."),
    S.WITHDRAWN: _("You withdrew it."),
    S.VOID: _("It was not taken up as a complaint."),
}


@dataclass(frozen=True)
class Progress:
    reference: str
    outlet: str
    kind: str
    received_at: dt.datetime
    stage: str
    note: str
    next_step: str
    next_step_by: dt.datetime | None
    replied: bool
    review_until: dt.datetime | None


def progress_of(complaint: Complaint) -> Progress:
    label, field = NEXT_STEPS.get(complaint.status, ("", ""))
    due = getattr(complaint, field) if field else None
    # Praise needs no reply: nothing is promised.
    if complaint.kind == Complaint.Kind.PRAISE:
        label, due = "", None
    replied = complaint.replied_at is not None and complaint.kind == Complaint.Kind.COMPLAINT
    return Progress(
        reference=complaint.reference,
        outlet=complaint.branch.name,
        kind=complaint.get_kind_display(),
        received_at=complaint.received_at,
        stage=STAGES.get(complaint.status, Stage.HANDLING),
        note=NOTES.get(complaint.status, ""),
        next_step=label if due else "",
        next_step_by=due,
        replied=replied and complaint.status != S.VOID,
        review_until=review_request_ends(complaint) if replied else None,
    )
