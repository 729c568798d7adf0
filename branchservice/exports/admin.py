"""The export button of admin changelists.

Put `ExportChangelistMixin` before the other bases of a ModelAdmin and set `export_kind` to a
kind the app registered (branchservice.exports.registry). The changelist gets an "Export to
Excel" button (a POST form) that sends its own query string (filters, search, date drill-down) to
<changelist>/export/, which selects the rows with the ModelAdmin's own ChangeList — exactly
what the page shows, scoped — and streams them, or queues a background export above
REPORTING_EXPORT_SYNC_LIMIT rows.
"""

from django.core.exceptions import PermissionDenied
from django.template.loader import select_template
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from .selectors import can_export, querydict_to_params

EXPORT_TEMPLATE = "admin/exports/change_list_export.html"


class ExportChangelistMixin:
    export_kind: str = ""

    def get_urls(self):
        return [
            path(
                "export/",
                # POST only, like exports:export (views.py says why).
                self.admin_site.admin_view(require_POST(self.export_view)),
                name=f"{self.opts.app_label}_{self.opts.model_name}_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request):
        from .views import start_export

        if not self.has_view_permission(request):
            raise PermissionDenied
        params = querydict_to_params(request.GET)
        return start_export(request, kind=self.export_kind, source="admin", params=params)

    def changelist_view(self, request, extra_context=None):
        name = f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_export"
        query = request.GET.urlencode()
        # The page this one extends: the ModelAdmin's own change_list_template if it has one,
        # else the admin's usual choice.
        base = select_template(
            [
                *([self.change_list_template] if self.change_list_template else []),
                f"admin/{self.opts.app_label}/{self.opts.model_name}/change_list.html",
                f"admin/{self.opts.app_label}/change_list.html",
                "admin/change_list.html",
            ]
        )
        extra_context = {
            **(extra_context or {}),
            "export_url": reverse(name) + (f"?{query}" if query else ""),
            "can_export": can_export(request.user),
            "base_change_list": base.template,
        }
        response = super().changelist_view(request, extra_context)
        # The list itself (it has "cl"), not a page an admin action answers with.
        if (
            isinstance(response, TemplateResponse)
            and not response.is_rendered
            and "cl" in (response.context_data or {})
        ):
            response.template_name = EXPORT_TEMPLATE
        return response
