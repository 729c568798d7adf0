"""Forms of the queue-log upload, its column mapping, the results page and hand timing."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchservice.calendar import add_working_days
from branchservice.models import Branch, User
from branchservice.roles import Role
from branchservice.scoping import visible_branches
from branchservice.tabular import ColumnMappingForm

from .importing import REQUIRED_FIELDS, TicketField
from .models import Finding, Teller, TransactionType

# A rectification raised from a finding is due this many working days later, unless changed.
RECTIFICATION_WORKING_DAYS = 10


def visible_outlets(user):
    return visible_branches(user).filter(level=Branch.Level.OUTLET, is_active=True)


class UploadForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("Outlet"), queryset=Branch.objects.none())
    file = forms.FileField(
        label=_("Queue system file"),
        help_text=_(
            "The ticket log the outlet's queue machine exports, as CSV (UTF-8 or GBK) or .xlsx. "
            "Its first row names the columns."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = visible_outlets(user)


class MappingForm(ColumnMappingForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, fields=TicketField, required=REQUIRED_FIELDS, **kwargs)


def month_start(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return default


class ResultsForm(forms.Form):
    scope = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.none(), required=False
    )
    period = forms.CharField(label=_("Month"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = visible_branches(user).filter(is_active=True)


class FindingForm(forms.ModelForm):
    """Why the outlet misses the standard and, optionally, the rectification that fixes it."""

    required_action = forms.CharField(
        label=_("Rectification required"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("Filled in, it raises a rectification (整改) with its owner and due date."),
    )
    owner = forms.ModelChoiceField(
        label=_("Responsible person"), queryset=User.objects.none(), required=False
    )
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Finding
        fields = ["cause", "transaction_type", "teller", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3, "cols": 60})}

    def __init__(self, *args, outlet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teller"].queryset = Teller.objects.filter(branch=outlet)
        self.fields["transaction_type"].queryset = TransactionType.objects.filter(is_active=True)
        staff = User.objects.filter(branch=outlet, is_active=True).order_by("username")
        self.fields["owner"].queryset = staff
        head = staff.filter(groups__name=Role.BRANCH_MANAGER).first()
        self.fields["owner"].initial = head.pk if head else None
        self.fields["due_date"].initial = add_working_days(
            timezone.localdate(), RECTIFICATION_WORKING_DAYS, branch=outlet
        )

    def clean(self):
        data = super().clean()
        if (data.get("required_action") or "").strip():
            for name in ("owner", "due_date"):
                if not data.get(name):
                    self.add_error(name, _("Needed for the rectification."))
        return data


class TimingForm(forms.Form):
    """A transaction timed on the tablet: the page's stopwatch fills start and stop."""

    branch = forms.ModelChoiceField(label=_("Outlet"), queryset=Branch.objects.none())
    transaction_type = forms.ModelChoiceField(
        label=_("Transaction type"), queryset=TransactionType.objects.filter(is_active=True)
    )
    teller = forms.ModelChoiceField(label=_("Teller"), queryset=Teller.objects.none())
    started_at = forms.DateTimeField(label=_("Started at"), widget=forms.HiddenInput)
    finished_at = forms.DateTimeField(label=_("Stopped at"), widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        outlets = visible_outlets(user)
        self.fields["branch"].queryset = outlets
        self.fields["teller"].queryset = Teller.objects.filter(
            branch__in=outlets, is_active=True
        ).select_related("branch")
        if len(outlets[:2]) == 1:
            self.fields["branch"].initial = outlets[0].pk
        else:
            # Tellers of several outlets share numbers: say whose each one is.
            self.fields["teller"].label_from_instance = lambda t: f"{t.branch.name} · {t}"
