"""Forms of the complaint admin: the register entry itself, and one small form per workflow
move. Field names of a move form are the keyword arguments of its service, so the admin view
passes `form.service_kwargs()` straight through."""

import uuid

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from branchservice.scoping import scope_queryset

from .models import Complaint

DATETIME = {
    "widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
}
YES_NO = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]


def _now():
    return timezone.localtime().replace(second=0, microsecond=0)


def _staff(user, queryset=None):
    """Active staff the user may choose (their own branches)."""
    return scope_queryset(
        queryset if queryset is not None else get_user_model().objects.filter(is_active=True),
        user,
    ).order_by("branch__path", "last_name", "first_name")


def _yes_no(value):
    return {"yes": True, "no": False}.get(value)


class ComplaintForm(forms.ModelForm):
    """Register or edit an entry. Validation of the entry lives on the model (Complaint.clean),
    which this form runs; saving goes through the services (see ComplaintAdmin.save_model)."""

    submission_token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    received_at = forms.DateTimeField(label=capfirst(_("received at")), **DATETIME)

    class Meta:
        model = Complaint
        fields = [
            "branch",
            "kind",
            "channel",
            "received_at",
            *Complaint.TYPED_FIELDS,
            "first_responder",
            "handler",
            "category",
            "reason",
            "is_quality",
            "complexity",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "customer_request": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and "submission_token" in self.fields:
            self.initial.setdefault("submission_token", uuid.uuid4())
            self.initial.setdefault("received_at", _now())


class MoveForm(forms.Form):
    """Base of the workflow move forms."""

    def __init__(self, *args, complaint, user, **kwargs):
        self.complaint = complaint
        self.user = user
        super().__init__(*args, **kwargs)

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


def _note(label=None, required=False):
    return forms.CharField(
        label=label or _("Note"), required=required, widget=forms.Textarea(attrs={"rows": 3})
    )


class AcknowledgeForm(MoveForm):
    acknowledged_at = forms.DateTimeField(
        label=_("Customer contacted at"), initial=_now, **DATETIME
    )
    estimated_reply_at = forms.DateTimeField(
        label=_("Estimated handling time given to the customer"), **DATETIME
    )
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.complaint.reply_due_at:
            self.fields["estimated_reply_at"].initial = timezone.localtime(
                self.complaint.reply_due_at
            ).replace(hour=17, minute=0, second=0)


class NoteForm(MoveForm):
    note = _note(required=True)


class InvestigateForm(MoveForm):
    note = _note(_("What will be checked"))


class ResolveForm(MoveForm):
    founded = forms.ChoiceField(label=_("Founded"), choices=YES_NO, required=False)
    bank_at_fault = forms.BooleanField(label=_("Bank at fault"), required=False)
    root_cause = forms.ChoiceField(
        label=_("Root cause"),
        choices=[("", "—"), *Complaint.RootCause.choices],
        required=False,
    )
    investigation_notes = _note(_("Investigation findings"))
    apology = _note(_("Apology record (who apologised, when, how)"))
    replied_at = forms.DateTimeField(label=_("Replied at"), initial=_now, **DATETIME)
    reply_method = forms.ChoiceField(label=_("Reply method"), choices=Complaint.ReplyMethod.choices)
    reply_content = _note(_("Reply and solution offered"), required=True)
    customer_accepted = forms.ChoiceField(
        label=_("Customer accepted the solution"), choices=YES_NO, required=False
    )
    owner = forms.ModelChoiceField(
        label=_("Rectification: responsible person"), queryset=None, required=False
    )
    responsible_department = forms.CharField(
        label=_("Rectification: responsible department"), max_length=100, required=False
    )
    required_action = _note(_("Rectification: required action"))
    due_date = forms.DateField(
        label=_("Rectification: due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    RECTIFICATION = ("owner", "responsible_department", "required_action", "due_date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff(self.user)

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        rectification = {name: data.pop(name) for name in self.RECTIFICATION}
        data["founded"] = _yes_no(data["founded"])
        data["customer_accepted"] = _yes_no(data["customer_accepted"])
        data["rectification"] = rectification if data["bank_at_fault"] else None
        return data


class ResolveOnSpotForm(MoveForm):
    reply_content = _note(_("How it was resolved"), required=True)
    customer_accepted = forms.BooleanField(
        label=_("Customer accepted the solution"), required=False, initial=True
    )


class ReasonForm(MoveForm):
    reason = _note(_("Reason given"), required=True)


class WithdrawForm(MoveForm):
    reason = _note(_("What the customer said"), required=True)


class HandBackForm(MoveForm):
    note = _note(_("Instructions for the outlet"), required=True)


class ExtendForm(MoveForm):
    reason = _note(_("Why more time is needed"), required=True)
    customer_told_at = forms.DateTimeField(
        label=_("Customer told of the extension at"), initial=_now, **DATETIME
    )


class FollowUpForm(MoveForm):
    followed_up_at = forms.DateTimeField(label=_("Visit or call at"), initial=_now, **DATETIME)
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction"), choices=Complaint.Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = _note(_("Customer's comment"))


class MergeForm(MoveForm):
    into = forms.ModelChoiceField(label=_("Earlier entry of the same customer"), queryset=None)
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Candidates: earlier live entries at the same outlet; the service checks the customer.
        self.fields["into"].queryset = (
            Complaint.objects.filter(
                branch_id=self.complaint.branch_id, received_at__lte=self.complaint.received_at
            )
            .exclude(pk=self.complaint.pk)
            .exclude(status__in=[Complaint.Status.MERGED, Complaint.Status.VOID])
            .order_by("-received_at")[:200]
        )


class ReassignForm(MoveForm):
    handler = forms.ModelChoiceField(label=_("New handler"), queryset=None)
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Staff of this outlet and of the branches above it, within the user's scope.
        outlet = self.complaint.branch
        self.fields["handler"].queryset = _staff(
            self.user,
            get_user_model().objects.filter(
                is_active=True, branch__in=[outlet, *outlet.ancestors()]
            ),
        )


class RectifyForm(MoveForm):
    owner = forms.ModelChoiceField(label=_("Responsible person"), queryset=None)
    responsible_department = forms.CharField(label=_("Responsible department"), max_length=100)
    required_action = _note(_("Required action"), required=True)
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff(self.user)

    def service_kwargs(self):
        return {"data": dict(self.cleaned_data)}


class AttachForm(MoveForm):
    file = forms.FileField(label=_("File"))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class CloseForm(MoveForm):
    note = _note()


class RectificationCompleteForm(forms.Form):
    evidence = _note(_("Evidence that the action is done"), required=True)
