"""Daily checklists and corrective actions as exports (registered in StandardsConfig.ready())."""

from django.utils.translation import gettext_lazy as _

from branchservice.exports.registry import ChoiceLabel, Column, ExportSpec, full_name

CHECKLISTS = ExportSpec(
    kind="checklists",
    title=_("Checklists"),
    model="standards.Checklist",
    filterset="standards.filters.ChecklistFilter",
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
        Column(_("Submitted by"), full_name(lambda c: c.submitted_by), 10),
        Column(_("Signed off at"), lambda c: c.reviewed_at, 17),
        Column(_("Reviewer's note"), lambda c: c.review_note, 30),
    ),
    select_related=("branch", "template", "submitted_by"),
    ordering=("branch__path", "-business_date", "pk"),
)

CORRECTIVE_ACTIONS = ExportSpec(
    kind="corrective-actions",
    title=_("Corrective actions"),
    model="standards.CorrectiveAction",
    filterset="standards.filters.CorrectiveActionFilter",
    scope_via="branch",
    permission="standards.view_correctiveaction",
    columns=(
        Column(_("Outlet code"), lambda a: a.branch.code, 10),
        Column(_("Outlet"), lambda a: a.branch.name, 18),
        Column(_("Business date"), lambda a: a.checklist.business_date, 12),
        Column(_("Failed item"), lambda a: a.answer.item.text, 30),
        Column(_("Required action"), lambda a: a.required_action, 30),
        Column(_("Owner"), full_name(lambda a: a.owner), 10),
        Column(_("Due date"), lambda a: a.due_date, 12),
        Column(_("Status"), ChoiceLabel("status"), 10),
        Column(_("Completed at"), lambda a: a.completed_at, 17),
        Column(_("Evidence of completion"), lambda a: a.evidence, 30),
    ),
    select_related=("branch", "checklist", "answer__item", "owner"),
    ordering=("branch__path", "due_date", "pk"),
)

SPECS = (CHECKLISTS, CORRECTIVE_ACTIONS)
