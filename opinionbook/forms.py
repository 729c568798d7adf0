import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint


def _text(label, max_length, *, required=False, rows=None, help_text=""):
    widget = forms.Textarea(attrs={"rows": rows, "maxlength": max_length}) if rows else None
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=widget,
        help_text=help_text,
        strip=True,
    )


class OpinionForm(forms.Form):
    """What a customer writes in an outlet's online opinion book. Lengths are capped well
    below the columns, so that nothing typed is cut; the entry itself is checked again by
    the register (Complaint.validate_entry)."""

    kind = forms.ChoiceField(
        label=_("This is"),
        choices=Complaint.Kind.choices,
        initial=Complaint.Kind.COMPLAINT,
        widget=forms.RadioSelect,
    )
    description = _text(
        _("What happened"),
        settings.OPINION_BOOK_TEXT_MAX_CHARS,
        required=True,
        rows=6,
        help_text=_("When, at which counter or service, and what happened."),
    )
    customer_request = _text(
        _("What you would like us to do"), settings.OPINION_BOOK_REQUEST_MAX_CHARS, rows=3
    )
    wants_reply = forms.BooleanField(label=_("I would like a reply"), required=False)
    customer_name = _text(_("Your name"), 50)
    customer_phone = _text(
        _("Your mobile or phone number"),
        20,
        help_text=_("Needed only if you would like a reply."),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that the bank uses my name and phone number to handle this entry and to "
            "contact me about it, and for nothing else."
        ),
        required=False,
    )
    submission_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.TextInput | forms.Textarea):
                field.widget.attrs["class"] = "form-control"
        self.fields["kind"].widget.attrs["class"] = "form-check-input"
        self.fields["customer_phone"].widget.attrs.update(
            {"inputmode": "tel", "autocomplete": "tel"}
        )
        self.fields["customer_name"].widget.attrs.update({"autocomplete": "name"})
        if not self.is_bound:
            self.initial.setdefault("submission_token", uuid.uuid4())

    def clean(self):
        data = super().clean()
        if data.get("wants_reply") and not data.get("customer_phone"):
            self.add_error(
                "customer_phone", _("Leave a phone number, so that we can reply to you.")
            )
        if (data.get("customer_name") or data.get("customer_phone")) and not data.get("consent"):
            self.add_error(
                "consent",
                _("Please agree to the use of your name and number, or leave both empty."),
            )
        return data

    def entry(self) -> dict:
        """The register entry's fields, as opinion_submit takes them."""
        data = self.cleaned_data
        return {
            key: data[key]
            for key in (
                "kind",
                "description",
                "customer_request",
                "customer_name",
                "customer_phone",
                "submission_token",
            )
        }


def refusal_errors(form: OpinionForm, exc: ValidationError) -> None:
    """Put the register's refusal on the form's fields where they exist."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class _ReferenceForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference"), max_length=40, help_text=_("For example TS-BJ0101-202612-0001.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.update(
                {
                    "class": "form-control font-monospace",
                    "autocomplete": "off",
                    "autocapitalize": "characters",
                    "spellcheck": "false",
                }
            )


class LookupForm(_ReferenceForm):
    code = forms.CharField(label=_("Lookup code"), max_length=20)


class PhoneCodeForm(_ReferenceForm):
    """A lost lookup code: a one-time code to the phone the customer gave, if these match."""

    last_digits = forms.RegexField(
        label=_("Last 4 digits of your mobile number"),
        regex=r"^\d{4}$",
        error_messages={"invalid": _("Enter the last 4 digits of your mobile number.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["last_digits"].widget.attrs.update({"inputmode": "numeric", "maxlength": 4})


class SatisfactionForm(forms.Form):
    """The customer's own follow-up: a rating of the reply and a comment."""

    satisfaction = forms.ChoiceField(
        label=_("Are you satisfied with how we handled your complaint?"),
        choices=[(r.value, r.label) for r in Complaint.RATINGS],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    comment = _text(
        _("Anything you would like to tell us"),
        settings.OPINION_BOOK_REQUEST_MAX_CHARS,
        rows=4,
        help_text=_("If you are not satisfied, tell us why: the complaint is looked at again."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].widget.attrs["class"] = "form-control"
