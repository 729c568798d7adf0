"""Service standards: the catalogue, versioned checklist templates, filled checklists and
excused missed days (a failure's rectification is branchservice.rectifications').

A template is edited as a draft (TemplateSection/TemplateItem rows hanging off the template)
and published as an immutable TemplateVersion whose VersionSection/VersionItem rows are copies.
A filled Checklist points at one version and its answers at that version's items, so a later
edit of the template never changes what a past checklist asked.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branchservice.models import Branch


class ServiceProcess(models.Model):
    """A service process of the standards manual (opening and welcome, consultation, ...)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service process")
        verbose_name_plural = _("service processes")
        ordering = ["position", "code"]

    def __str__(self):
        return self.name


class ScenarioQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)


class StandardScenario(models.Model):
    """A numbered scenario of a process: the situation, what staff do, what they say, who does
    it and what is checked.

    Scenarios are numbered straight through the manual (1 to about 38), not within a process.
    A row is never edited by an import once written: a changed scenario is a new revision of
    the same number (the old row stays, no longer current), so a published template version,
    whose items point at the old row, keeps showing the phrase it was published with.
    """

    process = models.ForeignKey(
        ServiceProcess,
        verbose_name=_("service process"),
        on_delete=models.PROTECT,
        related_name="scenarios",
    )
    number = models.PositiveSmallIntegerField(_("number"))
    revision = models.PositiveSmallIntegerField(_("revision"), default=1, editable=False)
    is_current = models.BooleanField(
        _("current revision"),
        default=True,
        editable=False,
        help_text=_("Only the current revision of a number is offered for new items."),
    )
    title = models.CharField(_("title"), max_length=100)
    situation = models.TextField(_("situation"))
    expected_action = models.TextField(_("expected service action"))
    standard_phrase = models.TextField(_("standard phrase"), blank=True)
    responsible_roles = models.CharField(_("responsible roles"), max_length=200, blank=True)
    key_control_points = models.TextField(_("key control points"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScenarioQuerySet.as_manager()
    history = HistoricalRecords()

    # What an import compares and writes (the manual's columns, besides the number).
    CONTENT_FIELDS = (
        "process_id",
        "title",
        "situation",
        "expected_action",
        "standard_phrase",
        "responsible_roles",
        "key_control_points",
    )

    class Meta:
        verbose_name = _("standard scenario")
        verbose_name_plural = _("standard scenarios")
        ordering = ["number", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["number", "revision"], name="standards_scenario_unique_revision"
            ),
            models.UniqueConstraint(
                fields=["number"],
                condition=models.Q(is_current=True),
                name="standards_scenario_one_current_per_number",
            ),
        ]

    def __str__(self):
        text = f"{self.number}. {self.title}"
        if self.revision > 1:
            text += " " + _("(revision %(revision)s)") % {"revision": self.revision}
        return text


class TemplateKind(models.TextChoices):
    DAILY = "daily", _("Daily outlet self-check")
    MYSTERY_SHOPPER = "mystery", _("Mystery-shopper visit")
    INSPECTION = "inspection", _("Branch inspection")


# Visits and inspections judge an outlet: the outlet and its sub-branch neither fill them
# (standards.services) nor see them while under way (ChecklistQuerySet.seen_by).
INDEPENDENT_KINDS = frozenset({TemplateKind.MYSTERY_SHOPPER, TemplateKind.INSPECTION})


class ChecklistPart(models.TextChoices):
    """When in the outlet's day a section is checked; each part is due at its own time
    (standards.due). Listed in the order of the day."""

    OPENING = "opening", _("Opening check")
    DAYTIME = "daytime", _("Daytime check")
    CLOSING = "closing", _("Closing check")


def part_field():
    return models.CharField(
        _("part of the day"),
        max_length=10,
        choices=ChecklistPart.choices,
        default=ChecklistPart.DAYTIME,
        help_text=_(
            "Opening checks are due when the outlet opens, closing checks after it closes; "
            "the others by the day's due time."
        ),
    )


class AnswerType(models.TextChoices):
    PASS_FAIL = "pass_fail", _("Pass / fail / not applicable")
    SCORE = "score", _("Score 0 to N")


class ItemRules(models.Model):
    """What an item asks and how a failure is judged; shared by draft and frozen items."""

    text = models.CharField(_("item"), max_length=300)
    scenario = models.ForeignKey(
        StandardScenario,
        verbose_name=_("standard scenario"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        # A draft item takes the current revision; a published one keeps the revision it had.
        limit_choices_to={"is_current": True},
    )
    answer_type = models.CharField(
        _("answer type"), max_length=10, choices=AnswerType.choices, default=AnswerType.PASS_FAIL
    )
    max_score = models.PositiveSmallIntegerField(
        _("maximum score"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("For scored items: the best score. Pass/fail items ignore it."),
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    is_critical = models.BooleanField(
        _("critical"),
        default=False,
        help_text=_("A failure raises a rectification."),
    )
    failure_needs_comment = models.BooleanField(_("failure needs a comment"), default=True)
    failure_needs_photo = models.BooleanField(_("failure needs a photo"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return self.text

    def is_failure(self, *, result: str, score: int | None) -> bool:
        """A pass/fail item fails on "fail"; a scored item fails below half its maximum."""
        if self.answer_type == AnswerType.SCORE:
            return score is not None and score * 2 < self.max_score
        return result == ChecklistAnswer.Result.FAIL


class ChecklistTemplate(models.Model):
    """A checklist as head office maintains it. Its sections and items are the draft; checklists
    are filled against published versions only."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=TemplateKind.choices)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    current_version = models.ForeignKey(
        "TemplateVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["kind", "code"]

    def __str__(self):
        return self.name


class TemplateSection(models.Model):
    """A section of a template's draft."""

    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("template"),
        on_delete=models.CASCADE,
        related_name="sections",
    )
    title = models.CharField(_("title"), max_length=100)
    part = part_field()
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("template section (draft)")
        verbose_name_plural = _("template sections (draft)")
        ordering = ["template", "position", "id"]

    def __str__(self):
        return f"{self.template.name} · {self.title}"


class TemplateItem(ItemRules):
    """An item of a template's draft."""

    section = models.ForeignKey(
        TemplateSection, verbose_name=_("section"), on_delete=models.CASCADE, related_name="items"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("template item (draft)")
        verbose_name_plural = _("template items (draft)")
        ordering = ["section", "position", "id"]


class TemplateVersion(models.Model):
    """A published, immutable copy of a template's sections and items."""

    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("template"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("version"))
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("what changed"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"], name="standards_version_unique_number"
            )
        ]

    def __str__(self):
        return _("%(template)s, version %(number)s") % {
            "template": self.template.name,
            "number": self.number,
        }


class VersionSection(models.Model):
    version = models.ForeignKey(
        TemplateVersion,
        verbose_name=_("template version"),
        on_delete=models.PROTECT,
        related_name="sections",
    )
    title = models.CharField(_("title"), max_length=100)
    part = part_field()
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("published section")
        verbose_name_plural = _("published sections")
        ordering = ["version", "position", "id"]

    def __str__(self):
        return self.title


class VersionItem(ItemRules):
    version = models.ForeignKey(
        TemplateVersion,
        verbose_name=_("template version"),
        on_delete=models.PROTECT,
        related_name="items",
    )
    section = models.ForeignKey(
        VersionSection, verbose_name=_("section"), on_delete=models.PROTECT, related_name="items"
    )

    class Meta:
        verbose_name = _("published item")
        verbose_name_plural = _("published items")
        ordering = ["version", "section__position", "position", "id"]


class ChecklistQuerySet(models.QuerySet):
    def done(self):
        """Checklists that count as filled in: submitted, or signed off."""
        return self.filter(status__in=Checklist.DONE_STATUSES)

    def daily(self):
        return self.filter(template__kind=TemplateKind.DAILY)

    def with_critical_failures(self):
        return self.filter(critical_failures__gt=0)

    def seen_by(self, user):
        """Without the visits and inspections under way when `user` works at an outlet or a
        sub-branch: every outlet in such a scope is one they answer for. An outside firm's
        inspector sees its kind of visit only."""
        if user.firm_id is not None:
            # An outside firm's inspector reads the visits and inspections at the outlets it
            # is hired for, not the outlet's own checks, and none under way but its own.
            return self.filter(template__kind__in=INDEPENDENT_KINDS).exclude(
                Q(status__in=Checklist.EDITABLE_STATUSES) & ~Q(created_by=user)
            )
        branch = user.branch
        if branch is None or branch.level < branch.Level.SUB_BRANCH:
            return self
        return self.exclude(
            template__kind__in=INDEPENDENT_KINDS, status__in=Checklist.EDITABLE_STATUSES
        )


class Checklist(models.Model):
    """One outlet's checklist of one template on one business day."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        REVIEWED = "reviewed", _("Signed off")
        REOPENED = "reopened", _("Reopened")

    EDITABLE_STATUSES = (Status.DRAFT, Status.REOPENED)
    DONE_STATUSES = (Status.SUBMITTED, Status.REVIEWED)

    branch = models.ForeignKey(
        Branch, verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="checklists"
    )
    business_date = models.DateField(_("business date"))
    # The template is kept beside the version so that "one per outlet, day and template" is a
    # plain database constraint even when a new version is published during the day.
    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("template"),
        on_delete=models.PROTECT,
        related_name="checklists",
    )
    template_version = models.ForeignKey(
        TemplateVersion,
        verbose_name=_("template version"),
        on_delete=models.PROTECT,
        related_name="checklists",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # Bumped by every save: a save carrying an older revision (a second tab, another device)
    # is refused instead of silently overwriting newer answers.
    revision = models.PositiveIntegerField(_("revision"), default=1)
    # Given by checklist_start (a visit entered afterwards starts when it was made).
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("last saved at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last saved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    score = models.DecimalField(
        _("score (%)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    failed_items = models.PositiveSmallIntegerField(_("failed items"), default=0)
    critical_failures = models.PositiveSmallIntegerField(_("critical failures"), default=0)
    reviewed_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed off by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_note = models.TextField(_("reviewer's note"), blank=True)

    objects = ChecklistQuerySet.as_manager()

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["-business_date", "branch__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "business_date", "template"],
                name="standards_checklist_one_per_outlet_day_template",
            )
        ]
        indexes = [
            # Review list and missed-day selector: checklists of many outlets in a date range.
            models.Index(fields=["business_date", "branch"], name="standards_cl_date_branch"),
        ]
        permissions = [("review_checklist", _("Can sign off and reopen checklists"))]

    def __str__(self):
        return f"{self.branch.name} {self.business_date:%Y-%m-%d} {self.template.name}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    @property
    def is_done(self) -> bool:
        return self.status in self.DONE_STATUSES


def compute_score(items_and_answers) -> tuple[Decimal | None, int, int]:
    """Weighted percentage over the applicable items, number of failures, critical failures.

    `items_and_answers` yields (VersionItem, result, score). Not-applicable items count neither
    way; a scored item contributes score/max of its weight.
    """
    earned = Decimal(0)
    possible = Decimal(0)
    failed = critical = 0
    for item, result, score in items_and_answers:
        if item.answer_type == AnswerType.SCORE:
            if score is None:
                continue
            fraction = Decimal(score) / Decimal(item.max_score)
        elif result in (ChecklistAnswer.Result.NOT_APPLICABLE, ""):
            continue
        else:
            fraction = Decimal(1 if result == ChecklistAnswer.Result.PASS else 0)
        earned += fraction * item.weight
        possible += item.weight
        if item.is_failure(result=result, score=score):
            failed += 1
            critical += item.is_critical
    if not possible:
        return None, failed, critical
    percent = (earned * 100 / possible).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return percent, failed, critical


# The evidence an answer may carry beside its comment, by its field: the formats accepted (as
# branchservice.files recognises them by their content) and the type each is served as. The
# kinds share no format, so a photo and an audio note of one answer never share a file name.
EVIDENCE_FORMATS = {
    "photo": {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"},
    # What phones record (M4A, AAC, MP3, WAV) and what a browser records (WebM or Ogg Opus);
    # not AMR, which no browser plays on the reviewer's page.
    "audio": {
        "m4a": "audio/mp4",
        "aac": "audio/aac",
        "mp3": "audio/mpeg",
        "webm": "audio/webm",
        "ogg": "audio/ogg",
        "wav": "audio/wav",
    },
}


def answer_evidence_path(answer, filename):
    # The outlet and date in the path keep a photo or audio note findable on disk without the
    # database.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return (
        f"checklists/{answer.checklist.branch_id}/{answer.checklist.business_date:%Y/%m/%d}/"
        f"{answer.checklist_id}-{answer.item_id}.{suffix}"
    )


class ChecklistAnswer(models.Model):
    """The answer to one frozen item. Written in bulk (upsert on checklist+item)."""

    class Result(models.TextChoices):
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")
        NOT_APPLICABLE = "na", _("Not applicable")

    checklist = models.ForeignKey(
        Checklist, verbose_name=_("checklist"), on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(
        VersionItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="answers"
    )
    result = models.CharField(_("result"), max_length=4, choices=Result.choices, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    # Stored so that "most failed items" is a plain indexed count over millions of answers.
    failed = models.BooleanField(_("failed"), default=False)
    comment = models.TextField(_("comment"), blank=True)
    photo = models.FileField(_("photo"), upload_to=answer_evidence_path, blank=True, max_length=200)
    audio = models.FileField(
        _("audio note"), upload_to=answer_evidence_path, blank=True, max_length=200
    )
    # The rectification raised for this failure (branchservice.rectifications; at most one, the
    # services see to it).
    rectifications = GenericRelation(
        "rectifications.Rectification",
        content_type_field="source_type",
        object_id_field="source_id",
        related_query_name="checklist_answer",
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "item"], name="standards_answer_one_per_item"
            )
        ]

    def __str__(self):
        return f"{self.item} → {self.get_result_display() or self.score}"

    def evidence_type(self, kind: str) -> str:
        """The content type the stored photo or audio note is served as."""
        extension = getattr(self, kind).name.rsplit(".", 1)[-1].lower()
        return EVIDENCE_FORMATS[kind].get(extension, "application/octet-stream")

    @property
    def passed(self) -> bool | None:
        """True or False for a judged answer; None when not applicable or not answered."""
        if self.failed:
            return False
        if self.result == self.Result.NOT_APPLICABLE or (not self.result and self.score is None):
            return None
        return True


class ChecklistEvent(models.Model):
    """The record of what happened to a checklist: submitted, signed off, reopened (and why)."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        SIGNED_OFF = "signed_off", _("Signed off")
        REOPENED = "reopened", _("Reopened")

    checklist = models.ForeignKey(
        Checklist, verbose_name=_("checklist"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("checklist event")
        verbose_name_plural = _("checklist events")
        ordering = ["checklist", "at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class MissedChecklistExcuse(models.Model):
    """A branch manager's reason why an outlet had no daily checklist on a business day."""

    branch = models.ForeignKey(
        Branch, verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="+"
    )
    business_date = models.DateField(_("business date"))
    reason = models.TextField(_("reason"))
    excused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("excused by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    excused_at = models.DateTimeField(_("excused at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("excused missed checklist")
        verbose_name_plural = _("excused missed checklists")
        ordering = ["-business_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "business_date"], name="standards_excuse_one_per_outlet_day"
            )
        ]

    def __str__(self):
        return f"{self.branch.name} {self.business_date:%Y-%m-%d}"


class CatalogueImport(models.Model):
    """A file of the bank's service manual, uploaded to be mapped, previewed and imported into
    the catalogue (standards.services.catalogue_import). Kept as the record of what was
    imported, by whom, and which templates' drafts it changed."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded, not imported")
        IMPORTED = "imported", _("Imported")

    file = models.FileField(_("file"), upload_to="catalogue-imports/%Y/%m/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED
    )
    columns = models.JSONField(_("column mapping"), default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    created_scenarios = models.PositiveSmallIntegerField(_("new scenarios"), default=0)
    revised_scenarios = models.PositiveSmallIntegerField(_("revised scenarios"), default=0)
    unchanged_scenarios = models.PositiveSmallIntegerField(_("unchanged scenarios"), default=0)
    # Names of the templates whose drafts now point at revised scenarios (to be published).
    changed_drafts = models.JSONField(_("drafts changed"), default=list, blank=True)

    class Meta:
        verbose_name = _("manual import")
        verbose_name_plural = _("manual imports")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.original_name} {self.uploaded_at:%Y-%m-%d %H:%M}"
