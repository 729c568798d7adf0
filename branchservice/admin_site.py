import re

from django.contrib import admin, messages
from django.contrib.admin.filters import FieldListFilter, SimpleListFilter
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import ValidationError
from django.db.models import Field
from django.urls import reverse
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


# A primary key as a URL or query string may carry it: digits, within the 64-bit range.
_ID = re.compile(r"[0-9]{1,18}")


def is_id(value: str) -> bool:
    return bool(_ID.fullmatch(value))


class IdListFilter(SimpleListFilter):
    """A list filter whose value is a primary key (a branch, a category).

    Django applies a SimpleListFilter's queryset outside its own guard against bad lookups, so
    `?branch=abc` or an id past the integer range was a 500. Here such a value is refused like
    any bad lookup: the admin goes back to the unfiltered list (`?e=1`) and an export says that
    the filters are not valid.
    """

    def value(self):
        value = super().value()
        if value and not is_id(value):
            raise IncorrectLookupParameters(value)
        return value


class ViewOnlyAdminMixin:
    """Rows that are looked at in the admin, never added, changed or deleted there: services
    write them, or they are evidence."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's refusal on the form: by field where the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class OutletFilter(IdListFilter):
    """Outlets the user may see (a plain related filter would list every branch of the bank).

    `field` is the model's foreign key to its outlet."""

    title = _("outlet")
    parameter_name = "branch"
    field = "branch"

    def lookups(self, request, model_admin):
        from .models import Branch
        from .scoping import visible_branches

        outlets = visible_branches(request.user).filter(level=Branch.Level.OUTLET)
        return [(str(b.pk), b.name) for b in outlets]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.field}_id": self.value()})
        return queryset


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


class DeclaredFiltersOnlyMixin:
    """An admin list filters by the filters it declares, and by nothing a URL makes up.

    Django's admin accepts any lookup on the model's own fields in the query string, so
    `?customer_id_number__startswith=1101` worked as an oracle that unmasked a masked value a
    digit at a time, and `__regex` faster. Here `lookup_allowed` accepts exactly the parameters
    of `list_filter` and `date_hierarchy`; anything else is a 400 (Django's
    DisallowedModelAdminLookup), for the list and for its export alike, since the export reads
    the rows through the same ChangeList.

    Search is the other oracle: an admin with customer data declares `personal_data_fields`
    (field names) and `sees_personal_data(request)`; those fields are searched only for users
    who see them unmasked (without the method: superusers). Every admin of the site gets this
    mixin first in its bases (BranchServiceAdminSite.register), which is why the two are read
    with getattr here rather than given defaults that would shadow the admin's own.
    """

    def lookup_allowed(self, lookup, value, request):
        return lookup in self._declared_filter_parameters(request)

    def _declared_filter_parameters(self, request) -> set[str]:
        # Asked once per query-string parameter: work the set out once per request.
        cache = request.__dict__.setdefault("_declared_filter_parameters", {})
        if self not in cache:
            cache[self] = self._filter_parameters(request)
        return cache[self]

    def _filter_parameters(self, request) -> set[str]:
        parameters = set()
        for list_filter in self.get_list_filter(request):
            if isinstance(list_filter, type) and issubclass(list_filter, SimpleListFilter):
                parameters.add(list_filter.parameter_name)
                continue
            if callable(list_filter):
                spec = list_filter(request, {}, self.model, self)
            else:
                field, filter_class = (
                    list_filter
                    if isinstance(list_filter, (tuple, list))
                    else (list_filter, FieldListFilter.create)
                )
                path = None
                if not isinstance(field, Field):
                    path, field = field, get_fields_from_path(self.model, field)[-1]
                spec = filter_class(field, request, {}, self.model, self, field_path=path)
                # ?status=x means ?status__exact=x, which the filter itself offers.
                parameters.add(path or field.name)
            parameters.update(spec.expected_parameters())
        if self.date_hierarchy:
            parameters.update(f"{self.date_hierarchy}__{part}" for part in ("year", "month", "day"))
        return parameters

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        sees = getattr(self, "sees_personal_data", lambda request: request.user.is_superuser)
        if sees(request):
            return fields
        personal = getattr(self, "personal_data_fields", ())
        return [field for field in fields if field.lstrip("^=@").split("__")[0] not in personal]


class BranchServiceAdminSite(admin.AdminSite):
    site_header = _("Branch Service Management")
    site_title = _("Branch Service Management")
    index_title = _("Service quality administration")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The first page after login, by who signs in: an app above the ground adds a
        # function (site, request) -> response or None (reporting: the work queue, the report
        # centre); the first answer wins, else the list of models.
        self.homes = []

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every list of the site, third-party admins' included, gets the strict filters.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, DeclaredFiltersOnlyMixin):
            admin_class = type(
                admin_class.__name__,
                (DeclaredFiltersOnlyMixin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def password_change(self, request, extra_context=None):
        # Django's own view with the old password counted like a login (passwords.py).
        from .passwords import GuardedPasswordChangeView

        request.current_app = self.name
        return GuardedPasswordChangeView.as_view(
            success_url=reverse("admin:password_change_done", current_app=self.name),
            extra_context={**self.each_context(request), **(extra_context or {})},
        )(request)

    def index(self, request, extra_context=None):
        warn_missing_calendar_years(request)
        for home in self.homes:
            response = home(self, request)
            if response is not None:
                return response
        return super().index(request, extra_context)

    def autocomplete_view(self, request):
        return ChoicesAutocompleteJsonView.as_view(admin_site=self)(request)
