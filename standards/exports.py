"""Daily checklists as an export (registered in StandardsConfig.ready()); their failures'
rectifications are exported with every other source's (branchservice.rectifications)."""

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

SPECS = (CHECKLISTS,)
