"""Demo data: last month's summaries, as the schedule would have built them, so that the demo
auditor finds one to download. Idempotent: a scope that has one already is left alone."""

from django.utils import timezone

from branchservice.models import Branch

from . import services
from .models import ReportFile


def seed(stdout):
    period = services.previous_month(timezone.localdate())
    built = 0
    for scope in Branch.objects.filter(level__in=services.SCHEDULED_SCOPE_LEVELS):
        kind = ReportFile.Kind.MONTHLY_SUMMARY
        if ReportFile.objects.filter(scope=scope, period=period, kind=kind).exists():
            continue
        report_file = ReportFile.objects.create(
            scope=scope, period=period, kind=kind, version=1, by_schedule=True
        )
        # Built here, not by a worker: the demo may be seeded before any worker runs.
        services.report_build_run(report_file_id=report_file.pk)
        built += 1
    stdout.write(f"  reporting: {built} monthly summaries for {period:%Y-%m}\n")
