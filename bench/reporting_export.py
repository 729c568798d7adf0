"""Benchmark of the reporting app (issue 6's speed and memory targets).

    DATABASE_URL=postgres://postgres@127.0.0.1:54334/bench_reporting \
        .venv/bin/python bench/reporting_export.py --outlets 500 --complaints 1000000 --rows 100000

Builds (once; reused when the sizes match) a bank of N outlets (10 per sub-branch, 10
sub-branches per tier-1 branch) and M complaints spread over the last 12 months, written by
set-based SQL (INSERT ... SELECT over generate_series). Then measures, in one run:

1. the complaint export (branchservice.exports write_export: ORM iterator, masking, safe cells)
   of `--rows` rows, and a bare openpyxl write-only loop appending the same cell values, already
   in memory, to a sheet: rows per second of each and their ratio (target: ours >= 0.5 x bare);
2. peak memory (RSS sampled every 20 ms, above the level before the export) for a quarter,
   half and all of the rows: flat means write-only mode and a streaming query work;
3. building last month's bank-wide summary workbook: time and number of SQL queries, with the
   query count for a tenth of the outlets alongside (it must be the same).

Use a database of its own: the script migrates it and fills it. PostgreSQL only.
"""

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchservice.settings.test")

import django

django.setup()

import datetime as dt  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from branchservice.exports.excel import excel_value  # noqa: E402
from branchservice.exports.selectors import export_queryset  # noqa: E402
from branchservice.exports.writer import row_values, write_export  # noqa: E402
from branchservice.models import Branch, User  # noqa: E402
from complaints.exports import COMPLAINTS  # noqa: E402
from complaints.models import BusinessCategory, Complaint, ComplaintReason  # noqa: E402
from reporting.selectors import last_complete_month  # noqa: E402
from reporting.workbooks import build_monthly_summary  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


class PeakMemory:
    """Highest resident set size seen while the block runs, above the level at its start."""

    def __enter__(self):
        self.start = rss()
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())

    @property
    def mb(self):
        return (self.peak - self.start) / 2**20


def build_bank(outlets: int):
    if Branch.objects.filter(level=Branch.Level.OUTLET).count() == outlets:
        return
    assert not Branch.objects.exists(), "use an empty database, or the same --outlets"
    hq = Branch.objects.create(code="HQ", name="总行", level=Branch.Level.HEAD_OFFICE)
    made = 0
    for t in range(max(1, outlets // 100)):
        tier1 = Branch.objects.create(
            code=f"T{t:02d}", name=f"第{t}分行", level=Branch.Level.TIER1_BRANCH, parent=hq
        )
        for s in range(10):
            sub = Branch.objects.create(
                code=f"T{t:02d}S{s}", name=f"第{t}分行{s}支行", level=3, parent=tier1
            )
            for o in range(10):
                if made == outlets:
                    return
                Branch.objects.create(
                    code=f"T{t:02d}S{s}O{o}", name=f"{t}-{s}-{o}网点", level=4, parent=sub
                )
                made += 1


def reference_data():
    if not BusinessCategory.objects.exists():
        for i, name in enumerate(["借记卡", "信用卡", "贷款", "理财", "支付结算", "存款"]):
            BusinessCategory.objects.create(code=f"c{i}", name=name, sort_order=i)
    if not ComplaintReason.objects.exists():
        for i, name in enumerate(["服务态度", "收费定价", "营销行为", "排队等候", "设备故障"]):
            ComplaintReason.objects.create(code=f"r{i}", name=name, sort_order=i)
    return (
        list(BusinessCategory.objects.values_list("pk", flat=True)),
        list(ComplaintReason.objects.values_list("pk", flat=True)),
    )


def fill_complaints(total: int):
    existing = Complaint.objects.count()
    if existing >= total:
        return
    categories, reasons = reference_data()
    outlets = list(Branch.objects.filter(level=4).values_list("pk", flat=True))
    # g spreads receipt over the last 365 days, minute by minute, round the outlets.
    received = "(now() - interval '365 days' + (g %% 525600) * interval '1 minute')"
    overrides = {
        "reference": "'BENCH-' || g",
        "branch_id": f"(ARRAY{outlets})[1 + g %% {len(outlets)}]",
        "kind": "CASE g %% 10 WHEN 0 THEN 'suggestion' WHEN 1 THEN 'praise' ELSE 'complaint' END",
        "channel": "(ARRAY['on_site','opinion_book','letter','phone','hotline','regulator',"
        "'online'])[1 + g %% 7]",
        "status": "(ARRAY['closed','resolved','investigating','followed_up','acknowledged'])"
        "[1 + g %% 5]",
        "received_at": received,
        "customer_name": "'张伟'",
        "customer_phone": "'13812345678'",
        "customer_id_number": "'110101199003071234'",
        "description": "'=客户反映在网点办理转账时等候一个多小时，柜员态度冷淡，要求网点道歉并改进"
        "排队管理。' || g",
        "category_id": f"(ARRAY{categories})[1 + g %% {len(categories)}]",
        "reason_id": f"(ARRAY{reasons})[1 + g %% {len(reasons)}]",
        "founded": "CASE WHEN g %% 3 = 0 THEN true WHEN g %% 3 = 1 THEN false END",
        "acknowledge_due_at": f"{received} + interval '8 hours'",
        "acknowledged_at": f"{received} + (g %% 12) * interval '1 hour'",
        "reply_due_at": f"{received} + interval '3 days'",
        # One complaint in a hundred is never replied to (the overdue list).
        "replied_at": f"CASE WHEN g %% 100 <> 2 THEN {received} + (g %% 6) * interval '1 day' END",
        "followed_up_at": f"CASE WHEN g %% 5 IN (0, 3) THEN {received} + interval '7 days' END",
        "satisfaction": "CASE WHEN g %% 5 IN (0, 3) THEN (ARRAY['satisfied','basically',"
        "'dissatisfied'])[1 + g %% 3] ELSE '' END",
        "closed_at": f"CASE WHEN g %% 5 = 0 THEN {received} + interval '8 days' END",
        "created_at": received,
        "updated_at": received,
    }
    columns, expressions = [], []
    for field in Complaint._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column in overrides:
            expressions.append(overrides[field.column])
        elif field.null:
            expressions.append("NULL")
        elif field.get_internal_type() == "BooleanField":
            expressions.append("true" if field.default is True else "false")
        elif field.get_internal_type() in ("CharField", "TextField"):
            expressions.append(f"'{field.default}'" if isinstance(field.default, str) else "''")
        else:
            raise RuntimeError(f"no value for {field.column}")
    sql = (
        f"INSERT INTO {Complaint._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(expressions)} FROM generate_series(%s, %s) AS g"
    )
    batch = 200_000
    with connection.cursor() as cursor:
        for start in range(existing + 1, total + 1, batch):
            cursor.execute(sql, [start, min(total, start + batch - 1)])
            print(f"  complaints: {min(total, start + batch - 1):,}", flush=True)
        cursor.execute(f"ANALYZE {Complaint._meta.db_table}")


def export_ours(user, rows: int):
    qs = export_queryset(spec=COMPLAINTS, user=user, source="filterset", params={})
    with tempfile.TemporaryFile() as stream, PeakMemory() as memory:
        started = time.perf_counter()
        written = write_export(
            spec=COMPLAINTS, rows=qs[:rows].iterator(chunk_size=2000), user=user, stream=stream
        )
        elapsed = time.perf_counter() - started
    assert written == rows, (written, rows)
    return elapsed, memory.mb


def export_bare(values):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("bare")
    with tempfile.TemporaryFile() as stream:
        started = time.perf_counter()
        sheet.append(COMPLAINTS.headers())
        for row in values:
            sheet.append(row)
        workbook.save(stream)
        return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--outlets", type=int, default=500)
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"

    call_command("migrate", verbosity=0)
    build_bank(args.outlets)
    fill_complaints(args.complaints)
    user, _created = User.objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True}
    )
    print(
        f"bank: {Branch.objects.filter(level=4).count()} outlets, "
        f"{Complaint.objects.count():,} complaints; export of {args.rows:,} rows"
    )

    print("\n1-2. export (ours) — rows/s and peak memory above the start")
    ours = {}
    for rows in (args.rows // 4, args.rows // 2, args.rows):
        elapsed, mb = export_ours(user, rows)
        ours[rows] = elapsed
        print(
            f"  {rows:>8,} rows: {elapsed:6.1f} s, {rows / elapsed:7.0f} rows/s, peak +{mb:.0f} MB"
        )

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  process peak RSS so far (Django, ORM, three exports): {peak:.0f} MB")

    qs = export_queryset(spec=COMPLAINTS, user=user, source="filterset", params={})
    # The same cell values, converted as openpyxl needs them (local naive datetimes).
    getters = COMPLAINTS.getters()
    values = [
        [excel_value(v) for v in row_values(COMPLAINTS, c, unmasked=False, getters=getters)]
        for c in qs[: args.rows].iterator(chunk_size=2000)
    ]
    bare = export_bare(values)
    rate_ours, rate_bare = args.rows / ours[args.rows], args.rows / bare
    print(f"  bare openpyxl write-only loop, same {args.rows:,} rows: {bare:.1f} s, "
          f"{rate_bare:.0f} rows/s")  # fmt: skip
    print(f"  ratio ours / bare: {rate_ours / rate_bare:.2f} (target >= 0.5)")
    del values

    print("\n3. monthly summary of the whole bank")
    hq = Branch.objects.get(code="HQ")
    period = last_complete_month()
    small = Branch.objects.filter(level=2).order_by("path").first()
    for scope in (small, hq):
        with tempfile.TemporaryFile() as stream, CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            build_monthly_summary(scope=scope, period=period, stream=stream)
            elapsed = time.perf_counter() - started
            size = stream.tell()
        outlets = Branch.objects.filter(path__startswith=scope.path, level=4).count()
        month = Complaint.objects.filter(
            branch__path__startswith=scope.path,
            received_at__gte=timezone.make_aware(dt.datetime.combine(period, dt.time.min)),
        ).count()
        print(f"  {scope.code}: {outlets} outlets, ~{month:,} complaints in {period:%Y-%m} or "
              f"later: {elapsed:.1f} s, {len(queries.captured_queries)} queries, "
              f"{size / 2**20:.1f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
