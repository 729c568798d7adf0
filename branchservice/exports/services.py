"""Writes of the exports: background export jobs, and queuing a job row's task.

A job is first a row (queued), then a Celery task claims it with a filtered UPDATE (queued →
running) so that a duplicated message cannot build twice, and finishes it (ready or failed).
If the broker cannot take the task, the row is marked failed at once with a message saying
so: nothing waits in "queued" for a worker that will never hear of it.
"""

import datetime as dt
import logging
import tempfile

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from branchservice.jobs import queue

from .models import ExportJob, JobStatus
from .registry import ExportSpec, get_spec
from .selectors import export_queryset
from .writer import write_export

logger = logging.getLogger(__name__)

BROKER_DOWN = "broker_unavailable"
WORKER_LOST = "worker_lost"
# Queued by name (branchservice.jobs): tasks.py imports this module, not the other way.
RUN_EXPORT_JOB_TASK = "branchservice.exports.tasks.run_export_job"


def job_enqueue(*, task_name: str, obj, model) -> None:
    """Send the task for this job row; if the broker is down, fail the row now with a clear
    reason. Shared by every kind of job row with a JobStatus (exports, report files)."""
    try:
        queue(task_name, obj.pk, retry=False)
    except (OperationalError, OSError) as exc:
        logger.error("Could not queue %s %s: %s", model.__name__, obj.pk, exc)
        model.objects.filter(pk=obj.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.FAILED, error=BROKER_DOWN
        )


def broker_down_message() -> str:
    return _(
        "The background job service is not reachable, so nothing was started. Please try "
        "again in a few minutes; if it keeps failing, tell the system administrator."
    )


def export_job_create(
    *, user, spec: ExportSpec, source: str, params: dict, row_count: int, language: str
) -> ExportJob:
    with transaction.atomic():
        job = ExportJob.objects.create(
            user=user,
            kind=spec.kind,
            source=source,
            params=params,
            row_count=row_count,
            language=language,
        )
        transaction.on_commit(
            lambda: job_enqueue(task_name=RUN_EXPORT_JOB_TASK, obj=job, model=ExportJob)
        )
    return job


def export_job_run(*, export_job_id: int) -> ExportJob | None:
    """Write a queued export to a file, recording progress as it goes (called by the worker)."""
    claimed = ExportJob.objects.filter(pk=export_job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING
    )
    if not claimed:
        return None
    job = ExportJob.objects.select_related("user").get(pk=export_job_id)
    spec = get_spec(job.kind)

    def progress(rows):
        ExportJob.objects.filter(pk=job.pk).update(progress=rows)

    try:
        with tempfile.TemporaryFile() as stream, translation.override(job.language):
            qs = export_queryset(spec=spec, user=job.user, source=job.source, params=job.params)
            rows = write_export(
                spec=spec, queryset=qs, user=job.user, stream=stream, progress=progress
            )
            stream.seek(0)
            name = f"{job.kind}-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"
            job.file.save(name, File(stream), save=False)
        job.progress = job.row_count = rows
        job.status = JobStatus.READY
        job.finished_at = timezone.now()
        job.expires_at = job.finished_at + dt.timedelta(days=settings.REPORTING_EXPORT_EXPIRY_DAYS)
        job.save(
            update_fields=["file", "progress", "row_count", "status", "finished_at", "expires_at"]
        )
    except Exception as exc:
        logger.exception("Export %s failed", export_job_id)
        ExportJob.objects.filter(pk=export_job_id).update(
            status=JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}"
        )
        raise
    _notify_export_ready(job)
    return job


def _notify_export_ready(job: ExportJob) -> None:
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.urls import reverse

    if not job.user.email:
        return
    context = {"job": job, "url": reverse(settings.EXPORTS_LIST_URL_NAME)}
    with translation.override(job.language):
        subject = render_to_string("exports/email/export_ready_subject.txt", context).strip()
        text = render_to_string("exports/email/export_ready.txt", context)
        html = render_to_string("exports/email/export_ready.html", context)
    send_mail(subject, text, None, [job.user.email], html_message=html, fail_silently=True)


def exports_fail_stale(*, now=None) -> int:
    """Pending exports whose worker died: failed, so that the user can export again."""
    return ExportJob.objects.stale(now).update(status=JobStatus.FAILED, error=WORKER_LOST)


def exports_purge_expired(*, now=None) -> int:
    """Delete the files of expired exports; the rows stay as a record of who exported what."""
    purged = 0
    for job in ExportJob.objects.expired(now):
        job.file.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        purged += 1
    return purged
