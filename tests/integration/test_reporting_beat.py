"""The summaries built by the real beat schedule through a real worker and Redis."""

import hashlib
import time

import pytest
from django.utils import timezone

from reporting.models import JobStatus, ReportFile
from reporting.periods import Period
from reporting.services import SCHEDULED_PERIOD_KINDS, first_working_day_after
from tests.reporting.factories import complaint


def wait_for(condition, *, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds} s"
        time.sleep(0.5)


def test_beat_builds_the_last_periods_summaries_once_through_the_worker(org, celery_beat):
    today = timezone.localdate()
    month = Period.month(today).previous()
    if today < first_working_day_after(month):
        # Before the month's first working day the schedule rightly builds nothing.
        pytest.skip("today is before the first working day of the month")
    # The quarter, half-year and year just ended are built too (each from its own first
    # working day after it, long past unless today is early in January, April or July).
    due = [
        period
        for period in (Period.containing(kind, today).previous() for kind in SCHEDULED_PERIOD_KINDS)
        if today >= first_working_day_after(period)
    ]
    registered = timezone.make_aware(
        timezone.datetime.combine(month.start.replace(day=15), timezone.datetime.min.time())
    )
    complaint(org.a, registered)

    scopes = {"HQ", "T1", "S1", "S2"}
    wait_for(
        lambda: ReportFile.objects.ready().filter(kind="summary").count() == len(scopes) * len(due),
        seconds=120,
        what="the ready summaries",
    )
    # Beat keeps sending the job every second: a few more runs must not build again.
    time.sleep(5)
    # The regulatory workbooks of the quarter and year are built beside them (test_regulatory).
    files = list(ReportFile.objects.filter(kind="summary").select_related("scope"))
    assert len(files) == len(scopes) * len(due)
    for period in due:
        of_period = [f for f in files if f.report_period == period]
        assert {f.scope.code for f in of_period} == scopes
    for report_file in files:
        assert report_file.by_schedule and report_file.status == JobStatus.READY
        content = report_file.file.read()
        assert hashlib.sha256(content).hexdigest() == report_file.sha256
