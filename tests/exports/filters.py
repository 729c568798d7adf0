import django_filters

from branchservice.models import User


class StaffFilter(django_filters.FilterSet):
    branch = django_filters.CharFilter(field_name="branch__code")
    joined_after = django_filters.DateFilter(field_name="date_joined", lookup_expr="gte")

    class Meta:
        model = User
        fields = ["branch", "joined_after"]
