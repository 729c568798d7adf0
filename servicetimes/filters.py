"""The ticket list's filters (django-filter), used by its export. Rows are scoped before
filtering (branchservice.exports.selectors)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from branchservice.exports.filters import OutletCodeFilter

from .models import Ticket


class TicketFilter(django_filters.FilterSet):
    branch = OutletCodeFilter(field_name="branch", label=_("Branch code"))
    transaction_type = django_filters.CharFilter(
        field_name="transaction_type__code", label=_("Transaction type")
    )
    teller = django_filters.CharFilter(field_name="teller__code", label=_("Teller number"))
    source = django_filters.ChoiceFilter(choices=Ticket.Source.choices, label=_("Source"))
    date_from = django_filters.DateFilter(
        field_name="business_date", lookup_expr="gte", label=_("From")
    )
    date_to = django_filters.DateFilter(
        field_name="business_date", lookup_expr="lte", label=_("Until")
    )

    class Meta:
        model = Ticket
        fields = []
