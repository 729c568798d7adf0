import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchservice.models import Branch
from branchservice.scoping import visible_branches

from . import periods
from .models import ReportFile
from .periods import Period
from .selectors import first_data_month


class PeriodField(forms.DateField):
    """A month typed as 2026-10 (the <input type=month> format), returned as its first day."""

    widget = forms.DateInput(attrs={"type": "month"})
    input_formats = ["%Y-%m"]
    default_error_messages = {"invalid": _("Enter a month such as 2026-10.")}
    YEARS = periods.YEARS

    def to_python(self, value):
        value = super().to_python(value)
        if value and value.year not in self.YEARS:
            raise forms.ValidationError(
                _("Enter a month between %(first)s-01 and %(last)s-12.")
                % {"first": self.YEARS[0], "last": self.YEARS[-1]},
                code="out_of_range",
            )
        return Period.month(value).start if value else value


class AnyPeriodField(forms.CharField):
    """A month, quarter, half-year or year typed as 2026-10, 2026-Q3, 2026-H1 or 2026,
    returned as a Period."""

    default_error_messages = {
        "invalid": _(
            "Unknown period “%(value)s”: enter a month such as 2026-10, a quarter such as "
            "2026-Q3, a half-year such as 2026-H1 or a year such as 2026."
        )
    }

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "placeholder": "2026-Q3",
                    "size": 9,
                    "maxlength": 10,
                    "list": "period-choices",
                }
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return Period.parse(value)
        except ValueError:
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from None


def finished_period_error(period: Period, today: dt.date) -> str | None:
    """Why a summary of `period` cannot be built today (None: it can): it has not started,
    or is still running (its figures would change), or lies wholly before the first data."""
    if not period.has_started(today):
        return _("%(period)s has not started yet.") % {"period": period.label}
    if not period.is_finished(today):
        return _("%(period)s has not ended yet: its summary can be built from %(day)s on.") % {
            "period": period.label,
            "day": f"{period.end:%Y-%m-%d}",
        }
    first = first_data_month()
    if first is not None and period.end <= first:
        return _("There is no data before %(month)s: the first entries are from that month.") % {
            "month": f"{first:%Y-%m}"
        }
    return None


class BuildSummaryForm(forms.Form):
    # Optional: a form posted without it (before the regulatory report existed) asks for the
    # summary, as it always did.
    kind = forms.ChoiceField(
        label=_("Report"),
        choices=ReportFile.Kind.choices,
        initial=ReportFile.Kind.SUMMARY,
        required=False,
    )
    period = AnyPeriodField(label=_("Period"))
    scope = forms.ModelChoiceField(label=_("Scope"), queryset=Branch.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = visible_branches(user)

    def clean_kind(self):
        return self.cleaned_data["kind"] or ReportFile.Kind.SUMMARY

    def clean_period(self):
        period = self.cleaned_data["period"]
        error = finished_period_error(period, timezone.localdate())
        if error:
            raise forms.ValidationError(error)
        return period


class ReportFilterForm(forms.Form):
    """The report centre's filter (GET): one period, or all summaries of one kind of period."""

    period = AnyPeriodField(label=_("Period"), required=False)
    period_kind = forms.ChoiceField(
        label=_("Kind of period"),
        required=False,
        choices=[("", _("All")), *periods.PeriodKind.choices],
    )


class DashboardForm(forms.Form):
    period = AnyPeriodField(label=_("Period"), required=False)
    scope = forms.ModelChoiceField(label=_("Scope"), queryset=Branch.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = visible_branches(user)


class LeagueForm(forms.Form):
    period = AnyPeriodField(label=_("Period"), required=False)
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
