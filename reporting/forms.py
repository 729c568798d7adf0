from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchservice.models import Branch
from branchservice.scoping import visible_branches

from .selectors import first_data_month
from .services import month_start


class PeriodField(forms.DateField):
    """A month typed as 2026-10 (the <input type=month> format), returned as its first day."""

    widget = forms.DateInput(attrs={"type": "month"})
    input_formats = ["%Y-%m"]
    default_error_messages = {"invalid": _("Enter a month such as 2026-10.")}
    # The dashboard reaches twelve months back from the month asked for: year 1 overflowed
    # the calendar (a 500). No branch has data outside these years.
    YEARS = range(2000, 2100)

    def to_python(self, value):
        value = super().to_python(value)
        if value and value.year not in self.YEARS:
            raise forms.ValidationError(
                _("Enter a month between %(first)s-01 and %(last)s-12.")
                % {"first": self.YEARS[0], "last": self.YEARS[-1]},
                code="out_of_range",
            )
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
        first = first_data_month()
        if first is not None and period < first:
            raise forms.ValidationError(
                _("There is no data before %(month)s: the first entries are from that month.")
                % {"month": f"{first:%Y-%m}"}
            )
        return period


class DashboardForm(forms.Form):
    period = PeriodField(label=_("Month"), required=False)
    scope = forms.ModelChoiceField(label=_("Scope"), queryset=Branch.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = visible_branches(user)


class LeagueForm(forms.Form):
    period = PeriodField(label=_("Month"), required=False)
    scope = forms.ModelChoiceField(label=_("Scope"), queryset=Branch.objects.none(), required=False)
    level = forms.TypedChoiceField(
        label=_("Level"),
        coerce=int,
        required=False,
        choices=[
            (level, Branch.Level(level).label)
            for level in (
                Branch.Level.TIER1_BRANCH,
                Branch.Level.SUB_BRANCH,
                Branch.Level.OUTLET,
            )
        ],
    )
    sort = forms.ChoiceField(required=False, choices=[])
    order = forms.ChoiceField(required=False, choices=[("worst", "worst"), ("best", "best")])
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def __init__(self, *args, user, columns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = visible_branches(user).exclude(level=Branch.Level.OUTLET)
        self.fields["sort"].choices = [(key, key) for key in columns]


class OverviewForm(forms.Form):
    period = PeriodField(label=_("Month"), required=False)
