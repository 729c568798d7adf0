"""Which rows an export holds: exactly those the list shows for the same query string.

The FilterSet (list pages) or the ModelAdmin's own ChangeList (admin) selects them, always
inside the user's scope. Small exports stream at once; large ones run in a worker (see
services.export_job_create), both through `writer.write_export`.
"""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.test import RequestFactory
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from branchservice.scoping import scope_queryset

from .registry import ExportSpec

EXPORT_PERMISSION = "exports.add_exportjob"


def can_export(user) -> bool:
    return user.has_perm(EXPORT_PERMISSION)


def check_permission(user, spec: ExportSpec) -> None:
    if not (can_export(user) and user.has_perm(spec.permission)):
        raise PermissionDenied


def params_to_querydict(params: dict) -> QueryDict:
    qd = QueryDict(mutable=True)
    for key, values in params.items():
        qd.setlist(key, values if isinstance(values, list) else [values])
    return qd


def querydict_to_params(querydict: QueryDict) -> dict:
    return {key: querydict.getlist(key) for key in querydict}


def export_queryset(*, spec: ExportSpec, user, source: str, params: dict):
    """The rows the user's page shows for these filters; ValidationError for bad filters."""
    check_permission(user, spec)
    if source == "admin":
        qs = _admin_changelist_queryset(spec, user, params)
    else:
        filterset_class = import_string(spec.filterset)
        base = scope_queryset(spec.base_queryset(), user, via=spec.scope_via)
        filterset = filterset_class(data=params_to_querydict(params), queryset=base)
        if not filterset.is_valid():
            raise ValidationError(
                _("The filters are not valid: %(errors)s")
                % {"errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())}
            )
        qs = filterset.qs
    # Scoping again costs one more LIKE and guarantees it whatever the admin class does.
    qs = scope_queryset(qs, user, via=spec.scope_via)
    if spec.restrict:
        qs = import_string(spec.restrict)(qs, user)
    return qs.order_by(*spec.ordering)


def _admin_changelist_queryset(spec, user, params):
    """The admin changelist's own queryset for its query string (list_filter, search, ...).

    A worker has no request, so one is made: the ChangeList then applies exactly the filters
    the user saw, including the ModelAdmin's scoping.
    """
    model = spec.get_model()
    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        raise ValidationError(_("This list cannot be exported from the admin site."))
    request = RequestFactory().get("/", params_to_querydict(params))
    request.user = user
    # The ChangeList reports a search it cannot use (a NUL character, say) as an error message
    # and lists everything instead: fine on the page, wrong for an export, so collected here.
    request._messages = CookieStorage(request)
    try:
        changelist = model_admin.get_changelist_instance(request)
        queryset = changelist.get_queryset(request)
    except IncorrectLookupParameters as exc:
        raise ValidationError(_("The filters of this list are not valid.")) from exc
    errors = [str(message) for message in request._messages if message.level >= messages.ERROR]
    if errors:
        raise ValidationError(errors)
    return queryset
