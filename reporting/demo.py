"""Demo data: the summaries of the last month, quarter, half-year and year, as the schedule
would have built them, so that the demo auditor finds one of each to download. A period
wholly before the demo's first entries is left out (its workbook would be all zeros).
Idempotent: a scope that has a summary of the period already is left alone."""

from django.utils import timezone

from branchservice.models import Branch

from . import services
from .models import ReportFile
from .periods import Period
from .selectors import first_data_month


def seed(stdout):
    today = timezone.localdate()
    first = first_data_month()
    built = []
    for kind in services.SCHEDULED_PERIOD_KINDS:
        period = Period.containing(kind, today).previous()
        if first is None or period.end <= first:
            continue
        for scope in Branch.objects.filter(level__in=services.SCHEDULED_SCOPE_LEVELS):
            same = {"scope": scope, "period": period.start, "period_kind": period.kind}
            if ReportFile.objects.filter(**same, kind=ReportFile.Kind.SUMMARY).exists():
                continue
            report_file = ReportFile.objects.create(
                **same, kind=ReportFile.Kind.SUMMARY, version=1, by_schedule=True
            )
            # Built here, not by a worker: the demo may be seeded before any worker runs.
            services.report_build_run(report_file_id=report_file.pk)
            built.append(period.key)
    stdout.write(f"  reporting: {len(built)} summaries ({', '.join(sorted(set(built)))})\n")
