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
        Column(_("Outlet code"), "outlet__code", 10),
        Column(_("Outlet"), "outlet__name", 18),
        Column(_("Source"), ChoiceLabel("source_kind"), 12),
        Column(_("Finding"), "source_label", 30),
        Column(_("Required action"), "required_action", 30),
        Column(_("Responsible department"), "responsible_department", 14),
        Column(_("Responsible person"), full_name("owner"), 10),
        Column(_("Raised at"), "created_at", 17),
        Column(_("Due date"), "due_date", 12),
        Column(_("Status"), ChoiceLabel("status"), 12),
        Column(_("Completed at"), "completed_at", 17),
        Column(_("Completed by"), full_name("completed_by"), 10),
        Column(_("Evidence of completion"), "evidence", 30),
        Column(_("Verified at"), "verified_at", 17),
        Column(_("Verified by"), full_name("verified_by"), 10),
        Column(_("Reason the verification was rejected"), "rejection_reason", 24),
        Column(_("Reason for cancelling"), "cancel_reason", 24),
    ),
    ordering=(OPEN_FIRST, "due_date", "pk"),
    restrict="branchservice.rectifications.sources.for_user",
)
