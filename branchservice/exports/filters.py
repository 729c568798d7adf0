"""Filters shared by the apps' list FilterSets (django-filter)."""

import django_filters
from django.db.models import Q

from branchservice.models import Branch


class OutletCodeFilter(django_filters.CharFilter):
    """A branch code: the branch and everything below it (a sub-branch means its outlets)."""

    def filter(self, qs, value):
        if not value:
            return qs
        paths = Branch.objects.filter(code=value.strip().upper()).values_list("path", flat=True)
        query = Q()
        for path in paths:
            query |= Q(**{f"{self.field_name}__path__startswith": path})
        return qs.filter(query) if paths else qs.none()
