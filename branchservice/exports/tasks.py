"""Celery task of the exports: thin, an id in, a service call."""

from celery import shared_task

from . import services


@shared_task(name=services.RUN_EXPORT_JOB_TASK, ignore_result=True)
def run_export_job(export_job_id: int) -> int | None:
    job = services.export_job_run(export_job_id=export_job_id)
    return job.row_count if job else None
