"""Demo data: the reports the schedule (services.SCHEDULE) would have built by today, so that
the demo auditor finds them to download: the summaries of every finished quarter of the demo's
data and of the last month, half-year and year, and the regulatory workbooks (with the
disclosure figures) of the last quarter and year. A period wholly before the demo's first
entries is left out (its workbook would be all zeros). Idempotent: a scope that has the report
of the period already is left alone."""

from django.db import connection
from django.utils import timezone

from branchservice.models import Branch

from . import services
from .models import ReportFile
from .periods import Period, PeriodKind
from .selectors import first_data_month

# Of these the demo builds every finished one, not just the last: the quarters side by side.
EVERY_FINISHED = {ReportFile.Kind.SUMMARY: {PeriodKind.QUARTER}}


def _periods(kind, period_kind, today, first):
    period = Period.containing(period_kind, today).previous()
    while period.end > first:
        yield period
        if period_kind not in EVERY_FINISHED.get(kind, ()):
            return
        period = period.previous()


def seed(stdout):
    today = timezone.localdate()
    first = first_data_month()
    if connection.vendor == "postgresql":
        # The demo's rows were all just inserted: without statistics the planner joins the
        # checklist answers by nested loops, and each summary's failed-items query took 11 s.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    built = {kind: [] for kind in services.SCHEDULE}
    for kind, (period_kinds, levels) in services.SCHEDULE.items():
        scopes = list(Branch.objects.filter(level__in=levels))
        for period_kind in period_kinds:
            for period in _periods(kind, period_kind, today, first) if first else ():
                for scope in scopes:
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
