"""Forms of the complaint admin: the register entry itself, and one small form per workflow
move. Field names of a move form are the keyword arguments of its service, so the admin view
passes `form.service_kwargs()` straight through."""

import json
import uuid

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from branchservice.models import Branch
from branchservice.scoping import scope_queryset

from .codetable import read_code_table
from .models import Complaint, Correction, CustomerNotice, Decision, Pause, end_of_day
from .services import ATTACHMENT_TYPES, DEFAULT_REMEDIES, recusal_errors
from .workflow import levels_above, levels_below

DATETIME = {
    "widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
}
DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
YES_NO = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]
APPROVE = [("yes", _("Approve")), ("no", _("Refuse"))]


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


class WhoComplainsMixin:
    """Who complains (art. 13) on the register's form and the intake page alike: left out, it
    is the customer with a resident card. The entry itself checks the kind, the document and
    its number (Complaint._complainant_errors, run by the registration service)."""

    def _default(self, name):
        return self.cleaned_data.get(name) or Complaint._meta.get_field(name).get_default()

    def clean_complainant_kind(self):
        return self._default("complainant_kind")

    def clean_customer_id_type(self):
        return self._default("customer_id_type")


class ComplaintForm(WhoComplainsMixin, forms.ModelForm):
    """Register or edit an entry. Validation of the entry lives on the model (Complaint.clean),
    which this form runs; saving goes through the services (see ComplaintAdmin.save_model)."""

    submission_token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    received_at = forms.DateTimeField(label=capfirst(_("received at")), **DATETIME)
    # --- Regulator transfers (issue 14 item 6): the body sets a day, not a time. ----------------
    regulator_received_on = forms.DateField(
        label=capfirst(_("received by the transferring body on")), required=False, **DATE
    )
    regulator_feedback_due_at = forms.DateField(
        label=capfirst(_("feedback to the transferring body due by")), required=False, **DATE
    )

    def clean_regulator_feedback_due_at(self):
        # Due "by" a day: by its close, as every deadline of the register.
        day = self.cleaned_data.get("regulator_feedback_due_at")
        return end_of_day(day) if day else None

    # --- end of regulator transfers --------------------------------------------------------------

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
            *Complaint.CODED_FIELDS,
            "is_quality",
            "complexity",
            # Recusal and regulator transfers (issue 14 items 4 and 6).
            "complained_about_staff",
            "is_urgent",
            *Complaint.REGULATOR_FIELDS,
            *Complaint.COMPLAINANT_FIELDS,
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "customer_request": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        due = self.instance.regulator_feedback_due_at
        if due is not None:
            self.initial["regulator_feedback_due_at"] = timezone.localdate(due)
        if self.instance.pk is None and "submission_token" in self.fields:
            self.initial.setdefault("submission_token", uuid.uuid4())
            self.initial.setdefault("received_at", _now())
        if self.instance.pk is None and "channel" in self.fields:
            # The online opinion book is written by customers only (services refuse it too).
            self.fields["channel"].choices = [
                (value, label)
                for value, label in self.fields["channel"].choices
                if value not in Complaint.CUSTOMER_CHANNELS
            ]
        for name in ("complainant_kind", "customer_id_type", "complainants"):
            # Most entries are one customer with a resident card: left out, it is that.
            if name in self.fields:
                self.fields[name].required = False
        for name in Complaint.CODED_FIELDS:
            if name in self.fields:
                # Active entries, and the one this complaint was classified with (even if
                # retired since: it keeps its code).
                field = self.fields[name]
                current = getattr(self.instance, f"{name}_id")
                field.queryset = field.queryset.filter(Q(is_active=True) | Q(pk=current))

    def _post_clean(self):
        super()._post_clean()
        # Recusal (回避) refused here, with what was typed still on the page, not by the
        # service after the form was accepted. A handler chosen by default passes over the
        # person complained about (services._default_handler).
        if self.instance.branch_id is None:
            return
        for field, errors in recusal_errors(self.instance).items():
            if field not in self.errors:
                self.add_error(field if field in self.fields else None, errors)

    def clean_complainants(self):
        value = self.cleaned_data.get("complainants")
        return 1 if value is None else value


class MoveForm(forms.Form):
    """Base of the workflow move forms."""

    # The admin's bold label for what must be filled in.
    required_css_class = "required"
    # (title, field names, html id) of each fieldset, as the admin groups a model's fields;
    # None: one fieldset of every field.
    fieldsets = None

    def __init__(self, *args, complaint, user, **kwargs):
        self.complaint = complaint
        self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.FileField):
                # What services.attachment_add accepts, said before the upload, not after it.
                field.help_text = _(
                    "A PDF, an image (JPG, PNG, GIF, WebP) or a recording (MP3, M4A, WAV, AMR), "
                    "up to %(size)s MB."
                ) % {"size": settings.COMPLAINT_ATTACHMENT_MAX_BYTES // (1024 * 1024)}
                field.widget.attrs["accept"] = ",".join(f".{ext}" for ext in ATTACHMENT_TYPES)

    def field_groups(self):
        """The fieldsets with their bound fields, for admin/includes/plain_form_fields.html."""
        return [
            {"title": title, "id": html_id, "fields": [self[name] for name in names]}
            for title, names, html_id in self.fieldsets or ()
        ]

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
    reply_facts = _note(_("Facts found"), required=True)
    reply_grounds = _note(_("Grounds of the decision"), required=True)
    reply_content = _note(_("Reply and solution offered"), required=True)
    reply_remedies = _note(_("Remedies open to the customer"))
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
    # The apology and the rectification notice only when the bank is at fault: the move page's
    # script (complaints/step_form.js) hides them otherwise; the service decides what is owed.
    fieldsets = [
        (_("Investigation"), ["founded", "bank_at_fault", "root_cause", "investigation_notes"], ""),
        (_("The bank at fault: apology and rectification notice"), ["apology", *RECTIFICATION],
         "at-fault"),
        (_("Reply to the customer"), ["replied_at", "reply_method", "reply_facts",
         "reply_grounds", "reply_content", "reply_remedies", "customer_accepted"], ""),
    ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff(self.user)
        self.fields["reply_remedies"].initial = DEFAULT_REMEDIES

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


class CustomerLookupForm(forms.ModelForm):
    """The phone and identity document typed into the add page so far: enough to match the
    customer's earlier entries (selectors.customer_history), checked by nobody: half a number
    matches nothing, it is not refused."""

    class Meta:
        model = Complaint
        fields = ["customer_phone", "customer_id_type", "customer_id_number"]

    def _post_clean(self):
        # Only read, never saved: what is valid so far goes on the unsaved entry, the rest
        # (a number half typed) stays at its default and matches nothing.
        for name in self._meta.fields:
            if self.cleaned_data.get(name):
                setattr(self.instance, name, self.cleaned_data[name])


class VoidEachForm(forms.Form):
    """The one reason for voiding the entries selected in the register (a flood of spam)."""

    reason = _note(_("Reason given"), required=True)


class WithdrawForm(MoveForm):
    reason = _note(_("What the customer said"), required=True)


def _level_field(label):
    return forms.TypedChoiceField(label=label, coerce=int, widget=forms.RadioSelect)


def _level_choices(complaint, levels):
    """Each level as the branch of this complaint's outlet that it names: 支行 海淀支行."""
    return [
        (level, f"{Branch.Level(level).label}：{complaint.branch_at(level).name}")
        for level in levels
    ]


class EscalateForm(MoveForm):
    """Up one level by default; a level further up needs a reason for the ones skipped
    (workflow.escalation_errors, whose refusal the page puts on skip_reason)."""

    to_level = _level_field(_("Escalate to"))
    reason = _note(_("Reason given"), required=True)
    skip_reason = _note(_("Why the levels in between are skipped"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        levels = levels_above(self.complaint)
        self.fields["to_level"].choices = _level_choices(self.complaint, levels)
        self.fields["to_level"].initial = levels[0] if levels else None


class HandBackForm(MoveForm):
    to_level = _level_field(_("Hand back to"))
    note = _note(_("Instructions for the level it goes back to"), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        levels = levels_below(self.complaint)
        self.fields["to_level"].choices = _level_choices(self.complaint, levels)
        self.fields["to_level"].initial = levels[0] if levels else None


class ExtensionRequestForm(MoveForm):
    reason = _note(_("Why more time is needed"), required=True)


def _approve():
    return forms.ChoiceField(label=_("Decision"), choices=APPROVE, widget=forms.RadioSelect)


class ExtendForm(MoveForm):
    approve = _approve()
    note = _note(_("Why (required for a refusal)"))

    def service_kwargs(self):
        return {**self.cleaned_data, "approve": self.cleaned_data["approve"] == "yes"}


def _told_method():
    return forms.ChoiceField(label=_("Customer told by"), choices=Complaint.ReplyMethod.choices)


def _told_at():
    return forms.DateTimeField(label=_("Customer told at"), initial=_now, **DATETIME)


class PauseForm(MoveForm):
    reason = forms.ChoiceField(label=_("Pause for"), choices=Pause.Reason.choices)
    note = _note(_("Details (who appraises or mediates, what)"), required=True)
    started_at = forms.DateTimeField(label=_("Paused from"), initial=_now, **DATETIME)
    told_method = _told_method()
    told_at = _told_at()


class ResumeForm(MoveForm):
    ended_at = forms.DateTimeField(label=_("Paused until"), initial=_now, **DATETIME)
    note = _note()


class NewMaterialsForm(MoveForm):
    arrived_at = forms.DateTimeField(label=_("Arrived at"), initial=_now, **DATETIME)
    what = _note(_("What arrived"), required=True)


class NoticeForm(MoveForm):
    subject = forms.ChoiceField(label=_("Notice of"), choices=CustomerNotice.Subject.choices)
    told_method = _told_method()
    told_at = _told_at()
    note = _note(_("What was said, call record"))
    file = forms.FileField(label=_("Proof (letter, SMS screenshot, recording)"), required=False)


CORRECTABLE = [
    (f, capfirst(Complaint._meta.get_field(f).verbose_name)) for f in Complaint.EVIDENCE_FIELDS
]


class CorrectionRequestForm(MoveForm):
    field = forms.ChoiceField(label=_("Field to correct"), choices=CORRECTABLE)
    new_value = forms.CharField(
        label=_("Correct value"),
        help_text=_(
            "A time as 2026-09-30 10:00; a kind, channel or complexity by its code "
            "(complaint, phone, complex …)."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = _note(_("Why the record is wrong"), required=True)


class CorrectionDecideForm(MoveForm):
    correction = forms.ModelChoiceField(label=_("Correction"), queryset=None)
    approve = _approve()
    note = _note(_("Why (required for a refusal)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["correction"].queryset = Correction.objects.filter(
            complaint=self.complaint, decision=Decision.PENDING
        ).exclude(requested_by=self.user)
        self.fields["correction"].label_from_instance = lambda c: (
            f"{capfirst(Complaint._meta.get_field(c.field).verbose_name)}: "
            f"“{c.old_value}” → “{c.new_value}”（{c.reason}）"
        )

    def service_kwargs(self):
        return {**self.cleaned_data, "approve": self.cleaned_data["approve"] == "yes"}


class ContactAttemptForm(MoveForm):
    attempted_at = forms.DateTimeField(label=_("Tried at"), initial=_now, **DATETIME)
    method = forms.ChoiceField(label=_("How"), choices=Complaint.ReplyMethod.choices)
    note = _note(_("What happened"))


class FollowUpForm(MoveForm):
    followed_up_at = forms.DateTimeField(label=_("Visit or call at"), initial=_now, **DATETIME)
    method = forms.ChoiceField(
        label=_("How"),
        choices=[(m.value, m.label) for m in Complaint.STAFF_FOLLOWUP_METHODS],
        initial=Complaint.FollowUpMethod.PHONE,
    )
    satisfaction = forms.ChoiceField(
        label=_("Outcome"), choices=Complaint.Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = _note(_("Customer's comment"))


class RegulatorFeedbackForm(MoveForm):
    fed_back_at = forms.DateTimeField(label=_("Feedback given at"), initial=_now, **DATETIME)
    feedback = _note(_("Feedback given to the transferring body"), required=True)


class HandleAgainForm(MoveForm):
    note = _note(_("What will be done differently"), required=True)


class ReviewRequestForm(MoveForm):
    requested_at = forms.DateTimeField(label=_("Requested at"), initial=_now, **DATETIME)
    request = _note(_("What the customer asks to be reviewed"), required=True)


class ReviewDecideForm(MoveForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Complaint.ReviewOutcome.choices, widget=forms.RadioSelect
    )
    findings = _note(_("Findings of the review"), required=True)


class MergeForm(MoveForm):
    into = forms.ModelChoiceField(label=_("Earlier entry of the same customer"), queryset=None)
    new_facts = forms.BooleanField(
        label=_("This repeat brings new facts or materials (restarts the regulatory period)"),
        required=False,
    )
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Candidates: earlier live entries of the same customer at any outlet the user sees.
        c = self.complaint
        same = Q(pk__in=[])
        if c.customer_phone:
            same |= Q(customer_phone=c.customer_phone)
        if c.customer_id_number:
            same |= Q(customer_id_number=c.customer_id_number)
        self.fields["into"].queryset = (
            scope_queryset(Complaint.objects.filter(same), self.user)
            .filter(received_at__lte=c.received_at)
            .exclude(pk=c.pk)
            .counted()
            .order_by("-received_at")[:200]
        )


class ReassignForm(MoveForm):
    handler = forms.ModelChoiceField(label=_("New handler"), queryset=None)
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Staff of this outlet and of the branches above it, within the user's scope.
        # Not the person complained about (回避; the service refuses them too).
        outlet = self.complaint.branch
        self.fields["handler"].queryset = _staff(
            self.user,
            get_user_model()
            .objects.filter(is_active=True, branch__in=[outlet, *outlet.ancestors()])
            .exclude(pk=self.complaint.complained_about_staff_id),
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
    review_right_told = forms.BooleanField(
        label=_("The customer was told of the right to a review (核查) within 30 days"),
        required=False,
    )
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.complaint.satisfaction != Complaint.Satisfaction.DISSATISFIED:
            del self.fields["review_right_told"]


def _label(field):
    return capfirst(Complaint._meta.get_field(field).verbose_name)


def _text(field, rows=None, label=None, **attrs):
    attrs["class"] = "form-control"
    widget = forms.Textarea(attrs={"rows": rows, **attrs}) if rows else forms.TextInput(attrs)
    return forms.CharField(label=label or _label(field), required=False, widget=widget)


def _buttons(field):
    """A choice of the entry as the register's form offers it (the model's own field), as
    large buttons; left out, the model's default."""
    return Complaint._meta.get_field(field).formfield(widget=forms.RadioSelect, required=False)


class IntakeForm(WhoComplainsMixin, forms.Form):
    """The first responder's quick intake on the tablet (首问负责制). Checks only the form's own
    shape; the entry is validated by the registration service, whose refusals the page puts
    back on these fields (add_service_errors), names matching its keyword arguments."""

    submission_token = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_label("kind"),
        choices=Complaint.Kind.choices,
        initial=Complaint.Kind.COMPLAINT,
        widget=forms.RadioSelect,
    )
    channel = forms.ChoiceField(
        label=_label("channel"),
        # A regulator transfer comes with the body's reference and feedback date: the
        # complaint manager registers it in the register (the tablet does not ask for them).
        choices=[
            c
            for c in Complaint.Channel.choices
            if c[0] in Complaint.STAFF_CHANNELS and c[0] != Complaint.Channel.REGULATOR
        ],
        initial=Complaint.Channel.ON_SITE,
        widget=forms.RadioSelect,
    )
    description = _text("description", rows=4)
    customer_request = _text("customer_request", rows=2)
    customer_name = _text("customer_name", autocomplete="off")
    customer_phone = _text("customer_phone", type="tel", inputmode="tel", autocomplete="off")
    # Who complains (issue 14 item 7), as on the register's form.
    complainant_kind = _buttons("complainant_kind")
    representative_name = _text("representative_name", autocomplete="off")
    customer_id_type = _buttons("customer_id_type")
    customer_id_number = _text("customer_id_number", autocomplete="off")
    complained_about = _text("complained_about")
    # Recusal (issue 14 item 4): a colleague of the outlet, besides the free text.
    complained_about_staff = forms.ModelChoiceField(
        label=_label("complained_about_staff"),
        queryset=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    is_urgent = forms.BooleanField(label=_("Urgent: tell the sub-branch head too"), required=False)
    resolved_on_spot = forms.BooleanField(label=_("Resolved on the spot"), required=False)
    reply_content = _text("reply_content", rows=2, label=_("How it was resolved"))
    customer_accepted = forms.BooleanField(
        label=_("Customer accepted the solution"), required=False, initial=True
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("submission_token", uuid.uuid4())
        # The first responder's own outlet: whom a customer at its counter complains about.
        self.fields["complained_about_staff"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, branch_id=user.branch_id)
            .order_by("last_name", "first_name", "username")
        )

    def choice_fields(self):
        return [self["kind"], self["channel"]]

    def typed_fields(self):
        """What the customer says and who they are, in the order of the page."""
        return [self[name] for name in self.TYPED]

    def about_fields(self):
        return [self[name] for name in ("complained_about", "complained_about_staff")]

    TYPED = ("description", "customer_request", "customer_name", "customer_phone")
    WHO_COMPLAINS = (
        "complainant_kind",
        "representative_name",
        "customer_id_type",
        "customer_id_number",
    )

    def who_complains(self):
        return [self[name] for name in self.WHO_COMPLAINS]

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        on_spot = {
            "reply_content": data.pop("reply_content"),
            "customer_accepted": data.pop("customer_accepted"),
        }
        data["on_spot"] = on_spot if data.pop("resolved_on_spot") else None
        return data

    def add_service_errors(self, error):
        """Put a refusal of the service on the field it names (the page's own, else on top)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.message_dict.items():
            self.add_error(field if field in self.fields else None, errors)


class CodeTableForm(forms.Form):
    """The official code table: a CSV file, or (confirming a preview) the rows it held."""

    file = forms.FileField(
        label=_("Code table (CSV)"),
        required=False,
        help_text=_("A header row, then one row per code: code, name (UTF-8 or GB18030)."),
    )
    rows_json = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        upload, previewed = self.cleaned_data.get("file"), self.cleaned_data.get("rows_json")
        if upload:
            self.cleaned_data["rows"] = read_code_table(upload.read())
        elif previewed:
            try:
                self.cleaned_data["rows"] = [(str(c), str(n)) for c, n in json.loads(previewed)]
            except (ValueError, TypeError):
                raise forms.ValidationError(_("Upload the code table again.")) from None
        else:
            raise forms.ValidationError(_("Choose the code table file."))
        return self.cleaned_data
