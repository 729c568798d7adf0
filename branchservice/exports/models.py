"""Background export jobs, and the job status shared with reporting's built report files."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def export_upload_to(instance, filename):
    return f"exports/{timezone.localdate():%Y-%m-%d}/{filename}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


PENDING = (JobStatus.QUEUED, JobStatus.RUNNING)


def stale_before(now=None) -> dt.datetime:
    """A job row pending since before this has waited longer than a task may run: its worker
    died or its message was lost."""
    return (now or timezone.now()) - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


class ExportJobQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def downloadable(self, now=None):
        return self.filter(status=JobStatus.READY, expires_at__gt=now or timezone.now())

    def stale(self, now=None):
        return self.filter(status__in=PENDING, created_at__lt=stale_before(now))

    def expired(self, now=None):
        return self.filter(expires_at__lte=now or timezone.now()).exclude(file="")


class ExportJob(models.Model):
    """An export too large to stream at once, built by a worker with visible progress."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    kind = models.CharField(_("kind"), max_length=50)
    # Where the filters came from ("filterset" GET data of the list page, or "admin" changelist
    # query string) and the parameters themselves, as lists of strings like a QueryDict.
    source = models.CharField(_("source"), max_length=10, default="filterset")
    params = models.JSONField(_("filter parameters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveIntegerField(_("rows written"), default=0)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    file = models.FileField(_("file"), upload_to=export_upload_to, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]
        permissions = [
            (
                "export_unmasked_personal_data",
                _("Can export customers' personal data unmasked"),
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.user} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self):
        if self.status == JobStatus.READY:
            return 100
        if not self.row_count:
            return 0
        return min(99, self.progress * 100 // self.row_count)

    @property
    def is_pending(self):
        return self.status in PENDING

    def is_expired(self, now=None):
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())
