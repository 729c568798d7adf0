from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .calendar import years_without_official_calendar


def warn_missing_calendar_years(request):
    """Tell administrators which years count weekends only, so they enter holidays by hand."""
    missing = years_without_official_calendar()
    if missing and request.user.has_perm("branchservice.view_calendaroverride"):
        messages.warning(
            request,
            _(
                "No official PRC holiday calendar is installed for %(years)s: deadlines in "
                "those years count Monday to Friday only, plus the calendar overrides entered "
                "here. Enter the published holidays and adjusted working days as overrides."
            )
            % {"years": ", ".join(str(y) for y in missing)},
        )


class ViewOnlyAdminMixin:
    """Rows that are looked at in the admin, never added, changed or deleted there: services
    write them, or they are evidence."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BranchServiceAdminSite(admin.AdminSite):
    site_header = _("Branch Service Management")
    site_title = _("Branch Service Management")
    index_title = _("Service quality administration")

    def index(self, request, extra_context=None):
        warn_missing_calendar_years(request)
        return super().index(request, extra_context)
