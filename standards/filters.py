"""The checklist and corrective-action lists' filters (django-filter), used by their exports.

Rows are scoped before filtering (see branchservice.exports.selectors).
"""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchservice.exports.filters import OutletCodeFilter

from .models import Checklist, CorrectiveAction


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


class CorrectiveActionFilter(django_filters.FilterSet):
    branch = OutletCodeFilter(field_name="branch", label=_("Branch code"))
    status = django_filters.ChoiceFilter(choices=CorrectiveAction.Status.choices, label=_("Status"))
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lt", label=_("Due before")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue now"))

    class Meta:
        model = CorrectiveAction
        fields = []

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(due_date__lt=timezone.localdate()) & ~Q(status=CorrectiveAction.Status.DONE)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
