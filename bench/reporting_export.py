"""Benchmark of the complaint export and the monthly summary (issues 6 and 13).

    DATABASE_URL=postgres://USER:PASS@127.0.0.1:PORT/bench_reporting \
        .venv/bin/python bench/reporting_export.py --outlets 500 --complaints 1000000 --rows 50000
    ... bench/reporting_export.py --smoke          # 600 complaints, a few seconds

Builds (once; reused when the sizes match) a bank of N outlets (10 per sub-branch, 10
sub-branches per tier-1 branch) and M complaints spread evenly over the last 12 months, written
by set-based SQL (INSERT ... SELECT over generate_series). Then measures:

1. the complaint export of `--rows` rows (the portal's branchservice.exports: export_queryset,
   write_export) and its bare limit (export_bare below: one hand-written SELECT of the same
   rows and columns through a server-side cursor, the same conversions, the same SheetWriter),
   each export in a fresh process, `--runs` (>= 5) times each, alternating: medians, rows/s and
   their ratio (issue 13's target: ours >= 0.9 x bare). First it checks that both write the
   same cells;
2. the peak memory of our export (RSS sampled every 20 ms, above the level at the start of the
   export) for a quarter, half and all of the rows, a fresh process each: flat means
   write-only mode and a streaming query work (target: under 300 MB);
3. building the summary workbook of last month and of last quarter (it checks that each holds
   complaints) for one tier-1 branch and for the whole bank: median time and SQL queries (the
   same for all four: a quarter is read in one go, not month by month);
3b. building the regulatory workbook (reporting.regulatory, issue 18: a year at 1M complaints
   <= 30 s) of last quarter and of the year holding the most complaints (this year: the rows
   cover the last 365 days) for the whole bank: median time and SQL queries (the same for
   both);
4. the branch league table (/reports/branches/, issue 15: head office at the outlet level,
   target <= 12 queries and <= 1 s at 500 outlets and 1M complaints): reporting.league's
   league_table() alone, and the whole page through Django's test client (rendering and the
   admin shell's own queries included), for one tier-1 branch and for the whole bank: median
   time and SQL queries (the same for both: a fixed number whatever the number of branches).

The load average is printed at the start and the end. Use a database of its own: the script
migrates it and fills it. PostgreSQL only.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchservice.settings.test")

import django

django.setup()


from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from bench._common import (  # noqa: E402
    PeakMemory,
    add_smoke_argument,
    median_times,
    print_load,
    runs_count,
    signed_in_client,
)
from branchservice.exports.excel import SheetWriter, new_workbook  # noqa: E402
from branchservice.exports.selectors import export_queryset  # noqa: E402
from branchservice.exports.writer import write_export  # noqa: E402
from branchservice.models import Branch, User  # noqa: E402
from branchservice.pii import (  # noqa: E402
    exports_unmasked,
    mask_account,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
)
from complaints.exports import COMPLAINTS  # noqa: E402
from complaints.models import (  # noqa: E402
    BusinessCategory,
    BusinessChannel,
    Complaint,
    ComplaintReason,
    DeadlinePolicy,
)
from reporting.league import league_table  # noqa: E402
from reporting.periods import Period, PeriodKind  # noqa: E402
from reporting.regulatory import build_regulatory  # noqa: E402
from reporting.selectors import last_complete_month  # noqa: E402
from reporting.workbooks import build_summary  # noqa: E402

# Rows per fetch, as the export's iterator(chunk_size=...).
CHUNK = 2000


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
    """The three JR/T 0169 code lists as the migrations seed them (complaints 0014)."""
    return [
        list(model.objects.values_list("pk", flat=True))
        for model in (BusinessChannel, BusinessCategory, ComplaintReason)
    ]


def fill_complaints(total: int):
    existing = Complaint.objects.count()
    if existing >= total:
        return
    channels, categories, reasons = reference_data()
    outlets = list(Branch.objects.filter(level=4).values_list("pk", flat=True))
    # g spreads receipt evenly over the last 365 days, whatever the number of rows, so that
    # every month holds a twelfth of them (the monthly summary measures a month with data).
    received = f"(now() - interval '365 days' + g * interval '{31_536_000 / total:.6f} seconds')"
    # One complaint in twenty extended to 30 days, one in twenty to 60 (the regulatory
    # workbook's 15/30/60-day columns read the ceiling and the tier).
    tier = "CASE g %% 20 WHEN 0 THEN 'complex' WHEN 1 THEN 'especially' ELSE '' END"
    tier_days = "CASE g %% 20 WHEN 0 THEN 30 WHEN 1 THEN 60 ELSE 15 END"
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
        "business_channel_id": f"(ARRAY{channels})[1 + g %% {len(channels)}]",
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
        "followup_method": "CASE WHEN g %% 5 IN (0, 3) THEN (ARRAY['phone','in_person','online'])"
        "[1 + g %% 3] ELSE '' END",
        "followup_comment": "CASE WHEN g %% 5 = 0 THEN '客户表示满意，电话 13812345678'"
        " ELSE '' END",
        "closed_at": f"CASE WHEN g %% 5 = 0 THEN {received} + interval '8 days' END",
        "policy_id": str(DeadlinePolicy.current().pk),
        "extension_tier": tier,
        "regulatory_due_at": f"{received} + ({tier_days}) * interval '1 day'",
        "review_requested_at": f"CASE WHEN g %% 50 = 0 THEN {received} + interval '12 days' END",
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
        elif field.has_default() and isinstance(field.default, int):
            expressions.append(str(field.default))  # Complaint.version and the like
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


def export_ours(user, rows: int, stream) -> int:
    """The portal's complaint export, as the export view and the worker run it."""
    qs = export_queryset(spec=COMPLAINTS, user=user, source="filterset", params={})
    return write_export(spec=COMPLAINTS, queryset=qs[:rows], user=user, stream=stream)


# The bare limit: the same rows and columns fetched by one hand-written SELECT (a server-side
# cursor read CHUNK rows at a time, as the ORM's iterator does), the same conversions (choice
# labels, names, masking when the user may not see personal data) and the same writer. What
# the portal spends beyond this is the price of its own layers.
BARE_SQL = """
SELECT c.reference, b.code, b.name, c.kind, c.channel, c.status, c.received_at,
       c.customer_name, c.customer_phone, c.customer_id_number, c.customer_account,
       ch.code, ch.name, cat.code, cat.name, r.code, r.name,
       c.complexity, c.founded, c.description,
       h.last_name, h.first_name, h.username,
       c.acknowledge_due_at, c.acknowledged_at, c.reply_due_at, c.replied_at,
       c.satisfaction, c.followup_method, c.followup_comment, c.closed_at,
       c.regulatory_due_at, c.extension_tier, c.period_started_at, c.paused_since,
       c.corrected_at, c.review_outcome, c.regulator_body, c.regulator_reference,
       c.regulator_feedback_due_at, c.regulator_feedback_at, c.customer_id_type,
       c.complainant_kind, c.representative_name, c.complainants, c.is_repeat, c.is_urgent,
       c.level, b.level, b1.name, b2.name, b3.name
FROM complaints_complaint c
JOIN branchservice_branch b ON b.id = c.branch_id
LEFT JOIN branchservice_branch b1 ON b1.id = b.parent_id
LEFT JOIN branchservice_branch b2 ON b2.id = b1.parent_id
LEFT JOIN branchservice_branch b3 ON b3.id = b2.parent_id
LEFT JOIN complaints_businesschannel ch ON ch.id = c.business_channel_id
LEFT JOIN complaints_businesscategory cat ON cat.id = c.category_id
LEFT JOIN complaints_complaintreason r ON r.id = c.reason_id
LEFT JOIN branchservice_user h ON h.id = c.handler_id
ORDER BY b.path, c.received_at DESC, c.id DESC
LIMIT %s
"""


def export_bare(user, rows: int, stream) -> int:
    unmasked = exports_unmasked(user)

    def labels(field):
        return {k: str(v) for k, v in Complaint._meta.get_field(field).flatchoices}

    kind, channel, status = labels("kind"), labels("channel"), labels("status")
    level = labels("level")
    complexity, satisfaction = labels("complexity"), labels("satisfaction")
    followup_method = labels("followup_method")
    tier, review = labels("extension_tier"), labels("review_outcome")
    regulator_body = labels("regulator_body")
    id_type, complainant = labels("customer_id_type"), labels("complainant_kind")
    yes_no = founded = {True: str(_("Yes")), False: str(_("No")), None: ""}

    def masked(value, mask):
        return value if unmasked or not value else mask(value)

    def coded(dimension, code, name):
        # CodeEntry.label_of
        return f"{dimension} {code} / {name}" if code else ""

    workbook = new_workbook()
    sheet = SheetWriter(workbook, str(COMPLAINTS.title))
    sheet.header(COMPLAINTS.headers(), widths=[column.width for column in COMPLAINTS.columns])
    count = 0
    with connection.chunked_cursor() as cursor:
        cursor.execute(BARE_SQL, [rows])
        while chunk := cursor.fetchmany(CHUNK):
            for r in chunk:
                handler = f"{r[20]}{r[21]}".strip() or r[22] if r[22] else ""
                # Complaint.held_at_text: the branch at the level that holds it.
                held_at = f"{level[r[47]]}：{(r[2], r[49], r[50], r[51])[r[48] - r[47]]}"
                sheet.row(
                    [
                        r[0], r[1], r[2],
                        kind.get(r[3], r[3] or ""), channel.get(r[4], r[4] or ""),
                        status.get(r[5], r[5] or ""), held_at, r[6],
                        masked(r[7], mask_name), masked(r[8], mask_phone),
                        id_type.get(r[41], r[41] or ""),
                        masked(r[9], mask_id_number), masked(r[10], mask_account),
                        complainant.get(r[42], r[42] or ""), masked(r[43], mask_name), r[44],
                        yes_no[r[45]], yes_no[r[46]],
                        coded("A", r[11], r[12]), coded("B", r[13], r[14]),
                        coded("C", r[15], r[16]), complexity.get(r[17], r[17] or ""),
                        founded[r[18]], masked(r[19], mask_text), handler,
                        r[23], r[24], r[25], r[26],
                        satisfaction.get(r[27], r[27] or ""),
                        followup_method.get(r[28], r[28] or ""), masked(r[29], mask_text),
                        r[30], r[31], tier.get(r[32], r[32] or ""), r[33], r[34], r[35],
                        review.get(r[36], r[36] or ""),
                        regulator_body.get(r[37], r[37] or ""), r[38], r[39], r[40],
                    ]
                )  # fmt: skip
                count += 1
    workbook.save(stream)
    return count


WRITERS = {"ours": export_ours, "bare": export_bare}


def measure(writer: str, rows: int, path: str | None) -> dict:
    """One export in this process (a fresh one: see child()): seconds and peak memory."""
    user = User.objects.get(username="bench")
    with tempfile.TemporaryFile() as scratch, PeakMemory() as memory:
        stream = open(path, "wb") if path else scratch  # noqa: SIM115
        started, started_cpu = time.perf_counter(), time.process_time()
        written = WRITERS[writer](user, rows, stream)
        seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
        stream.close()
    assert written == rows, (writer, written, rows)
    return {"seconds": seconds, "cpu": cpu, "peak_mb": memory.mb}


def child(writer: str, rows: int, path: str | None = None) -> dict:
    """Runs measure() in a fresh Python process: memory figures of several exports in one
    process would measure the allocator's reuse, not the export."""
    command = [sys.executable, __file__, "--child", writer, "--rows", str(rows)]
    if path:
        command += ["--path", path]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        raise RuntimeError(f"{writer} export failed:\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def same_workbooks(first: str, second: str) -> bool:
    from openpyxl import load_workbook

    def cells(path):
        sheet = load_workbook(path, read_only=True).worksheets[0]
        return [[cell.value for cell in row] for row in sheet.iter_rows()]

    return cells(first) == cells(second)


def measure_summary(scope, period, runs):
    """Build the summary of `period` for `scope`: median time and SQL queries (a quarter takes
    the queries of a month: each statistic reads the whole period at once)."""
    queries = []

    def build():
        with tempfile.TemporaryFile() as stream, CaptureQueriesContext(connection) as q:
            build_summary(scope=scope, period=period, stream=stream)
            queries[:] = [len(q.captured_queries), stream.tell()]

    seconds, cpu = median_times(build, runs)
    outlets = Branch.objects.filter(path__startswith=scope.path, level=4).count()
    received = Complaint.objects.filter(
        branch__path__startswith=scope.path,
        received_at__gte=period.start_at,
        received_at__lt=period.end_at,
    ).count()
    print(f"  {scope.code} {period.key}: {outlets} outlets, {received:,} complaints: "
          f"median {seconds:.2f} s (CPU {cpu:.2f} s), {queries[0]} queries, "
          f"{queries[1] / 2**20:.1f} MB")  # fmt: skip
    if not received:
        sys.exit(f"{period.key} holds no complaints: the figures would mean nothing.")


def complaints_in(period) -> int:
    return Complaint.objects.filter(
        received_at__gte=period.start_at, received_at__lt=period.end_at
    ).count()


def measure_regulatory(scope, period, runs):
    """Build the regulatory workbook of `period` for `scope`: median time and SQL queries."""
    counted = []

    def build():
        with tempfile.TemporaryFile() as stream, CaptureQueriesContext(connection) as q:
            build_regulatory(scope=scope, period=period, stream=stream)
            counted[:] = [len(q.captured_queries), stream.tell()]

    seconds, cpu = median_times(build, runs)
    received = complaints_in(period)
    print(f"  {scope.code} {period.key}: {received:,} complaints: median {seconds:.2f} s "
          f"(CPU {cpu:.2f} s), "
          f"{counted[0]} queries, {counted[1] / 2**20:.2f} MB (year target <= 30 s)")  # fmt: skip
    if not received:
        sys.exit(f"{period.key} holds no complaints: the figures would mean nothing.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--outlets", type=int, default=500)
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", choices=sorted(WRITERS), help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    add_smoke_argument(parser)
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    if args.child:
        print(json.dumps(measure(args.child, args.rows, args.path)))
        return
    if args.smoke:
        args.outlets, args.complaints, args.rows, args.runs = 20, 600, 400, 5

    print_load("start")
    call_command("migrate", verbosity=0)
    build_bank(args.outlets)
    fill_complaints(args.complaints)
    User.objects.get_or_create(username="bench", defaults={"is_superuser": True, "is_staff": True})
    print(
        f"bank: {Branch.objects.filter(level=4).count()} outlets, "
        f"{Complaint.objects.count():,} complaints; export of {args.rows:,} rows, "
        f"each in a fresh process, medians of {runs_count(args.runs)} runs"
    )

    with tempfile.TemporaryDirectory() as folder:
        ours_file, bare_file = f"{folder}/ours.xlsx", f"{folder}/bare.xlsx"
        child("ours", min(args.rows, 2000), ours_file)
        child("bare", min(args.rows, 2000), bare_file)
        same = same_workbooks(ours_file, bare_file)
    print(f"  ours and bare write the same cells (first {min(args.rows, 2000):,} rows): {same}")
    if not same:
        sys.exit("The bare loop must do the export's work: fix it before reading its figures.")

    print("\n1. export: ours and the bare limit (SQL, same conversions, same writer)")
    times = {"ours": [], "bare": []}
    cpus = {"ours": [], "bare": []}
    peaks = []
    for _run in range(runs_count(args.runs)):
        for writer in ("ours", "bare"):
            result = child(writer, args.rows)
            times[writer].append(result["seconds"])
            cpus[writer].append(result["cpu"])
            if writer == "ours":
                peaks.append(result["peak_mb"])
    ours, bare = (statistics.median(times[w]) for w in ("ours", "bare"))
    for writer, seconds in (("ours", ours), ("bare", bare)):
        print(f"  {writer}: median {seconds:6.1f} s, {args.rows / seconds:7.0f} rows/s, "
              f"CPU {statistics.median(cpus[writer]):6.1f} s")  # fmt: skip
    print(f"  ratio ours / bare (rows/s): {bare / ours:.2f} (target >= 0.9)")

    print("\n2. peak memory of our export above the process's start, a fresh process per size")
    for rows in (args.rows // 4, args.rows // 2):
        print(f"  {rows:>9,} rows: +{child('ours', rows)['peak_mb']:.0f} MB")
    print(f"  {args.rows:>9,} rows: +{max(peaks):.0f} MB (highest of the runs above)")

    print("\n3. summary workbook, last complete month and quarter")
    hq = Branch.objects.get(code="HQ")
    period = last_complete_month()
    quarter = Period.containing(PeriodKind.QUARTER, timezone.localdate()).previous()
    small = Branch.objects.filter(level=2).order_by("path").first()
    for window in (Period.month(period), quarter):
        for scope in (small, hq):
            measure_summary(scope, window, args.runs)

    print("\n3b. regulatory workbook, whole bank: last quarter and the year with the most rows")
    this_year = Period.containing(PeriodKind.YEAR, timezone.localdate())
    for window in (quarter, max(this_year, this_year.previous(), key=complaints_in)):
        measure_regulatory(hq, window, args.runs)

    print("\n4. branch league table, outlet level, last complete month")
    setup_test_environment()  # the test client's host name, as in the tests
    client = signed_in_client(User.objects.get(username="bench"))
    for scope in (small, hq):
        measure_league(client, scope, period, args.runs)
    print_load("end")


def measure_league(client, scope, period, runs):
    """League of `scope`'s outlets: the selector alone, then the page (first page of 50 rows)."""
    counted = {}

    def table():
        with CaptureQueriesContext(connection) as q:
            league = league_table(scope=scope, period=period, level=Branch.Level.OUTLET)
        counted["table"] = (len(q.captured_queries), league.page.paginator.count)

    def page():
        params = {"scope": scope.pk, "period": f"{period:%Y-%m}", "level": Branch.Level.OUTLET}
        with CaptureQueriesContext(connection) as q:
            response = client.get(reverse("reporting:league"), params)
        assert response.status_code == 200, response.status_code
        counted["page"] = len(q.captured_queries)

    page()  # the first request fills the calendar's and the session's caches
    (table_seconds, table_cpu), (page_seconds, page_cpu) = (
        median_times(table, runs),
        median_times(page, runs),
    )
    queries, outlets = counted["table"]
    print(f"  {scope.code}: {outlets} outlets: league_table median {table_seconds:.2f} s "
          f"(CPU {table_cpu:.2f} s), {queries} queries; page median {page_seconds:.2f} s "
          f"(CPU {page_cpu:.2f} s), "
          f"{counted['page']} queries with the admin shell")  # fmt: skip


if __name__ == "__main__":
    main()
