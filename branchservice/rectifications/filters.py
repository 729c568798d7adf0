"""The rectification list's filters (django-filter), used by its export and the report centre.

Rows are scoped before filtering (see branchservice.exports.selectors).
"""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchservice.exports.filters import OutletCodeFilter

from .models import Rectification
from .sources import source_choices


class RectificationFilter(django_filters.FilterSet):
    branch = OutletCodeFilter(field_name="outlet", label=_("Branch code"))
    source = django_filters.ChoiceFilter(
        field_name="source_kind", choices=source_choices, label=_("Source")
    )
    status = django_filters.ChoiceFilter(choices=Rectification.Status.choices, label=_("Status"))
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lt", label=_("Due before")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue now"))

    class Meta:
        model = Rectification
        fields = []

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = queryset.overdue(timezone.localdate())
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))
