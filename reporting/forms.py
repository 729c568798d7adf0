import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchservice.models import Branch
from branchservice.scoping import visible_branches

from .services import month_start

# Nothing the bank reports on is older than this; an earlier month is a typing error.
FIRST_PERIOD = dt.date(2000, 1, 1)


class PeriodField(forms.DateField):
    """A month typed as 2026-10 (the <input type=month> format), returned as its first day."""

    widget = forms.DateInput(attrs={"type": "month"})
    input_formats = ["%Y-%m"]
    default_error_messages = {"invalid": _("Enter a month such as 2026-10.")}

    def to_python(self, value):
        value = super().to_python(value)
        return month_start(value) if value else value


class BuildSummaryForm(forms.Form):
    period = PeriodField(label=_("Month"))
    scope = forms.ModelChoiceField(label=_("Scope"), queryset=Branch.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = visible_branches(user)

    def clean_period(self):
        period = self.cleaned_data["period"]
        if period > month_start(timezone.localdate()):
            raise forms.ValidationError(_("This month has not started yet."))
        if period < FIRST_PERIOD:
            raise forms.ValidationError(_("There is no data for months before 2000."))
        return period


class DashboardForm(forms.Form):
    period = PeriodField(label=_("Month"), required=False)
    scope = forms.ModelChoiceField(label=_("Scope"), queryset=Branch.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = visible_branches(user)
