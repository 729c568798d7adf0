"""Demo data: the summaries of the last month, quarter, half-year and year, and the regulatory
workbooks (with the disclosure figures) of the last quarter and year, as the schedule would
have built them (services.SCHEDULE), so that the demo auditor finds one of each to download.
A period wholly before the demo's first entries is left out (its workbook would be all
zeros). Idempotent: a scope that has the report of the period already is left alone."""

from django.utils import timezone

from branchservice.models import Branch

from . import services
from .models import ReportFile
from .periods import Period
from .selectors import first_data_month


def seed(stdout):
    today = timezone.localdate()
    first = first_data_month()
    built = {kind: [] for kind in services.SCHEDULE}
    for kind, (period_kinds, levels) in services.SCHEDULE.items():
        for period_kind in period_kinds:
            period = Period.containing(period_kind, today).previous()
            if first is None or period.end <= first:
                continue
            for scope in Branch.objects.filter(level__in=levels):
                same = {"scope": scope, "period": period.start, "period_kind": period.kind}
                if ReportFile.objects.filter(**same, kind=kind).exists():
                    continue
                report_file = ReportFile.objects.create(
                    **same, kind=kind, version=1, by_schedule=True
                )
                # Built here, not by a worker: the demo may be seeded before any worker runs.
                services.report_build_run(report_file_id=report_file.pk)
                built[kind].append(period.key)
    for kind, keys in built.items():
        label = ReportFile.Kind(kind).label
        stdout.write(f"  reporting: {len(keys)} × {label} ({', '.join(sorted(set(keys)))})\n")
