"""Benchmark: stored deadlines follow a calendar change over 50,000 open complaints.

    scripts/postgres.sh start   # or any PostgreSQL; the database is wiped and rebuilt
    DATABASE_URL=postgres://... .venv/bin/python bench/calendar_recount.py \
        [--open 50000] [--closed 50000] [--runs 5]

On Monday 28 Dec 2026 the package knows nothing of 2027, so Friday 2027-01-01 counts as a
working day. The register holds `--open` open complaints received on 24, 25 and 28 December
(simple and complex alike), their deadlines computed by `compute_deadlines` on that calendar,
so that every one of them has a working-day count spanning 1 January; and `--closed` closed
ones with the same dates. Built with one INSERT … SELECT generate_series (a complaint
registered through the services is the template row).

Each run flips 2027-01-01 (a holiday, then back to a working day, and so on) and recounts
with `complaints_follow_calendar`, the job the change queues: every open complaint moves, in
batches of RECOUNT_BATCH_SIZE, each writing its update, history and timeline lines. Printed:
per run the seconds, the complaints moved, the queries and the batches; the median; and the
bare limit, the same candidate rows fetched through a raw cursor (the fetch alone, no
counting, no writing). The issue's target: under 2 minutes for 50,000 open complaints.
"""

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchservice.settings.test")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

import django

django.setup()

import time_machine  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench._common import add_smoke_argument, median_seconds, print_load  # noqa: E402
from branchservice.demo import seed as seed_organisation  # noqa: E402
from branchservice.models import Branch, CalendarOverride, User  # noqa: E402
from complaints.deadlines import compute_deadlines  # noqa: E402
from complaints.models import Complaint, ComplaintEvent, DeadlinePolicy  # noqa: E402
from complaints.services import (  # noqa: E402
    RECOUNT_BATCH_SIZE,
    complaint_register,
    complaints_follow_calendar,
)

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 12, 28, 10, 0, tzinfo=TZ)
NEW_YEAR = dt.date(2027, 1, 1)
RECEIVED = [dt.datetime(2026, 12, d, 9, 0, tzinfo=TZ) for d in (24, 25, 28)]
COMPLEXITIES = [Complaint.Complexity.SIMPLE.value, Complaint.Complexity.COMPLEX.value]
DUES = ("acknowledge_due_at", "reply_due_at", "branch_due_at", "regulatory_due_at")


def timed(label, fn):
    began = time.perf_counter()
    result = fn()
    print(f"  {label:<44} {time.perf_counter() - began:8.2f} s", flush=True)
    return result


def variants():
    """(received, complexity, deadlines) for each kind of row, counted as of NOW."""
    policy = DeadlinePolicy.current()
    rows = []
    for received in RECEIVED:
        for complexity in COMPLEXITIES:
            c = Complaint(received_at=received, complexity=complexity)
            compute_deadlines(c, policy)
            rows.append((received, complexity, [getattr(c, due) for due in DUES]))
    return rows


def build_register(open_count: int, closed_count: int):
    outlets = list(Branch.objects.filter(level=Branch.Level.OUTLET).order_by("pk"))
    author = User.objects.get(username="hq_service")
    template = complaint_register(
        user=author,
        branch=outlets[0],
        channel=Complaint.Channel.PHONE,
        received_at=RECEIVED[0],
        description="压测模板投诉：排队等候时间过长。",
        customer_name="张伟",
        customer_phone="13812345678",
        now=NOW,
    )
    row = Complaint.objects.filter(pk=template.pk).values().get()
    Complaint.objects.filter(pk=template.pk).delete()
    varying = {"id", "reference", "submission_token", "branch_id", "status", "complexity"}
    varying |= {"received_at", "closed_at", *DUES}
    constant = [c for c in row if c not in varying]
    kinds = variants()
    k = len(kinds)

    def column(i):
        return [kind[2][i] for kind in kinds]

    sql = f"""
        INSERT INTO complaints_complaint (
            {", ".join(constant)}, reference, branch_id, status, complexity, received_at,
            closed_at, {", ".join(DUES)})
        SELECT {", ".join(["%s"] * len(constant))},
            'BENCH-' || g,
            (%s::bigint[])[1 + g %% %s],
            CASE WHEN g <= %s THEN 'registered' ELSE 'closed' END,
            (%s::text[])[1 + g %% %s],
            (%s::timestamptz[])[1 + g %% %s],
            CASE WHEN g <= %s THEN NULL ELSE %s::timestamptz END,
            {", ".join(f"(%s::timestamptz[])[1 + g %% {k}]" for _due in DUES)}
        FROM generate_series(1, %s) AS g
    """
    outlet_ids = [o.pk for o in outlets]
    params = [row[c] for c in constant] + [
        outlet_ids,
        len(outlet_ids),
        open_count,
        [kind[1] for kind in kinds],
        k,
        [kind[0] for kind in kinds],
        k,
        open_count,
        NOW,
        *[column(i) for i in range(len(DUES))],
        open_count + closed_count,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute("ANALYZE complaints_complaint")
    print(f"    {open_count:,} open and {closed_count:,} closed complaints")


def flip(holiday: bool) -> dict[dt.date, bool]:
    """2027-01-01 becomes a holiday (or a working day again), as the admin writes it."""
    if holiday:
        CalendarOverride.objects.create(date=NEW_YEAR, kind="holiday", note="元旦（压测）")
    else:
        CalendarOverride.objects.filter(date=NEW_YEAR).delete()
    return {NEW_YEAR: not holiday}


def bare_fetch():
    """The recount's candidate rows through a raw cursor: the floor of its fetch."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM complaints_complaint WHERE status <> 'closed'"
            " AND received_at <= %s AND branch_due_at >= %s ORDER BY id",
            [dt.datetime(2027, 1, 1, 23, 59, 59, tzinfo=TZ), dt.datetime(2027, 1, 1, tzinfo=TZ)],
        )
        return len(cursor.fetchall())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=50_000)
    parser.add_argument("--closed", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    add_smoke_argument(parser)
    args = parser.parse_args()
    if args.smoke:
        args.open, args.closed = 1_200, 300
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is wiped).")
    print_load("start")
    print("Building (the database is wiped) ...")
    call_command("migrate", "--noinput", verbosity=0)
    call_command("flush", "--noinput", verbosity=0)
    call_command("migrate", "--noinput", verbosity=0)  # post_migrate: role groups again
    with time_machine.travel(NOW, tick=False):
        timed("organisation", lambda: seed_organisation(io.StringIO()))
        timed("register (INSERT … SELECT)", lambda: build_register(args.open, args.closed))
        bare_rows = bare_fetch()
        bare = median_seconds(bare_fetch, args.runs)
        print(f"  bare fetch of {bare_rows:,} candidate rows: median {bare:.2f} s")
        times = []
        for run in range(max(args.runs, 5)):
            flips = flip(holiday=run % 2 == 0)
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                moved = complaints_follow_calendar(flips=flips)
                times.append(time.perf_counter() - began)
            batches = moved // RECOUNT_BATCH_SIZE + 1
            print(
                f"  run {run + 1}: 2027-01-01 {'holiday' if run % 2 == 0 else 'working day'}:"
                f" {moved:,} complaints moved in {times[-1]:.2f} s;"
                f" {len(queries)} queries for {batches} batches"
                f" ({len(queries) / batches:.1f} per batch)",
                flush=True,
            )
            assert moved == args.open, (moved, args.open)
        events = ComplaintEvent.objects.filter(action="deadline_moved").count()
        median = statistics.median(times)
        print(f"  recount: median {median:.2f} s over {len(times)} runs; {events:,} timeline lines")
        print(f"  ratio recount / bare fetch: {median / bare:.1f}")
        print(f"  per 1,000 open complaints: {median / args.open * 1000:.3f} s")
    print_load("end")


if __name__ == "__main__":
    main()
