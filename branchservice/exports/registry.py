"""Which lists can be exported: each app registers an ExportSpec per list at start-up.

An export is named by a kind ("complaints", ...) with its model, the django-filter FilterSet
of its list page, the lookup to its branch for scoping and its columns. The app owning the
model declares the spec (e.g. complaints/exports.py) and registers it in AppConfig.ready().
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from branchservice.models import full_name_of


@dataclass(frozen=True)
class Column:
    label: Any  # a lazy translation: the header is written in the requesting user's language
    # A field path read with values_list ("branch__code"), or a Derived value of several.
    value: "str | Derived"
    width: int = 14
    # A branchservice.pii masker: applied unless the user may see personal data unmasked.
    mask: Callable[[str], str] | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.value,) if isinstance(self.value, str) else self.value.fields


@dataclass(frozen=True)
class ExportSpec:
    """Rows are read as `values_list(*spec.fields())` tuples, not model instances: building
    instances cost more than writing their cells (bench/reporting_export.py)."""

    kind: str
    title: Any
    model: str  # "app_label.ModelName"
    filterset: str  # dotted path of the list page's FilterSet
    scope_via: str
    columns: tuple[Column, ...]
    permission: str  # the model permission a user needs to see these rows at all
    ordering: tuple[str, ...] = ("pk",)
    extra: dict = field(default_factory=dict)
    # Dotted path of restrict(queryset, user): rows a user may not read although in scope.
    restrict: str = ""

    def get_model(self):
        return apps.get_model(self.model)

    def base_queryset(self):
        return self.get_model()._default_manager.all()

    def headers(self):
        return [str(column.label) for column in self.columns]

    def fields(self) -> list[str]:
        """The field paths of every column, each once, in the order the rows hold them."""
        return list(dict.fromkeys(path for column in self.columns for path in column.fields))

    def rows(self, queryset, *, chunk_size=2000):
        """The queryset's rows as the columns read them, fetched in chunks."""
        return queryset.values_list(*self.fields()).iterator(chunk_size=chunk_size)

    def getters(self):
        """Each column's value read from a row of `rows()`, bound to the current language
        where it has labels."""
        model, index = self.get_model(), {path: i for i, path in enumerate(self.fields())}
        getters = []
        for column in self.columns:
            if isinstance(column.value, str):
                getters.append(itemgetter(index[column.value]))
            else:
                getters.append(column.value.bind(model, [index[f] for f in column.fields]))
        return getters


_REGISTRY: dict[str, ExportSpec] = {}


def register(spec: ExportSpec) -> ExportSpec:
    _REGISTRY[spec.kind] = spec
    return spec


def unregister(kind: str) -> None:
    _REGISTRY.pop(kind, None)


def get_spec(kind: str) -> ExportSpec | None:
    return _REGISTRY.get(kind)


# ---- column values shared by the apps' specs ----------------------------------------------


class Derived:
    """Column value computed from several fields of the row: `function(*their values)`."""

    def __init__(self, fields, function):
        self.fields = tuple(fields)
        self.function = function

    def bind(self, model, positions):
        function = self.make(model)
        if len(positions) == 1:
            (position,) = positions
            return lambda row: function(row[position])
        return lambda row: function(*(row[p] for p in positions))

    def make(self, model):
        return self.function


class ChoiceLabel(Derived):
    """Column value: the label of a choice field (or of a yes/no field), translated once per
    export. A gettext per cell would cost more than writing the cell; `bind()` (called by
    write_export in the export's language) returns a plain dictionary lookup."""

    def __init__(self, field, labels=None):
        super().__init__((field,), None)
        self.labels = labels

    def make(self, model):
        choices = self.labels or dict(model._meta.get_field(self.fields[0]).flatchoices)
        labels = {value: str(label) for value, label in choices.items()}
        return lambda raw: labels.get(raw, raw or "")


YES_NO = {True: _("Yes"), False: _("No"), None: ""}


def full_name(person: str) -> Derived:
    """Column value: the full name of the user the foreign key `person` names, or ""."""
    return Derived(
        (f"{person}__last_name", f"{person}__first_name", f"{person}__username"),
        lambda last, first, username: full_name_of(last, first, username) if username else "",
    )
