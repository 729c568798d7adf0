"""Which lists can be exported: each app registers an ExportSpec per list at start-up.

An export is named by a kind ("complaints", ...) with its model, the django-filter FilterSet
of its list page, the lookup to its branch for scoping and its columns. The app owning the
model declares the spec (e.g. complaints/exports.py) and registers it in AppConfig.ready().
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.utils.translation import gettext_lazy as _


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


# ---- column values shared by the apps' specs ----------------------------------------------


class ChoiceLabel:
    """Column value: the label of a choice field (or of a yes/no field), translated once per
    export. A gettext per cell would cost more than writing the cell; `bind()` (called by
    write_export in the export's language) returns a plain dictionary lookup."""

    def __init__(self, field, labels=None):
        self.field = field
        self.labels = labels

    def bind(self, model):
        choices = self.labels or dict(model._meta.get_field(self.field).flatchoices)
        labels = {value: str(label) for value, label in choices.items()}
        field = self.field

        def value(row):
            raw = getattr(row, field)
            return labels.get(raw, raw or "")

        return value

    def __call__(self, row):
        return self.bind(type(row))(row)


YES_NO = {True: _("Yes"), False: _("No"), None: ""}


def full_name(attribute):
    """Column value: the full name of the person `attribute(row)` returns, or ""."""

    def value(row):
        person = attribute(row)
        return person.get_full_name() if person else ""

    return value
