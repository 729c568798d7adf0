"""Demo data: the reports the demo's logins find in their report centre, as the schedule
(services.SCHEDULE) would have built them by today. Head office finds those of the whole bank:
the summaries of every finished quarter of the demo's data (side by side) and of the last month,
half-year and year, and the regulatory workbooks (with the disclosure figures) of the last
quarter and year. The tier-1 manager, the sub-branch manager and the auditor find their own
branch's reports of the last period of each kind.

The schedule would build every branch's; the demo builds only the branches its logins work at
(a summary takes a second or more to build: the 70 of every branch were over a quarter of the seed);
beat's daily run (06:00) adds the other branches' latest ones. A period wholly before the
demo's first entries is left out (its workbook would be all zeros). Idempotent: a scope that has
the report of the period already is left alone."""

from django.db import connection
from django.utils import timezone

from branchservice.demo import DEMO_USERS
from branchservice.models import Branch
from branchservice.roles import ROLE_PERMISSIONS

from . import services
from .models import ReportFile
from .periods import Period, PeriodKind
from .selectors import first_data_month

# Of these the demo builds every finished one for the whole bank, not just the last: the
# quarters side by side.
EVERY_FINISHED = {ReportFile.Kind.SUMMARY: {PeriodKind.QUARTER}}


def reader_branches():
    """The branches the demo's logins who may open the report centre's summaries work at;
    each sees the reports of its branch and below it (head office: of the whole bank)."""
    codes = {
        code
        for _username, role, code, _family, _given in DEMO_USERS
        if "reporting.view_reportfile" in ROLE_PERMISSIONS[role]
    }
    return Branch.objects.filter(code__in=codes)


def _periods(kind, period_kind, scope, today, first):
    period = Period.containing(period_kind, today).previous()
    every = scope.level == Branch.Level.HEAD_OFFICE and period_kind in EVERY_FINISHED.get(kind, ())
    while period.end > first:
        yield period
        if not every:
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
    readers = list(reader_branches())
    built = {kind: [] for kind in services.SCHEDULE}
    for kind, (period_kinds, levels) in services.SCHEDULE.items():
        scopes = [scope for scope in readers if scope.level in levels]
        for period_kind in period_kinds:
            for scope in scopes if first else ():
                for period in _periods(kind, period_kind, scope, today, first):
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
