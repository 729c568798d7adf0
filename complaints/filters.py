"""The complaint list's filters (django-filter): /reports/export/complaints/ filters with it.

Rows are scoped before filtering (see branchservice.exports.selectors).
"""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchservice.exports.filters import OutletCodeFilter

from .models import Complaint


class ComplaintFilter(django_filters.FilterSet):
    branch = OutletCodeFilter(field_name="branch", label=_("Branch code"))
    kind = django_filters.ChoiceFilter(choices=Complaint.Kind.choices, label=_("Kind"))
    channel = django_filters.ChoiceFilter(choices=Complaint.Channel.choices, label=_("Channel"))
    status = django_filters.ChoiceFilter(choices=Complaint.Status.choices, label=_("Status"))
    received_from = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__gte", label=_("Received from")
    )
    received_to = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__lte", label=_("Received until")
    )
    category = django_filters.CharFilter(field_name="category__code", label=_("Business category"))
    reason = django_filters.CharFilter(field_name="reason__code", label=_("Reason"))
    founded = django_filters.BooleanFilter(label=_("Founded"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue now"))

    class Meta:
        model = Complaint
        fields = []

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Complaint.objects.overdue(timezone.now()).values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)
