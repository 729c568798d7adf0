"""Rectifications of every source as one export (registered in RectificationsConfig.ready())."""

from django.utils.translation import gettext_lazy as _

from branchservice.exports.registry import ChoiceLabel, Column, ExportSpec, full_name

from .models import OPEN_FIRST

RECTIFICATIONS = ExportSpec(
    kind="rectifications",
    title=_("Rectifications"),
    model="rectifications.Rectification",
    filterset="branchservice.rectifications.filters.RectificationFilter",
    scope_via="outlet",
    permission="rectifications.view_rectification",
    columns=(
        Column(_("Outlet code"), lambda r: r.outlet.code, 10),
        Column(_("Outlet"), lambda r: r.outlet.name, 18),
        Column(_("Source"), ChoiceLabel("source_kind"), 12),
        Column(_("Finding"), lambda r: r.source_label, 30),
        Column(_("Required action"), lambda r: r.required_action, 30),
        Column(_("Responsible department"), lambda r: r.responsible_department, 14),
        Column(_("Responsible person"), full_name(lambda r: r.owner), 10),
        Column(_("Raised at"), lambda r: r.created_at, 17),
        Column(_("Due date"), lambda r: r.due_date, 12),
        Column(_("Status"), ChoiceLabel("status"), 12),
        Column(_("Completed at"), lambda r: r.completed_at, 17),
        Column(_("Completed by"), full_name(lambda r: r.completed_by), 10),
        Column(_("Evidence of completion"), lambda r: r.evidence, 30),
        Column(_("Verified at"), lambda r: r.verified_at, 17),
        Column(_("Verified by"), full_name(lambda r: r.verified_by), 10),
        Column(_("Reason the verification was rejected"), lambda r: r.rejection_reason, 24),
        Column(_("Reason for cancelling"), lambda r: r.cancel_reason, 24),
    ),
    select_related=("outlet", "owner", "completed_by", "verified_by"),
    ordering=(OPEN_FIRST, "due_date", "pk"),
)
