"""One rectification (整改) for every finding: a complaint where the bank was at fault, a failed
checklist item, an inspection finding. Written only by the services in services.py."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from branchservice.calendar import add_working_days
from branchservice.models import Branch

from .sources import source_choices


class RectificationQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Rectification.Status.OPEN)

    def overdue(self, today=None):
        return self.open().filter(due_date__lt=today or timezone.localdate())

    def awaiting_verification(self):
        return self.filter(status=Rectification.Status.DONE)


class Rectification(models.Model):
    """A required action with a responsible person and a due date, done with evidence and
    verified (验收) by someone else; a rejected verification reopens it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done, awaiting verification")
        VERIFIED = "verified", _("Verified")
        # Its own context: "cancelled" elsewhere (取消) is not a rectification's 撤销.
        CANCELLED = "cancelled", pgettext_lazy("rectification", "Cancelled")

    outlet = models.ForeignKey(
        Branch, verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="rectifications"
    )
    # The finding: a domain row (a complaint, a checklist answer) that points down here
    # through a GenericRelation; the label is a snapshot so lists and exports need no join.
    source_kind = models.CharField(_("source"), max_length=20, choices=source_choices)
    source_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    source_id = models.PositiveBigIntegerField()
    source = GenericForeignKey("source_type", "source_id")
    source_label = models.CharField(_("finding"), max_length=200)

    required_action = models.TextField(_("required action"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        on_delete=models.PROTECT,
        related_name="rectifications_owned",
    )
    responsible_department = models.CharField(
        _("responsible department"), max_length=100, blank=True
    )
    due_date = models.DateField(_("due date"))
    # A due date counted in working days (a failed checklist item's: N working days after the
    # check) is counted again when the calendar changes; a date a person chose has neither.
    due_counted_from = models.DateField(
        _("due date counted from"), null=True, blank=True, editable=False
    )
    due_working_days = models.PositiveSmallIntegerField(
        _("working days allowed"), null=True, blank=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )

    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("raised at"), default=timezone.now, editable=False)
    evidence = models.TextField(_("evidence of completion"), blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason the verification was rejected"), blank=True)
    rejected_at = models.DateTimeField(_("verification rejected at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    objects = RectificationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["due_date", "pk"]
        indexes = [
            # The reminder scan: open rectifications due by a day.
            models.Index(
                fields=["due_date"], condition=Q(status="open"), name="rectification_open_idx"
            ),
            # A source's rectifications (the complaint page, the checklist result page).
            models.Index(fields=["source_type", "source_id"], name="rectification_source_idx"),
        ]

    def __str__(self):
        return f"{self.source_label} · {self.required_action[:40]}"

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == self.Status.OPEN and self.due_date < today

    def counted_due_date(self):
        """The due date its count gives on today's calendar of its outlet, never before the
        day it was raised (a late submit); None for a date a person chose."""
        if self.due_working_days is None:
            return None
        return max(
            add_working_days(self.due_counted_from, self.due_working_days, branch=self.outlet_id),
            timezone.localdate(self.created_at),
        )

    @property
    def is_rejected(self) -> bool:
        """Reopened by a rejected verification and not done again since."""
        return self.status == self.Status.OPEN and bool(self.rejection_reason)


# Open first, then those awaiting verification, then the finished ones (lists and exports).
OPEN_FIRST = Case(
    When(status=Rectification.Status.OPEN, then=Value(0)),
    When(status=Rectification.Status.DONE, then=Value(1)),
    default=Value(2),
)


def evidence_path(instance, filename):
    return f"rectifications/{instance.rectification_id}/{filename}"


class EvidenceFile(models.Model):
    """A photo or scan proving the action done; served only by a scoped admin view."""

    rectification = models.ForeignKey(
        Rectification,
        verbose_name=_("rectification"),
        on_delete=models.PROTECT,
        related_name="files",
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name
