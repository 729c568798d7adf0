"""The monthly summaries built by the real beat schedule through a real worker and Redis."""

import hashlib
import time

import pytest
from django.utils import timezone

from reporting.models import JobStatus, ReportFile
from reporting.services import first_working_day, previous_month
from tests.reporting.factories import complaint


def wait_for(condition, *, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds} s"
        time.sleep(0.5)


def test_beat_builds_last_months_summaries_once_through_the_worker(org, celery_beat):
    today = timezone.localdate()
    if today < first_working_day(today):
        # Before the month's first working day the schedule rightly builds nothing.
        pytest.skip("today is before the first working day of the month")
    period = previous_month(today)
    registered = timezone.make_aware(
        timezone.datetime.combine(period.replace(day=15), timezone.datetime.min.time())
    )
    complaint(org.a, registered)

    scopes = {"HQ", "T1", "S1", "S2"}
    wait_for(
        lambda: ReportFile.objects.ready().filter(period=period).count() == len(scopes),
        seconds=120,
        what="four ready summaries",
    )
    # Beat keeps sending the job every second: a few more runs must not build again.
    time.sleep(5)
    files = list(ReportFile.objects.select_related("scope"))
    assert {f.scope.code for f in files} == scopes
    assert len(files) == len(scopes)
    for report_file in files:
        assert report_file.by_schedule and report_file.status == JobStatus.READY
        content = report_file.file.read()
        assert hashlib.sha256(content).hexdigest() == report_file.sha256
