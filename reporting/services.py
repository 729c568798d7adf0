"""Writes of the reporting app: requesting and building report files, downloads.

A build is first a row (queued), then a Celery task claims it with a filtered UPDATE (queued →
running) so that a duplicated message cannot build twice, and finishes it (ready or failed).
It is queued like an export job (branchservice.exports.services.job_enqueue): if the broker
cannot take the task, the row is failed at once with a message saying so.
"""

import datetime as dt
import hashlib
import logging
import tempfile

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation

from branchservice.calendar import next_working_day
from branchservice.exports.services import (
    WORKER_LOST,
    exports_fail_stale,
    exports_purge_expired,
    job_enqueue,
)
from branchservice.models import Branch

from .models import JobStatus, ReportDownload, ReportFile
from .periods import Period, PeriodKind, as_period

logger = logging.getLogger(__name__)

# Queued by name (branchservice.jobs): tasks.py imports this module, not the other way.
BUILD_REPORT_FILE_TASK = "reporting.tasks.build_report_file"
# The scopes the schedule builds summaries for; any other branch is built on demand.
SCHEDULED_SCOPE_LEVELS = (
    Branch.Level.HEAD_OFFICE,
    Branch.Level.TIER1_BRANCH,
    Branch.Level.SUB_BRANCH,
)
# The periods the schedule builds a summary of, each once it has ended.
SCHEDULED_PERIOD_KINDS = (
    PeriodKind.MONTH,
    PeriodKind.QUARTER,
    PeriodKind.HALF_YEAR,
    PeriodKind.YEAR,
)
# What the schedule builds of each kind of report: (periods, scope levels). The regulator's
# tables are reported by the bank and, to the regulator's provincial offices, by its tier-1
# branches, quarterly; the year's holds the annual disclosure.
SCHEDULE = {
    ReportFile.Kind.SUMMARY: (SCHEDULED_PERIOD_KINDS, SCHEDULED_SCOPE_LEVELS),
    ReportFile.Kind.REGULATORY: (
        (PeriodKind.QUARTER, PeriodKind.YEAR),
        (Branch.Level.HEAD_OFFICE, Branch.Level.TIER1_BRANCH),
    ),
}


def first_working_day_after(period: Period) -> dt.date:
    return next_working_day(period.end)


# ---- summaries -----------------------------------------------------------------------------


def report_build_request(
    *,
    scope: Branch,
    period,
    user=None,
    language: str = settings.LANGUAGE_CODE,
    kind: str = ReportFile.Kind.SUMMARY,
) -> tuple[ReportFile, bool]:
    """Ask for a new version of the report `kind` (the summary by default) of `period` (a
    Period, or a month's first day); returns (file, created).

    If a build of the same scope, period and kind is already queued or running, that one is
    returned instead (the partial unique constraint makes this hold under concurrency too).
    """
    period = as_period(period)
    same = {"scope": scope, "period": period.start, "period_kind": period.kind, "kind": kind}
    pending = ReportFile.objects.pending().filter(**same)
    try:
        with transaction.atomic():
            latest = ReportFile.objects.filter(**same).aggregate(Max("version"))["version__max"]
            report_file = ReportFile.objects.create(
                **same,
                version=(latest or 0) + 1,
                built_by=user,
                by_schedule=user is None,
                language=language,
            )
            transaction.on_commit(
                lambda: job_enqueue(
                    task_name=BUILD_REPORT_FILE_TASK, obj=report_file, model=ReportFile
                )
            )
    except IntegrityError:
        existing = pending.first()
        if existing is None:
            raise
        return existing, False
    return report_file, True


def _builders():
    from .regulatory import build_regulatory
    from .workbooks import build_summary

    return {ReportFile.Kind.SUMMARY: build_summary, ReportFile.Kind.REGULATORY: build_regulatory}


def report_build_run(*, report_file_id: int) -> ReportFile | None:
    """Build a queued report file (called by the worker)."""
    claimed = ReportFile.objects.filter(pk=report_file_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING
    )
    if not claimed:
        return None  # already built or being built by another worker, or cancelled
    report_file = ReportFile.objects.select_related("scope").get(pk=report_file_id)
    build = _builders()[report_file.kind]
    extra = {}
    # The regulatory workbook of a year is the long build (a million rows): it says how far
    # it is; a summary has no such step to report.
    if report_file.kind == ReportFile.Kind.REGULATORY:

        def progress(percent):
            ReportFile.objects.filter(pk=report_file_id).update(progress=percent)

        extra["progress"] = progress
    try:
        with tempfile.TemporaryFile() as stream, translation.override(report_file.language):
            build(
                scope=report_file.scope,
                period=report_file.report_period,
                stream=stream,
                generated_at=timezone.now(),
                **extra,
            )
            digest, size = _digest(stream)
            report_file.file.save(report_file.download_name(), File(stream), save=False)
        report_file.sha256 = digest
        report_file.size = size
        report_file.built_at = timezone.now()
        report_file.status = JobStatus.READY
        report_file.progress = 100
        report_file.save(update_fields=["file", "sha256", "size", "built_at", "status", "progress"])
    except Exception as exc:
        logger.exception("Building report file %s failed", report_file_id)
        ReportFile.objects.filter(pk=report_file_id).update(
            status=JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}"
        )
        raise
    return report_file


def _digest(stream) -> tuple[str, int]:
    stream.seek(0)
    sha = hashlib.sha256()
    size = 0
    while chunk := stream.read(1 << 16):
        sha.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return sha.hexdigest(), size


def report_download_record(*, report_file: ReportFile, user) -> ReportDownload:
    return ReportDownload.objects.create(report_file=report_file, user=user)


def reports_fail_stale(*, now=None) -> int:
    """Pending builds whose worker died: failed, so that the next request can build again."""
    return ReportFile.objects.stale(now).update(
        status=JobStatus.FAILED, error=WORKER_LOST
    ) + exports_fail_stale(now=now)


def summaries_schedule(*, today: dt.date) -> list[ReportFile]:
    """From the first working day after a month, quarter, half-year or year on, build its
    missing summaries and regulatory workbooks (SCHEDULE says which of each).

    Recomputed from the database each day: if beat was down on that working day, the next
    run catches up, and a report the schedule already built is never built again.
    """
    requested = []
    for kind, (period_kinds, levels) in SCHEDULE.items():
        scopes = list(Branch.objects.filter(level__in=levels, is_active=True))
        for period_kind in period_kinds:
            period = Period.containing(period_kind, today).previous()
            if today < first_working_day_after(period):
                continue
            done = set(
                ReportFile.objects.filter(
                    period=period.start,
                    period_kind=period.kind,
                    kind=kind,
                    by_schedule=True,
                    status__in=[JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.READY],
                ).values_list("scope_id", flat=True)
            )
            for scope in scopes:
                if scope.pk not in done:
                    report_file, _created = report_build_request(
                        scope=scope, period=period, kind=kind
                    )
                    requested.append(report_file)
    return requested


def reporting_daily(*, today: dt.date | None = None) -> dict:
    """The one scheduled job of the app: summaries due, stale builds failed, old exports gone."""
    today = today or timezone.localdate()
    return {
        "stale": reports_fail_stale(),
        "requested": len(summaries_schedule(today=today)),
        "purged": exports_purge_expired(),
    }
