from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from branchservice.files import file_format, read_head
from branchservice.tabular import ColumnMappingForm

from .manual import REQUIRED_FIELDS, ManualField
from .models import AnswerType, ChecklistAnswer
from .services import AnswerInput, answer_problems

# The photo formats phones and tablets produce, recognised by their content (branchservice.files).
PHOTO_FORMATS = ("jpg", "png", "webp")


class PhotoField(forms.FileField):
    widget = forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or not hasattr(upload, "read"):
            return upload
        limit = settings.STANDARDS_PHOTO_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The photo is too large (%(size)s); the limit is %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        kind = file_format(read_head(upload), among=PHOTO_FORMATS)
        if kind is None:
            raise forms.ValidationError(
                _("This file is not a photo. Use a JPEG, PNG or WebP image.")
            )
        upload.name = f"photo.{kind}"
        return upload


# The answer buttons' colours by result (a score's buttons are all "primary").
BUTTON_STYLES = {
    ChecklistAnswer.Result.PASS: "success",
    ChecklistAnswer.Result.FAIL: "danger",
    ChecklistAnswer.Result.NOT_APPLICABLE: "secondary",
}


class ChecklistForm(forms.Form):
    """One form for a whole checklist: per item a result (or score), a comment and a photo.

    Field names carry the item id: r<id>, c<id>, p<id>. `self.sections` lists, per frozen
    section, the items with their answers so far; `layout()` gives the page what it draws.
    """

    SAVE, SUBMIT = "save", "submit"

    def __init__(self, *args, sections, answers, **kwargs):
        super().__init__(*args, **kwargs)
        self.answers = answers
        self.items = []
        self.sections = []
        for section in sections:
            rows = []
            for item in section.items.all():
                self.items.append(item)
                self._add_item_fields(item, answers.get(item.pk))
                rows.append({"item": item, "answer": answers.get(item.pk)})
            self.sections.append({"section": section, "rows": rows})

    def _add_item_fields(self, item, answer):
        if item.answer_type == AnswerType.SCORE:
            choices = [(str(n), str(n)) for n in range(item.max_score + 1)]
            initial = "" if answer is None or answer.score is None else str(answer.score)
        else:
            choices = ChecklistAnswer.Result.choices
            initial = answer.result if answer else ""
        self.fields[f"r{item.pk}"] = forms.ChoiceField(
            label=item.text,
            choices=choices,
            required=False,
            initial=initial,
            widget=forms.RadioSelect(attrs={"class": "btn-check"}),
        )
        self.fields[f"c{item.pk}"] = forms.CharField(
            label=_("Comment"),
            required=False,
            initial=answer.comment if answer else "",
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 2}),
        )
        self.fields[f"p{item.pk}"] = PhotoField(label=_("Photo"), required=False)

    def layout(self) -> list[dict]:
        """Per section, each item's buttons, comment and errors as plain values: the page
        writes its inputs itself, since rendering 180 widgets and fields through their
        templates was most of its time (bench/standards_bench.py). The names, ids and values
        are the fields' own, so the form reads them back as before."""
        errors = self.errors if self.is_bound else {}
        pass_fail = [
            (value, str(label), BUTTON_STYLES[value])
            for value, label in ChecklistAnswer.Result.choices
        ]
        blocks = []
        for block in self.sections:
            rows = []
            for row in block["rows"]:
                pk = row["item"].pk
                result = self.fields[f"r{pk}"]
                if row["item"].answer_type == AnswerType.SCORE:
                    choices = [(value, value, "primary") for value, _label in result.choices]
                else:
                    choices = pass_fail
                chosen = self._shown(f"r{pk}")
                rows.append(
                    {
                        **row,
                        # Text, as written in ids and names: an int would be localised each time.
                        "pk": str(pk),
                        "buttons": [
                            (value, label, style, f"id_r{pk}_{index}", value == chosen)
                            for index, (value, label, style) in enumerate(choices)
                        ],
                        "comment": self._shown(f"c{pk}"),
                        "errors": errors.get(f"r{pk}", []),
                        "comment_errors": errors.get(f"c{pk}", []),
                        "photo_errors": errors.get(f"p{pk}", []),
                    }
                )
            blocks.append({**block, "rows": rows})
        return blocks

    def _shown(self, name) -> str:
        """What a field shows: what was posted, or its initial value (as BoundField.value())."""
        if self.is_bound:
            return self.data.get(name, "")
        return self.fields[name].initial or ""

    def answer_inputs(self) -> dict[int, AnswerInput]:
        """What was entered, for every item touched now or before (a kept photo by name)."""
        inputs = {}
        for item in self.items:
            raw = self.cleaned_data.get(f"r{item.pk}") or ""
            comment = self.cleaned_data.get(f"c{item.pk}") or ""
            upload = self.cleaned_data.get(f"p{item.pk}")
            existing = self.answers.get(item.pk)
            if not (raw or comment or upload or existing):
                continue
            answer = AnswerInput(comment=comment)
            if item.answer_type == AnswerType.SCORE:
                answer.score = int(raw) if raw else None
            else:
                answer.result = raw
            answer.photo = upload or (existing.photo.name if existing and existing.photo else "")
            inputs[item.pk] = answer
        return inputs

    def check_complete(self, inputs: dict[int, AnswerInput]) -> bool:
        """Mark every item that keeps the checklist from being submitted; True if none.

        Takes the inputs read before: marking an error drops the field from cleaned_data."""
        problems = answer_problems(self.items, inputs)
        for item_id, messages in problems.items():
            for message in messages:
                self.add_error(f"r{item_id}", message)
        return not problems


class AnswerForm(forms.Form):
    """One answer saved on its own, as the checklist page sends it while it is filled in:
    `result` for a pass/fail item, `score` for a scored one. The service checks the value
    against the item."""

    item = forms.IntegerField(min_value=1)
    revision = forms.IntegerField(min_value=0)
    result = forms.CharField(required=False, max_length=4)
    score = forms.IntegerField(required=False, min_value=0, max_value=100)
    comment = forms.CharField(required=False, max_length=2000, strip=False)

    def answer_input(self) -> AnswerInput:
        data = self.cleaned_data
        return AnswerInput(result=data["result"], score=data["score"], comment=data["comment"])


class ManualUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Service manual"),
        help_text=_(
            "The bank's service manual as a table, one scenario a row: CSV (UTF-8 or GBK) or "
            ".xlsx. Its first row names the columns."
        ),
    )


class ManualMappingForm(ColumnMappingForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, fields=ManualField, required=REQUIRED_FIELDS, **kwargs)
