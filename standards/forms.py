from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from branchservice.files import file_format, read_head
from branchservice.tabular import ColumnMappingForm

from .manual import REQUIRED_FIELDS, ManualField
from .models import EVIDENCE_FORMATS, AnswerType, ChecklistAnswer
from .services import AnswerInput, answer_problems


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """One kind of evidence an answer may carry: its form field (prefix + item id), its
    limit and formats (said before the upload, checked after it on the content, never the
    name), and its scoped download (standards:<kind>)."""

    kind: str  # the answer's field
    prefix: str
    label: str
    saved_label: str
    accept: str
    capture: bool  # the file input offers the device's recorder or camera
    limit_setting: str
    formats_named: str
    too_large: str
    not_this: str

    @property
    def formats(self) -> tuple[str, ...]:
        return tuple(EVIDENCE_FORMATS[self.kind])

    @property
    def url_name(self) -> str:
        return f"standards:{self.kind}"

    @property
    def max_bytes(self) -> int:
        return getattr(settings, self.limit_setting)

    def help_text(self) -> str:
        return _("%(formats)s, up to %(limit)s.") % {
            "formats": self.formats_named,
            "limit": filesizeformat(self.max_bytes),
        }

    def too_large_before_upload(self) -> str:
        """What the page says at once when a file chosen is above the limit (its size is
        known before it is sent)."""
        return _("This file is too large; the limit is %(limit)s. Choose a smaller one.") % {
            "limit": filesizeformat(self.max_bytes)
        }


EVIDENCE = (
    Evidence(
        kind="photo",
        prefix="p",
        label=_("Photo"),
        saved_label=_("Photo saved"),
        accept="image/jpeg,image/png,image/webp",
        capture=False,
        limit_setting="STANDARDS_PHOTO_MAX_BYTES",
        formats_named=_("JPEG, PNG or WebP"),
        too_large=_("The photo is too large (%(size)s); the limit is %(limit)s."),
        not_this=_("This file is not a photo. Use a JPEG, PNG or WebP image."),
    ),
    Evidence(
        kind="audio",
        prefix="a",
        label=_("Audio note"),
        saved_label=_("Audio note saved"),
        # Any recording: on a phone or tablet `capture` offers the recorder; the content is
        # checked on arrival.
        accept="audio/*",
        capture=True,
        limit_setting="STANDARDS_AUDIO_MAX_BYTES",
        formats_named=_("M4A, AAC, MP3, WebM, Ogg or WAV"),
        too_large=_("The audio note is too large (%(size)s); the limit is %(limit)s."),
        not_this=_(
            "This file is not an audio recording. Use an M4A, AAC, MP3, WebM, Ogg or WAV recording."
        ),
    ),
)


class EvidenceField(forms.FileField):
    def __init__(self, *, evidence: Evidence, **kwargs):
        self.evidence = evidence
        super().__init__(label=evidence.label, required=False, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or not hasattr(upload, "read"):
            return upload
        evidence = self.evidence
        if upload.size > evidence.max_bytes:
            raise forms.ValidationError(
                evidence.too_large
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(evidence.max_bytes)}
            )
        kind = file_format(read_head(upload), among=evidence.formats)
        if kind is None:
            raise forms.ValidationError(evidence.not_this)
        upload.name = f"{evidence.kind}.{kind}"
        return upload


# The answer buttons' colours by result (a score's buttons are all "primary").
BUTTON_STYLES = {
    ChecklistAnswer.Result.PASS: "success",
    ChecklistAnswer.Result.FAIL: "danger",
    ChecklistAnswer.Result.NOT_APPLICABLE: "secondary",
}


class ChecklistForm(forms.Form):
    """One form for a whole checklist: per item a result (or score), a comment, a photo and
    an audio note.

    Field names carry the item id: r<id>, c<id>, p<id> (photo), a<id> (audio).
    `self.sections` lists, per frozen section, the items with their answers so far;
    `layout()` gives the page what it draws.
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
        for evidence in EVIDENCE:
            self.fields[f"{evidence.prefix}{item.pk}"] = EvidenceField(evidence=evidence)

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
        evidence_texts = [
            (evidence, evidence.help_text(), evidence.too_large_before_upload())
            for evidence in EVIDENCE
        ]
        blocks = []
        for block in self.sections:
            rows = []
            for row in block["rows"]:
                pk = row["item"].pk
                answer = row["answer"]
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
                        "evidence": [
                            {
                                "spec": evidence,
                                "help": help_text,
                                "too_large": too_large,
                                "name": f"{evidence.prefix}{pk}",
                                "saved": bool(answer and getattr(answer, evidence.kind)),
                                "errors": errors.get(f"{evidence.prefix}{pk}", []),
                            }
                            for evidence, help_text, too_large in evidence_texts
                        ],
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
        """What was entered, for every item touched now or before (a kept photo or audio note
        by name)."""
        inputs = {}
        for item in self.items:
            raw = self.cleaned_data.get(f"r{item.pk}") or ""
            comment = self.cleaned_data.get(f"c{item.pk}") or ""
            uploads = {e.kind: self.cleaned_data.get(f"{e.prefix}{item.pk}") for e in EVIDENCE}
            existing = self.answers.get(item.pk)
            if not (raw or comment or any(uploads.values()) or existing):
                continue
            answer = AnswerInput(comment=comment)
            if item.answer_type == AnswerType.SCORE:
                answer.score = int(raw) if raw else None
            else:
                answer.result = raw
            for kind, upload in uploads.items():
                kept = getattr(existing, kind) if existing else None
                setattr(answer, kind, upload or (kept.name if kept else ""))
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
