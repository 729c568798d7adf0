"""Benchmark of teller time limits (issue 19's speed targets). PostgreSQL only.

    DATABASE_URL=postgres://.../bench .venv/bin/python bench/servicetimes_bench.py \\
        --import-rows 100000 --outlets 500 --tickets 10000000

1. Import: one outlet's queue-machine file of --import-rows tickets (a big outlet's quarter,
   GBK CSV as the generator writes it) through the real path: upload, the column mapping,
   every row checked, then all written in one transaction. Wall time and the peak memory
   above the start, each run in a fresh process (target: 100,000 rows under 60 s, memory
   flat).
2. Results: --tickets queue tickets over --outlets outlets and the last 12 months, written by
   one INSERT ... SELECT (reused when the sizes match). Then an outlet's monthly results page
   data (servicetimes.selectors.outlet_results) and head office's league of every outlet
   (outlet_league): queries, medians, and the ratio to the bare SQL, a hand-written SELECT of
   the same rows (the outlet) or the same aggregation (the league), whose figures are checked
   equal to ours first (target: a fixed number of queries, <= 3x the bare SQL).

Use a database of its own: the script migrates and fills it.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchservice.settings.test")

import django

django.setup()

import datetime as dt  # noqa: E402

from django.contrib.auth.models import Group  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench._common import (  # noqa: E402
    PeakMemory,
    add_smoke_argument,
    median_seconds,
    print_load,
    runs_count,
)
from branchservice.models import Branch, User  # noqa: E402
from branchservice.roles import Role, sync_role_permissions  # noqa: E402
from servicetimes import selectors, services  # noqa: E402
from servicetimes.generate import CSV_HEADERS, csv_bytes, day_tickets  # noqa: E402
from servicetimes.importing import guess_columns  # noqa: E402
from servicetimes.models import Teller, Ticket, TicketImport, TransactionType  # noqa: E402

TELLERS = ["G001", "G002", "G003", "G004", "G005", "G006"]
IMPORT_OUTLET = "SVB-IMPORT"
DAYS = 365


def bank(outlets: int) -> Branch:
    """Head office, one tier-1 branch per 100 outlets, a sub-branch per 10, and the outlets,
    each with its tellers; plus the outlet the import benchmark writes to."""
    hq, _new = Branch.objects.get_or_create(
        code="SVB", defaults={"name": "基准总行", "level": Branch.Level.HEAD_OFFICE}
    )
    have = Branch.objects.filter(code__startswith="SVB-O").count()
    for n in range(have, outlets):
        tier1, _new = Branch.objects.get_or_create(
            code=f"SVB-T{n // 100}",
            defaults={
                "name": f"基准分行{n // 100}",
                "level": Branch.Level.TIER1_BRANCH,
                "parent": hq,
            },
        )
        sub, _new = Branch.objects.get_or_create(
            code=f"SVB-S{n // 10}",
            defaults={
                "name": f"基准支行{n // 10}",
                "level": Branch.Level.SUB_BRANCH,
                "parent": tier1,
            },
        )
        Branch.objects.create(
            code=f"SVB-O{n:05d}", name=f"基准网点{n}", level=Branch.Level.OUTLET, parent=sub
        )
    sub = Branch.objects.get(code="SVB-S0")
    Branch.objects.get_or_create(
        code=IMPORT_OUTLET,
        defaults={"name": "导入网点", "level": Branch.Level.OUTLET, "parent": sub},
    )
    Teller.objects.bulk_create(
        [
            Teller(branch=outlet, code=code, name=f"柜员{code}")
            for outlet in Branch.objects.filter(level=Branch.Level.OUTLET, tellers__isnull=True)
            for code in TELLERS
        ]
    )
    sync_role_permissions()
    user, created = User.objects.get_or_create(
        username="svb_hq", defaults={"branch": hq, "is_staff": True}
    )
    if created:
        user.groups.add(Group.objects.get(name=Role.HQ_SERVICE))
    return hq


# ---- 1. import ------------------------------------------------------------------------------


def queue_file(rows: int) -> bytes:
    """A GBK CSV of about `rows` tickets of the import outlet, a day after another."""
    types = [
        (kind.name, kind.standards.order_by("-effective_from").first().handling_seconds)
        for kind in TransactionType.objects.order_by("group__position", "position")
    ]
    per_day = 1000
    tickets, day = [], dt.date(2026, 1, 5)
    while len(tickets) < rows:
        tickets += day_tickets(
            outlet_code=IMPORT_OUTLET, day=day, types=types, tellers=TELLERS, slow=("G006",),
            customers=min(per_day, rows - len(tickets)),
        )  # fmt: skip
        day += dt.timedelta(days=1)
    return csv_bytes(tickets)


def import_once(data: bytes) -> dict:
    """One import through the services, in this (fresh) process: seconds and peak memory."""
    outlet = Branch.objects.get(code=IMPORT_OUTLET)
    by = User.objects.get(username="svb_hq")
    Ticket.objects.filter(branch=outlet).delete()
    TicketImport.objects.filter(branch=outlet).delete()
    with (
        tempfile.TemporaryDirectory() as media,
        override_settings(MEDIA_ROOT=media, SERVICETIMES_IMPORT_SYNC_BYTES=len(data) + 1),
    ):
        upload = SimpleUploadedFile("queue.csv", data, content_type="text/csv")
        with PeakMemory() as memory:
            began = time.perf_counter()
            ticket_import = services.ticket_import_upload(branch=outlet, upload=upload, by=by)
            ticket_import = services.ticket_import_start(
                ticket_import=ticket_import, columns=guess_columns(CSV_HEADERS), by=by
            )
            seconds = time.perf_counter() - began
    assert ticket_import.status == TicketImport.Status.DONE, ticket_import.errors[:3]
    return {"seconds": seconds, "peak_mb": memory.mb, "tickets": ticket_import.tickets}


def import_child(path: str) -> dict:
    command = [sys.executable, __file__, "--import-child", path]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        raise RuntimeError(f"import failed:\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# ---- 2. results -----------------------------------------------------------------------------

FILL = """
INSERT INTO servicetimes_ticket (
    branch_id, business_date, ticket_number, source, transaction_type_id, standard_id,
    teller_id, counter, issued_at, called_at, finished_at, hour, wait_seconds,
    handling_seconds
)
SELECT o.id, d.day, 'Q' || g.n, 'queue', s.type_id, s.id, t.id, '1',
       i.issued, i.issued + make_interval(secs => w.wait),
       i.issued + make_interval(secs => w.wait + h.handling),
       extract(hour FROM i.issued AT TIME ZONE 'Asia/Shanghai')::int, w.wait, h.handling
FROM generate_series(%(start)s, %(stop)s) AS g(n)
JOIN svb_outlet o ON o.idx = g.n %% %(outlets)s
JOIN LATERAL (SELECT %(first)s::date + ((g.n / %(outlets)s) %% %(days)s)::int AS day) d ON true
JOIN svb_standard s ON s.idx = (g.n * 7) %% %(types)s
JOIN servicetimes_teller t ON t.branch_id = o.id AND t.code = (%(tellers)s::text[])[1 + g.n %% 6]
JOIN LATERAL (SELECT (d.day + time '09:00' + make_interval(mins => (g.n * 13) %% 480))
                     AT TIME ZONE 'Asia/Shanghai' AS issued) i ON true
JOIN LATERAL (SELECT ((g.n * 37) %% 1500)::int AS wait) w ON true
JOIN LATERAL (SELECT greatest(40, (s.handling * (50 + (g.n * 11) %% 90) / 100))::int
                     AS handling) h ON true
"""


def fill_tickets(total: int, outlets: int) -> None:
    existing = Ticket.objects.exclude(branch__code=IMPORT_OUTLET).count()
    if existing >= total:
        return
    first = timezone.localdate() - dt.timedelta(days=DAYS)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS svb_outlet, svb_standard")
        cursor.execute(
            "CREATE UNLOGGED TABLE svb_outlet AS SELECT row_number() OVER (ORDER BY code) - 1"
            " AS idx, id FROM branchservice_branch WHERE code LIKE 'SVB-O%%'"
        )
        # One version per type, in force over the whole year (the default table's).
        cursor.execute(
            "CREATE UNLOGGED TABLE svb_standard AS SELECT row_number() OVER (ORDER BY"
            " transaction_type_id) - 1 AS idx, id, transaction_type_id AS type_id,"
            " handling_seconds AS handling FROM servicetimes_timestandard"
        )
        cursor.execute("SELECT count(*) FROM svb_standard")
        (types,) = cursor.fetchone()
        batch = 1_000_000
        for start in range(existing, total, batch):
            stop = min(start + batch, total) - 1
            began = time.perf_counter()
            cursor.execute(
                FILL,
                {
                    "start": start, "stop": stop, "outlets": outlets, "days": DAYS,
                    "first": first, "types": types, "tellers": TELLERS,
                },
            )  # fmt: skip
            print(f"  tickets {start:>10,}..{stop:>10,} in {time.perf_counter() - began:5.1f}s")
        cursor.execute("DROP TABLE svb_outlet, svb_standard")
        cursor.execute("VACUUM ANALYZE servicetimes_ticket")


OUTLET_SQL = """
SELECT t.teller_id, t.transaction_type_id, t.business_date, t.hour, t.wait_seconds,
       t.handling_seconds, s.handling_seconds, s.target_wait_seconds,
       te.code, te.name, ty.code, ty.name, ty.position, g.position
FROM servicetimes_ticket t
LEFT JOIN servicetimes_timestandard s ON s.id = t.standard_id
JOIN servicetimes_teller te ON te.id = t.teller_id
JOIN servicetimes_transactiontype ty ON ty.id = t.transaction_type_id
JOIN servicetimes_transactiongroup g ON g.id = ty.group_id
WHERE t.branch_id = %s AND t.business_date BETWEEN %s AND %s
"""


def outlet_bare(outlet: Branch, date_from, date_to) -> int:
    """The rows the outlet's page needs, with the tellers' and types' names, fetched by hand."""
    with connection.cursor() as cursor:
        cursor.execute(OUTLET_SQL, [outlet.pk, date_from, date_to])
        rows = cursor.fetchall()
    return len(rows)


LEAGUE_COUNTS_SQL = """
SELECT t.branch_id, count(*), count(s.id),
       count(*) FILTER (WHERE t.handling_seconds <= s.handling_seconds),
       count(*) FILTER (WHERE t.wait_seconds IS NOT NULL AND s.id IS NOT NULL),
       count(*) FILTER (WHERE t.wait_seconds <= s.target_wait_seconds), sum(t.handling_seconds)
FROM servicetimes_ticket t
JOIN branchservice_branch b ON b.id = t.branch_id
LEFT JOIN servicetimes_timestandard s ON s.id = t.standard_id
WHERE b.path LIKE %s AND b.level = 4 AND t.business_date BETWEEN %s AND %s
GROUP BY t.branch_id
"""
LEAGUE_MINUTES_SQL = """
SELECT t.branch_id, t.{field} / 60, count(*)
FROM servicetimes_ticket t JOIN branchservice_branch b ON b.id = t.branch_id
WHERE b.path LIKE %s AND b.level = 4 AND t.business_date BETWEEN %s AND %s
  AND t.{field} IS NOT NULL
GROUP BY 1, 2
"""


def league_bare(scope: Branch, date_from, date_to) -> dict:
    """branch id → (tickets, within, median wait minute): the league's aggregation by hand."""
    params = [f"{scope.path}%", date_from, date_to]
    with connection.cursor() as cursor:
        cursor.execute(LEAGUE_COUNTS_SQL, params)
        counts = {row[0]: row for row in cursor.fetchall()}
        minutes = {}
        for field in ("wait_seconds", "handling_seconds"):
            cursor.execute(LEAGUE_MINUTES_SQL.format(field=field), params)
            histogram = defaultdict(Counter)
            for branch_id, minute, n in cursor.fetchall():
                histogram[branch_id][int(minute)] += n
            minutes[field] = histogram
    return {
        pk: (row[1], row[3], selectors.counted_rank(minutes["wait_seconds"][pk], 0.5))
        for pk, row in counts.items()
    }


def queries_and_median(fn, runs):
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries), median_seconds(fn, runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--outlets", type=int, default=500)
    parser.add_argument("--tickets", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--import-child", help=argparse.SUPPRESS)
    add_smoke_argument(parser)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("The servicetimes benchmark runs against PostgreSQL: set DATABASE_URL.")
    if args.import_child:
        print(json.dumps(import_once(Path(args.import_child).read_bytes())))
        return
    if args.smoke:
        args.import_rows, args.outlets, args.tickets = 2_000, 20, 40_000
    runs = runs_count(args.runs)
    print_load("start")
    call_command("migrate", verbosity=0)
    hq = bank(args.outlets)

    print(f"\n1. import of one file of {args.import_rows:,} tickets, a fresh process per run")
    with tempfile.NamedTemporaryFile(suffix=".csv") as file:
        file.write(queue_file(args.import_rows))
        file.flush()
        size = file.tell()
        results = [import_child(file.name) for _run in range(runs)]
    seconds = statistics.median(r["seconds"] for r in results)
    print(f"  file: {size / 2**20:.1f} MB GBK CSV, {results[0]['tickets']:,} tickets imported")
    print(f"  median {seconds:6.1f} s ({results[0]['tickets'] / seconds:,.0f} rows/s; target < 60 s"
          f" at 100,000 rows)")  # fmt: skip
    print(f"  peak memory above the start: {max(r['peak_mb'] for r in results):.0f} MB (highest of "
          f"{runs} runs)")  # fmt: skip

    began = time.perf_counter()
    fill_tickets(args.tickets, args.outlets)
    print(
        f"\n2. results: {Ticket.objects.count():,} tickets over {args.outlets} outlets and "
        f"{DAYS} days (built in {time.perf_counter() - began:.0f} s); medians of {runs} runs"
    )
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    date_to = selectors.month_end(month)
    outlet = Branch.objects.get(code="SVB-O00000")
    ours = selectors.outlet_results(outlet=outlet, date_from=month, date_to=date_to)
    rows = outlet_bare(outlet, month, date_to)
    assert ours["total"].count == rows, (ours["total"].count, rows)
    league = {
        row.branch.pk: (row.counts["tickets"], row.counts["within"], row.wait_median_minutes)
        for row in selectors.outlet_league(scope=hq, date_from=month, date_to=date_to)
    }
    same = league == league_bare(hq, month, date_to)
    print(f"  ours and bare give the same figures: {same}")
    if not same:
        sys.exit("The bare SQL must do the league's aggregation: fix it before its figures.")
    measured = [
        (f"outlet month ({rows:,} tickets)",
         lambda: selectors.outlet_results(outlet=outlet, date_from=month, date_to=date_to),
         lambda: outlet_bare(outlet, month, date_to)),
        (f"head office league ({len(league)} outlets)",
         lambda: selectors.outlet_league(scope=hq, date_from=month, date_to=date_to),
         lambda: league_bare(hq, month, date_to)),
    ]  # fmt: skip
    for label, fn, bare in measured:
        count, median = queries_and_median(fn, runs)
        bare_median = median_seconds(bare, runs)
        print(
            f"  {label:<34} {count:>2} queries, median {median * 1000:8.1f} ms; bare SQL"
            f" {bare_median * 1000:8.1f} ms; ratio {median / bare_median:.2f} (target <= 3)"
        )
    print_load("end")


if __name__ == "__main__":
    main()
