"""Filtered exports: which rows (the list's own filters, scoped), which columns, how written.

An export is named by a kind ("complaints", ...) registered here with its model, the
django-filter FilterSet of its list page, the lookup to its branch for scoping and its columns.
The rows of an export are exactly those the page or admin changelist shows for the same query
string: the FilterSet (list pages) or the ModelAdmin's own ChangeList (admin) selects them,
always inside the user's scope. Small exports stream at once; large ones run in a worker
(see services.export_request), both through `write_export`.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.test import RequestFactory
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from branchservice.scoping import scope_queryset

from .excel import SheetWriter, new_workbook

UNMASKED_PERMISSION = "reporting.export_unmasked_personal_data"
# How often a background export records its progress (one UPDATE per this many rows).
PROGRESS_EVERY = 1000


@dataclass(frozen=True)
class Column:
    label: Any  # a lazy translation: the header is written in the requesting user's language
    value: Callable[[Any], Any]
    width: int = 14
    # A branchservice.pii masker: applied unless the user may see personal data unmasked.
    mask: Callable[[str], str] | None = None


@dataclass(frozen=True)
class ExportSpec:
    kind: str
    title: Any
    model: str  # "app_label.ModelName"
    filterset: str  # dotted path of the list page's FilterSet
    scope_via: str
    columns: tuple[Column, ...]
    permission: str  # the model permission a user needs to see these rows at all
    select_related: tuple[str, ...] = ()
    ordering: tuple[str, ...] = ("pk",)
    extra: dict = field(default_factory=dict)

    def get_model(self):
        return apps.get_model(self.model)

    def base_queryset(self):
        qs = self.get_model()._default_manager.all()
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        return qs

    def headers(self):
        return [str(column.label) for column in self.columns]

    def getters(self):
        """Each column's value function, bound to the current language where it has labels."""
        model = self.get_model()
        return [
            column.value.bind(model) if hasattr(column.value, "bind") else column.value
            for column in self.columns
        ]


_REGISTRY: dict[str, ExportSpec] = {}


def register(spec: ExportSpec) -> ExportSpec:
    _REGISTRY[spec.kind] = spec
    return spec


def unregister(kind: str) -> None:
    _REGISTRY.pop(kind, None)


def get_spec(kind: str) -> ExportSpec | None:
    return _REGISTRY.get(kind)


def check_permission(user, spec: ExportSpec) -> None:
    if not (user.has_perm("reporting.add_exportjob") and user.has_perm(spec.permission)):
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
    if spec.select_related:
        qs = qs.select_related(*spec.select_related)
    # Scoping again costs one more LIKE and guarantees it whatever the admin class does.
    return scope_queryset(qs, user, via=spec.scope_via).order_by(*spec.ordering)


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
    try:
        changelist = model_admin.get_changelist_instance(request)
        return changelist.get_queryset(request)
    except IncorrectLookupParameters as exc:
        raise ValidationError(_("The filters of this list are not valid.")) from exc


def row_values(spec: ExportSpec, obj, *, unmasked: bool, getters=None) -> list:
    values = []
    for column, getter in zip(spec.columns, getters or spec.getters(), strict=True):
        value = getter(obj)
        if column.mask is not None and not unmasked and value:
            value = column.mask(value)
        values.append(value)
    return values


def write_export(
    *,
    spec: ExportSpec,
    rows: Iterable,
    user,
    stream,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the rows as one sheet to `stream` (a binary file); returns the number of rows."""
    unmasked = user.has_perm(UNMASKED_PERMISSION)
    workbook = new_workbook()
    sheet = SheetWriter(workbook, str(spec.title))
    sheet.header(spec.headers(), widths=[column.width for column in spec.columns])
    getters = spec.getters()
    count = 0
    for count, obj in enumerate(rows, start=1):
        sheet.row(row_values(spec, obj, unmasked=unmasked, getters=getters))
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    workbook.save(stream)
    return count
