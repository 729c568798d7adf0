"""The exportable lists: complaints, daily checklists and corrective actions.

Column values are read from rows fetched with `select_related` (one query per chunk of 2,000
rows); personal data columns name their `branchservice.pii` masker.
"""

from django.utils.translation import gettext_lazy as _

from branchservice.pii import mask_account, mask_id_number, mask_name, mask_phone, mask_text

from .exports import Column, ExportSpec, register


class ChoiceLabel:
    """Column value: the label of a choice field (or of a yes/no field), translated once per
    export. A gettext per cell would cost more than writing the cell; `bind()` (called by
    write_export in the export's language) returns a plain dictionary lookup."""

    def __init__(self, field, labels=None):
        self.field = field
        self.labels = labels

    def bind(self, model):
        choices = self.labels or dict(model._meta.get_field(self.field).flatchoices)
        labels = {value: str(label) for value, label in choices.items()}
        field = self.field

        def value(row):
            raw = getattr(row, field)
            return labels.get(raw, raw or "")

        return value

    def __call__(self, row):
        return self.bind(type(row))(row)


YES_NO = {True: _("Yes"), False: _("No"), None: ""}


def _user(attribute):
    def value(row):
        person = attribute(row)
        return person.get_full_name() if person else ""

    return value


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
    Column(_("Business category"), lambda c: str(c.category) if c.category else "", 16),
    Column(_("Reason"), lambda c: c.reason.name if c.reason else "", 16),
    Column(_("Complexity"), ChoiceLabel("complexity"), 8),
    Column(_("Founded"), ChoiceLabel("founded", YES_NO), 6),
    Column(_("What the customer says happened"), lambda c: c.description, 40, mask=mask_text),
    Column(_("Handler"), _user(lambda c: c.handler), 10),
    Column(_("Acknowledge by"), lambda c: c.acknowledge_due_at, 17),
    Column(_("Acknowledged at"), lambda c: c.acknowledged_at, 17),
    Column(_("Reply by"), lambda c: c.reply_due_at, 17),
    Column(_("Replied at"), lambda c: c.replied_at, 17),
    Column(_("Satisfaction"), ChoiceLabel("satisfaction"), 10),
    Column(_("Closed at"), lambda c: c.closed_at, 17),
)

COMPLAINTS = register(
    ExportSpec(
        kind="complaints",
        title=_("Complaint register"),
        model="complaints.Complaint",
        filterset="reporting.filters.ComplaintFilter",
        scope_via="branch",
        permission="complaints.view_complaint",
        columns=COMPLAINT_COLUMNS,
        select_related=("branch", "category", "category__parent", "reason", "handler"),
        ordering=("branch__path", "-received_at", "-pk"),
    )
)

CHECKLISTS = register(
    ExportSpec(
        kind="checklists",
        title=_("Checklists"),
        model="standards.Checklist",
        filterset="reporting.filters.ChecklistFilter",
        scope_via="branch",
        permission="standards.view_checklist",
        columns=(
            Column(_("Outlet code"), lambda c: c.branch.code, 10),
            Column(_("Outlet"), lambda c: c.branch.name, 18),
            Column(_("Business date"), lambda c: c.business_date, 12),
            Column(_("Checklist"), lambda c: c.template.name, 20),
            Column(_("Status"), ChoiceLabel("status"), 10),
            Column(_("Score"), lambda c: c.score, 8),
            Column(_("Failed items"), lambda c: c.failed_items, 8),
            Column(_("Critical failures"), lambda c: c.critical_failures, 8),
            Column(_("Submitted at"), lambda c: c.submitted_at, 17),
            Column(_("Submitted by"), _user(lambda c: c.submitted_by), 10),
            Column(_("Signed off at"), lambda c: c.reviewed_at, 17),
            Column(_("Reviewer's note"), lambda c: c.review_note, 30),
        ),
        select_related=("branch", "template", "submitted_by"),
        ordering=("branch__path", "-business_date", "pk"),
    )
)

CORRECTIVE_ACTIONS = register(
    ExportSpec(
        kind="corrective-actions",
        title=_("Corrective actions"),
        model="standards.CorrectiveAction",
        filterset="reporting.filters.CorrectiveActionFilter",
        scope_via="branch",
        permission="standards.view_correctiveaction",
        columns=(
            Column(_("Outlet code"), lambda a: a.branch.code, 10),
            Column(_("Outlet"), lambda a: a.branch.name, 18),
            Column(_("Business date"), lambda a: a.checklist.business_date, 12),
            Column(_("Failed item"), lambda a: a.answer.item.text, 30),
            Column(_("Required action"), lambda a: a.required_action, 30),
            Column(_("Owner"), _user(lambda a: a.owner), 10),
            Column(_("Due date"), lambda a: a.due_date, 12),
            Column(_("Status"), ChoiceLabel("status"), 10),
            Column(_("Completed at"), lambda a: a.completed_at, 17),
            Column(_("Evidence of completion"), lambda a: a.evidence, 30),
        ),
        select_related=("branch", "checklist", "answer__item", "owner"),
        ordering=("branch__path", "due_date", "pk"),
    )
)
