"""The complaint register as an export (registered in ComplaintsConfig.ready()).

Column values are read from rows fetched with `select_related` (one query per chunk of 2,000
rows); personal data columns name their `branchservice.pii` masker. reporting's monthly
workbook writes its complaint detail sheet with the same columns.
"""

from django.utils.translation import gettext_lazy as _

from branchservice.exports.registry import YES_NO, ChoiceLabel, Column, ExportSpec, full_name
from branchservice.pii import mask_account, mask_id_number, mask_name, mask_phone, mask_text


def _coded(entry):
    return entry.coded_label if entry is not None else ""


COMPLAINT_COLUMNS = (
    Column(_("Reference"), lambda c: c.reference, 22),
    Column(_("Outlet code"), lambda c: c.branch.code, 10),
    Column(_("Outlet"), lambda c: c.branch.name, 18),
    Column(_("Kind"), ChoiceLabel("kind"), 8),
    Column(_("Channel"), ChoiceLabel("channel"), 14),
    Column(_("Status"), ChoiceLabel("status"), 12),
    Column(_("Received at"), lambda c: c.received_at, 17),
    Column(_("Customer name"), lambda c: c.customer_name, 10, mask=mask_name),
    Column(_("Customer phone"), lambda c: c.customer_phone, 14, mask=mask_phone),
    Column(_("Customer ID number"), lambda c: c.customer_id_number, 20, mask=mask_id_number),
    Column(_("Customer account"), lambda c: c.customer_account, 20, mask=mask_account),
    # The JR/T 0169 dimensions with their codes ("B 0301 / 借记卡"), as reported upward.
    Column(_("Business channel (A)"), lambda c: _coded(c.business_channel), 16),
    Column(_("Business category (B)"), lambda c: _coded(c.category), 18),
    Column(_("Complaint reason (C)"), lambda c: _coded(c.reason), 18),
    Column(_("Complexity"), ChoiceLabel("complexity"), 8),
    Column(_("Founded"), ChoiceLabel("founded", YES_NO), 6),
    Column(_("What the customer says happened"), lambda c: c.description, 40, mask=mask_text),
    Column(_("Handler"), full_name(lambda c: c.handler), 10),
    Column(_("Acknowledge by"), lambda c: c.acknowledge_due_at, 17),
    Column(_("Acknowledged at"), lambda c: c.acknowledged_at, 17),
    Column(_("Reply by"), lambda c: c.reply_due_at, 17),
    Column(_("Replied at"), lambda c: c.replied_at, 17),
    Column(_("Satisfaction"), ChoiceLabel("satisfaction"), 10),
    Column(_("Follow-up method"), ChoiceLabel("followup_method"), 10),
    Column(_("Follow-up comment"), lambda c: c.followup_comment, 30, mask=mask_text),
    Column(_("Closed at"), lambda c: c.closed_at, 17),
    # The regulator's clock: what moved the regulatory deadline, and corrected evidence.
    Column(_("Regulatory ceiling"), lambda c: c.regulatory_due_at, 17),
    Column(_("Regulatory period extended for"), ChoiceLabel("extension_tier"), 12),
    Column(_("Regulatory period restarted at"), lambda c: c.period_started_at, 17),
    Column(_("Clock paused since"), lambda c: c.paused_since, 17),
    Column(_("Evidence corrected at"), lambda c: c.corrected_at, 17),
    Column(_("Review outcome"), ChoiceLabel("review_outcome"), 10),
    # Regulator transfers (issue 14 item 6): who transferred it, and the feedback owed.
    Column(_("Transferred by"), ChoiceLabel("regulator_body"), 16),
    Column(_("Transferring body's reference"), lambda c: c.regulator_reference, 20),
    Column(
        _("Feedback to the transferring body due by"), lambda c: c.regulator_feedback_due_at, 17
    ),
    Column(_("Feedback given to the transferring body at"), lambda c: c.regulator_feedback_at, 17),
)

COMPLAINTS = ExportSpec(
    kind="complaints",
    title=_("Complaint register"),
    model="complaints.Complaint",
    filterset="complaints.filters.ComplaintFilter",
    scope_via="branch",
    permission="complaints.view_complaint",
    columns=COMPLAINT_COLUMNS,
    select_related=("branch", "business_channel", "category", "reason", "handler"),
    ordering=("branch__path", "-received_at", "-pk"),
)

SPECS = (COMPLAINTS,)
