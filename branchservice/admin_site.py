from django.contrib import admin, messages
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
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


class ChoicesAutocompleteJsonView(AutocompleteJsonView):
    """The admin's autocomplete offers exactly what the form field accepts.

    Django asks for view permission on the chosen model (staff) and searches all of its rows
    the user sees. A complaint manager picks a handler without managing staff: here whoever
    may add or change rows of the form's model may search its autocomplete fields, and the
    results are the field's own choices (formfield_for_foreignkey: active staff in scope),
    searched with the chosen model's search fields, 20 at a time.
    """

    def source_admin(self):
        return self.admin_site._registry.get(self.source_field.model)

    def has_perm(self, request, obj=None):
        source = self.source_admin()
        if source is None or self.source_field.name not in source.get_autocomplete_fields(request):
            return super().has_perm(request, obj)
        return source.has_add_permission(request) or source.has_change_permission(request)

    def get_queryset(self):
        queryset = super().get_queryset()
        source = self.source_admin()
        if source is not None:
            field = source.formfield_for_foreignkey(self.source_field, self.request)
            if field is not None:
                queryset = queryset.filter(pk__in=field.queryset.values("pk"))
        return queryset


class BranchServiceAdminSite(admin.AdminSite):
    site_header = _("Branch Service Management")
    site_title = _("Branch Service Management")
    index_title = _("Service quality administration")

    def index(self, request, extra_context=None):
        warn_missing_calendar_years(request)
        return super().index(request, extra_context)

    def autocomplete_view(self, request):
        return ChoicesAutocompleteJsonView.as_view(admin_site=self)(request)
