"""The checklist list's filters (django-filter), used by its export.

Rows are scoped before filtering (see branchservice.exports.selectors).
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from branchservice.exports.filters import OutletCodeFilter

from .models import Checklist


class ChecklistFilter(django_filters.FilterSet):
    branch = OutletCodeFilter(field_name="branch", label=_("Branch code"))
    template = django_filters.CharFilter(field_name="template__code", label=_("Template"))
    status = django_filters.ChoiceFilter(choices=Checklist.Status.choices, label=_("Status"))
    date_from = django_filters.DateFilter(
        field_name="business_date", lookup_expr="gte", label=_("From")
    )
    date_to = django_filters.DateFilter(
        field_name="business_date", lookup_expr="lte", label=_("Until")
    )
    critical = django_filters.BooleanFilter(
        method="filter_critical", label=_("With critical failures")
    )

    class Meta:
        model = Checklist
        fields = []

    def filter_critical(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(critical_failures__gt=0)
            if value
            else queryset.filter(critical_failures=0)
        )
