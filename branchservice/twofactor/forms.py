from django import forms
from django.utils.translation import pgettext_lazy


class CodeForm(forms.Form):
    code = forms.CharField(
        # A context of its own: the report workbooks' "Code" column is a branch code.
        label=pgettext_lazy("second factor", "Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, app_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        if app_only:
            # Enrolment takes the app's six digits: the phone's number pad.
            self.fields["code"].widget.attrs.update({"inputmode": "numeric", "pattern": "[0-9 ]*"})
