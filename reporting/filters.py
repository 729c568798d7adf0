"""The list filters of complaints, daily checklists and corrective actions (django-filter).

One FilterSet per list: a list page filters with it, and its export button sends the same
query string to /reports/export/<kind>/, which filters with it again, so the file holds exactly
the rows the page showed. Rows are scoped before filtering (see reporting.exports).
"""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from standards.models import Checklist, CorrectiveAction


class OutletCodeFilter(django_filters.CharFilter):
    """A branch code: the branch and everything below it (a sub-branch means its outlets)."""

    def filter(self, qs, value):
        if not value:
            return qs
        from branchservice.models import Branch

        paths = Branch.objects.filter(code=value.strip().upper()).values_list("path", flat=True)
        query = Q()
        for path in paths:
            query |= Q(**{f"{self.field_name}__path__startswith": path})
        return qs.filter(query) if paths else qs.none()


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
