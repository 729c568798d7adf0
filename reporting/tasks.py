"""Celery tasks of the reporting app: thin, ids in, a service call each."""

from celery import shared_task

from . import services


@shared_task(name=services.BUILD_REPORT_FILE_TASK, ignore_result=True)
def build_report_file(report_file_id: int) -> int | None:
    report_file = services.report_build_run(report_file_id=report_file_id)
    return report_file.pk if report_file else None


@shared_task(ignore_result=True)
def reporting_daily() -> dict:
    """Beat runs this every morning; it builds the summaries of the month, quarter, half-year
    and year just ended from the first working day after them on (a cron expression cannot
    know the PRC holiday calendar)."""
    return services.reporting_daily()
