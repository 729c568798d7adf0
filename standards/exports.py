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
        Column(_("Outlet code"), "branch__code", 10),
        Column(_("Outlet"), "branch__name", 18),
        Column(_("Business date"), "business_date", 12),
        Column(_("Checklist"), "template__name", 20),
        Column(_("Status"), ChoiceLabel("status"), 10),
        Column(_("Score"), "score", 8),
        Column(_("Failed items"), "failed_items", 8),
        Column(_("Critical failures"), "critical_failures", 8),
        Column(_("Submitted at"), "submitted_at", 17),
        Column(_("Submitted by"), full_name("submitted_by"), 10),
        Column(_("Signed off at"), "reviewed_at", 17),
        Column(_("Reviewer's note"), "review_note", 30),
    ),
    ordering=("branch__path", "-business_date", "pk"),
)

SPECS = (CHECKLISTS,)
