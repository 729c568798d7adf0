"""The export button of admin changelists.

Put `ExportChangelistMixin` before the other bases of a ModelAdmin and set `export_kind` to a
kind registered in reporting.specs. The changelist gets an "Export to Excel" button that sends
its own query string (filters, search, date drill-down) to <changelist>/export/, which selects
the rows with the ModelAdmin's own ChangeList — exactly what the page shows, scoped — and
streams them, or queues a background export above REPORTING_EXPORT_SYNC_LIMIT rows.
"""

from django.core.exceptions import PermissionDenied
from django.template.loader import select_template
from django.urls import path, reverse

from .exports import querydict_to_params


class ExportChangelistMixin:
    export_kind: str = ""
    change_list_template = "admin/reporting/change_list_export.html"

    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
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
        extra_context = {
            **(extra_context or {}),
            "export_url": reverse(name) + (f"?{query}" if query else ""),
            "can_export": request.user.has_perm("reporting.add_exportjob"),
            # The page this one extends: a model's own change_list.html if it has one.
            "base_change_list": select_template(
                [
                    f"admin/{self.opts.app_label}/{self.opts.model_name}/change_list.html",
                    f"admin/{self.opts.app_label}/change_list.html",
                    "admin/change_list.html",
                ]
            ).template,
        }
        return super().changelist_view(request, extra_context)
