"""Complaint rows for the statistics, with every timestamp given: the expected numbers in the
tests can then be checked by hand against the definitions."""

import datetime as dt

from django.utils import timezone

from complaints.models import BusinessCategory, Complaint, ComplaintReason
from tests.complaints.factories import ComplaintFactory


def at(month, day, hour=10, year=2026):
    return timezone.make_aware(dt.datetime(year, month, day, hour, 0))


def end_of(month, day, year=2026):
    return timezone.make_aware(dt.datetime(year, month, day, 23, 59, 59))


def complaint(branch, received, **fields):
    fields.setdefault("acknowledge_due_at", end_of(received.month, received.day))
    return ComplaintFactory(branch=branch, received_at=received, **fields)


def reference_data():
    return (
        BusinessCategory.objects.get_or_create(code="debit-card", defaults={"name": "借记卡"})[0],
        ComplaintReason.objects.get_or_create(code="attitude", defaults={"name": "服务态度"})[0],
        ComplaintReason.objects.get_or_create(code="queueing", defaults={"name": "排队等候"})[0],
    )


def october(org):
    """The October 2026 register of the test bank (see test_selectors for the sums)."""
    card, attitude, queueing = reference_data()
    sat = Complaint.Satisfaction
    a, a2, b = org.a, org.a2, org.b
    return {
        "c1": complaint(
            a, at(10, 9), channel="phone", category=card, reason=attitude, founded=True,
            acknowledged_at=at(10, 9, 11), reply_due_at=end_of(10, 12),
            replied_at=at(10, 12, 15), followed_up_at=at(10, 14), satisfaction=sat.SATISFIED,
            status="followed_up",
        ),
        "c2": complaint(
            a, at(10, 13), channel="on_site", reason=queueing, founded=False,
            acknowledged_at=at(10, 14), reply_due_at=end_of(10, 14), replied_at=at(10, 20),
            status="resolved",
        ),
        "c3": complaint(
            a, at(10, 26), channel="phone", reason=attitude, acknowledged_at=at(10, 26, 12),
            reply_due_at=end_of(10, 27), status="investigating",
        ),
        "suggestion": complaint(a, at(10, 15), kind="suggestion", channel="opinion_book"),
        "void": complaint(a, at(10, 10), status="void", voided_at=at(10, 10, 12)),
        "c4": complaint(
            a2, at(10, 20), channel="letter", reason=attitude, founded=True,
            acknowledged_at=at(10, 20, 11), reply_due_at=end_of(10, 21),
            replied_at=at(10, 21), escalated_at=at(10, 20, 12), followed_up_at=at(10, 23),
            satisfaction=sat.DISSATISFIED, status="followed_up",
        ),
        "praise": complaint(a2, at(10, 22), kind="praise", channel="opinion_book"),
        "c5": complaint(
            b, at(10, 28), channel="hotline", acknowledged_at=at(10, 28, 11),
            reply_due_at=end_of(11, 3), status="acknowledged",
        ),
        # Received in September, replied in November: overdue at the end of October.
        "late_september": complaint(
            a, at(9, 28), channel="phone", acknowledged_at=at(9, 28, 11),
            reply_due_at=end_of(9, 29), replied_at=at(11, 2), status="resolved",
        ),
        "november": complaint(b, at(11, 2), channel="phone"),
    }  # fmt: skip


def report_file_of(branch):
    """A ready monthly summary of `branch` with a (tiny) stored file."""
    from django.core.files.base import ContentFile

    from reporting.models import JobStatus, ReportFile

    report_file = ReportFile(
        scope=branch,
        period=dt.date(2026, 10, 1),
        kind=ReportFile.Kind.SUMMARY,
        version=1,
        status=JobStatus.READY,
        by_schedule=True,
        built_at=timezone.now(),
    )
    report_file.file.save(report_file.download_name(), ContentFile(b"xlsx"), save=False)
    report_file.save()
    return report_file


def export_job_of(user):
    """A finished background export of `user`, downloadable for a week."""
    from django.core.files.base import ContentFile

    from branchservice.exports.models import ExportJob, JobStatus

    job = ExportJob(
        user=user,
        kind="complaints",
        status=JobStatus.READY,
        row_count=1,
        progress=1,
        finished_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    job.file.save("complaints.xlsx", ContentFile(b"xlsx"), save=False)
    job.save()
    return job
