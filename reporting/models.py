"""Built report files (frozen, versioned) and their download log."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branchservice.exports.models import PENDING, JobStatus, stale_before
from branchservice.models import Branch

from .periods import Period, PeriodKind


def report_upload_to(instance, filename):
    return f"reports/{instance.report_period.key}/{filename}"


class ReportFileQuerySet(models.QuerySet):
    def ready(self):
        return self.filter(status=JobStatus.READY)

    def pending(self):
        return self.filter(status__in=PENDING)

    def stale(self, now=None):
        return self.pending().filter(requested_at__lt=stale_before(now))


class ReportFile(models.Model):
    """One built report. Never overwritten: a rebuild is a new row with the next version."""

    class Kind(models.TextChoices):
        # The summary of a month, quarter, half-year or year (period_kind says which).
        SUMMARY = "summary", _("Service quality summary")
        # The regulator's tables and the disclosure figures (reporting.regulatory).
        REGULATORY = "regulatory", _("Regulatory complaint statistics")

    scope = models.ForeignKey(
        Branch, verbose_name=_("scope"), on_delete=models.PROTECT, related_name="report_files"
    )
    period = models.DateField(_("period"), help_text=_("First day of the period reported on."))
    # 1 January starts a month, a quarter, a half-year and a year: the kind tells them apart.
    period_kind = models.CharField(
        _("period kind"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    # Exactly one of the two says who asked: a person (build now) or the schedule.
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("built by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    by_schedule = models.BooleanField(_("built by the schedule"), default=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=report_upload_to, blank=True)
    error = models.TextField(_("error"), blank=True)
    # How far a running build is, in percent, for the report centre (written by the worker).
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)

    objects = ReportFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("report file")
        verbose_name_plural = _("report files")
        ordering = ["-period", "scope__path", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "period", "period_kind", "kind", "version"],
                name="report_file_version_unique",
            ),
            # Two "build now" clicks at once (or beat and a person) make one build, not two.
            models.UniqueConstraint(
                fields=["scope", "period", "period_kind", "kind"],
                condition=Q(status__in=["queued", "running"]),
                name="report_file_one_pending_build",
            ),
            models.CheckConstraint(
                condition=Q(built_by__isnull=True, by_schedule=True)
                | Q(built_by__isnull=False, by_schedule=False),
                name="report_file_built_by_person_or_schedule",
            ),
        ]
        indexes = [
            # The report centre lists a scope's files by period.
            models.Index(fields=["scope", "kind", "period"], name="report_file_scope_period"),
        ]

    def __str__(self):
        return (
            f"{self.get_kind_display()} {self.scope.code} {self.report_period.key} v{self.version}"
        )

    @property
    def report_period(self) -> Period:
        return Period(self.period_kind, self.period)

    @property
    def is_pending(self):
        return self.status in PENDING

    @property
    def requested_by_label(self):
        return str(self.built_by) if self.built_by_id else _("Schedule")

    def download_name(self):
        return f"{self.scope.code}-{self.report_period.key}-{self.kind}-v{self.version}.xlsx"


class ReportDownload(models.Model):
    """Who downloaded which report file, and when (auditors must be able to tell)."""

    report_file = models.ForeignKey(
        ReportFile,
        verbose_name=_("report file"),
        on_delete=models.PROTECT,
        related_name="downloads",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    downloaded_at = models.DateTimeField(_("downloaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("report download")
        verbose_name_plural = _("report downloads")
        ordering = ["-downloaded_at"]

    def __str__(self):
        return f"{self.user} {self.report_file} {self.downloaded_at:%Y-%m-%d %H:%M}"
