"""The complaint register as an export (registered in ComplaintsConfig.ready()).

Column values are field paths read with `values_list` (one query per chunk of 2,000 rows);
personal data columns name their `branchservice.pii` masker. reporting's monthly
workbook writes its complaint detail sheet with the same columns.
"""

from django.utils.translation import gettext_lazy as _

from branchservice.exports.registry import (
    YES_NO,
    ChoiceLabel,
    Column,
    Derived,
    ExportSpec,
    full_name,
)
from branchservice.pii import mask_account, mask_id_number, mask_name, mask_phone, mask_text

from .models import Complaint


def _coded(field: str) -> Derived:
    """The code entry's label ("B 0301 / 借记卡", CodeEntry.label_of), or "" unclassified."""
    entry = Complaint._meta.get_field(field).related_model
    return Derived(
        (f"{field}__code", f"{field}__name"),
        lambda code, name: entry.label_of(code, name) if code else "",
    )


class _HeldAt(Derived):
    """Complaint.held_at_text of a row ("支行：海淀支行"): the level's label translated once
    per export, as ChoiceLabel does, and the branch there picked from the row's branch names
    (Complaint.HOLDER_NAMES, the complaint's branch first)."""

    def __init__(self):
        super().__init__(("level", "branch__level", *Complaint.HOLDER_NAMES), None)

    def make(self, model):
        label = ChoiceLabel("level").make(model)
        return lambda level, branch_level, *names: Complaint.held_at_text(
            label(level), names[branch_level - level]
        )


COMPLAINT_COLUMNS = (
    Column(_("Reference"), "reference", 22),
    Column(_("Outlet code"), "branch__code", 10),
    Column(_("Outlet"), "branch__name", 18),
    Column(_("Kind"), ChoiceLabel("kind"), 8),
    Column(_("Channel"), ChoiceLabel("channel"), 14),
    Column(_("Status"), ChoiceLabel("status"), 12),
    # The level that holds it (逐级上报): the outlet until it is escalated.
    Column(_("Held at"), _HeldAt(), 16),
    Column(_("Received at"), "received_at", 17),
    Column(_("Customer name"), "customer_name", 10, mask=mask_name),
    Column(_("Customer phone"), "customer_phone", 14, mask=mask_phone),
    Column(_("ID type"), ChoiceLabel("customer_id_type"), 14),
    Column(_("Customer ID number"), "customer_id_number", 20, mask=mask_id_number),
    Column(_("Customer account"), "customer_account", 20, mask=mask_account),
    # Who complains (issue 14 item 7) and whether it repeats an earlier entry (item 5).
    Column(_("Complainant"), ChoiceLabel("complainant_kind"), 10),
    Column(_("Name of the agent or heir"), "representative_name", 10, mask=mask_name),
    Column(_("Number of complainants"), "complainants", 8),
    Column(_("Repeat complaint"), ChoiceLabel("is_repeat", YES_NO), 8),
    Column(_("Urgent"), ChoiceLabel("is_urgent", YES_NO), 6),
    # The JR/T 0169 dimensions with their codes ("B 0301 / 借记卡"), as reported upward.
    Column(_("Business channel (A)"), _coded("business_channel"), 16),
    Column(_("Business category (B)"), _coded("category"), 18),
    Column(_("Complaint reason (C)"), _coded("reason"), 18),
    Column(_("Complexity"), ChoiceLabel("complexity"), 8),
    Column(_("Founded"), ChoiceLabel("founded", YES_NO), 6),
    Column(_("What the customer says happened"), "description", 40, mask=mask_text),
    Column(_("Handler"), full_name("handler"), 10),
    Column(_("Acknowledge by"), "acknowledge_due_at", 17),
    Column(_("Acknowledged at"), "acknowledged_at", 17),
    Column(_("Reply by"), "reply_due_at", 17),
    Column(_("Replied at"), "replied_at", 17),
    Column(_("Satisfaction"), ChoiceLabel("satisfaction"), 10),
    Column(_("Follow-up method"), ChoiceLabel("followup_method"), 10),
    Column(_("Follow-up comment"), "followup_comment", 30, mask=mask_text),
    Column(_("Closed at"), "closed_at", 17),
    # The regulator's clock: what moved the regulatory deadline, and corrected evidence.
    Column(_("Regulatory ceiling"), "regulatory_due_at", 17),
    Column(_("Regulatory period extended for"), ChoiceLabel("extension_tier"), 12),
    Column(_("Regulatory period restarted at"), "period_started_at", 17),
    Column(_("Clock paused since"), "paused_since", 17),
    Column(_("Evidence corrected at"), "corrected_at", 17),
    Column(_("Review outcome"), ChoiceLabel("review_outcome"), 10),
    # Regulator transfers (issue 14 item 6): who transferred it, and the feedback owed.
    Column(_("Transferred by"), ChoiceLabel("regulator_body"), 16),
    Column(_("Transferring body's reference"), "regulator_reference", 20),
    Column(_("Feedback to the transferring body due by"), "regulator_feedback_due_at", 17),
    Column(_("Feedback given to the transferring body at"), "regulator_feedback_at", 17),
)

COMPLAINTS = ExportSpec(
    kind="complaints",
    title=_("Complaint register"),
    model="complaints.Complaint",
    filterset="complaints.filters.ComplaintFilter",
    scope_via="branch",
    permission="complaints.view_complaint",
    columns=COMPLAINT_COLUMNS,
    ordering=("branch__path", "-received_at", "-pk"),
)

SPECS = (COMPLAINTS,)
