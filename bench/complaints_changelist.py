"""Benchmark: the complaint changelist, its searches, the change page and registration.

    DATABASE_URL=postgres://bench:bench@127.0.0.1:54331/bench \\
    DJANGO_SETTINGS_MODULE=branchservice.settings.test \\
        .venv/bin/python bench/complaints_changelist.py [--runs 11]
    ... bench/complaints_changelist.py --smoke     # builds 300 complaints itself, a few seconds

Needs data from bench/complaints_data.py (PostgreSQL). For the head-office user (bench_hq) and
the sub-branch manager (bench_sub) it requests through Django's test client the complaint
changelist (unfiltered, by status, overdue; a search by reference, by phone, by customer name)
and a complaint's change page, and prints per page:

  * the rows shown and the number of SQL queries (one captured request);
  * the median server time of the page over `--runs` (>= 5) uncaptured requests, and the
    median CPU time the page's Python code used (on a busy machine the wall time includes
    waiting for a core; the CPU time does not);
  * "its SQL": for a list, the median time of its main query (the SELECT of the rows shown,
    taken from the changelist itself and re-run through a raw cursor); for the change page,
    the sum of the median times of all its SELECTs re-run the same way (plus the recorded
    time of its other statements);
  * the ratio of the two (issue 13's targets: a list <= 8x, the change page <= 20x).

Then the pages that aggregate the register, measured the same way with "its SQL" the sum of
all their SELECTs re-run: the work queue (the admin home, issue 15: <= 15 queries and <= 3x its
SQL) for head office and an outlet's complaint manager (bench_cm_0), the dashboard for head
office (issue 18: <= 300 ms and <= 3x its SQL) and the branch league table for head office at
the outlet level, last complete month (issue 15: <= 12 queries and <= 1 s).

Then it registers complaints through `complaint_register` (rolled back) and prints the queries
each costs (target: under 15). The load average is printed at the start and the end.
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchservice.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench._common import (  # noqa: E402
    add_smoke_argument,
    median_seconds,
    print_load,
    runs_count,
    signed_in_client,
)
from branchservice.models import Branch, User  # noqa: E402
from branchservice.scoping import scope_queryset  # noqa: E402
from complaints.models import Complaint  # noqa: E402
from complaints.services import complaint_register  # noqa: E402
from reporting.selectors import last_complete_month  # noqa: E402

# Each row of the result list links to its change page once.
ROW_LINK = re.compile(
    r'<th class="field-reference_label"><a href="/admin/complaints/complaint/\d+/change/'
)

LISTS = [
    ("all", {}),
    ("status=investigating", {"status": "investigating"}),
    ("overdue", {"deadline": "overdue"}),
]


def main_query(response):
    """The SQL and parameters of the rows the changelist shows (with its LIMIT)."""
    return response.context_data["cl"].result_list.query.sql_with_params()


def time_sql(sql, params, runs):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return median_seconds(run, runs)


def all_sql(queries, runs):
    """Sum of the medians of the page's SELECTs re-run, plus the recorded time of the rest
    (session writes, savepoints), which cannot be repeated as they were."""
    total = 0.0
    for query in queries:
        sql = query["sql"]
        if sql.lstrip().upper().startswith("SELECT"):
            total += time_sql(sql, None, runs)
        else:
            total += float(query["time"])
    return total


def bench_page(client, url, params, runs):
    """Queries from one captured request; the median from `runs` plain requests, without query
    capture or template instrumentation slowing them down."""
    client.get(url, params)  # warm caches (sessions, user, plans)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    # Read now: the next request opens a new connection, whose log starts afresh.
    queries = list(captured.captured_queries)
    assert response.status_code == 200, (url, params, response.status_code)
    cpu = []

    def request():
        began = time.process_time()
        client.get(url, params)
        cpu.append(time.process_time() - began)

    page = median_seconds(request, runs)
    return (page, statistics.median(cpu)), queries, response


def sample(user):
    """A complaint in the user's scope, from the middle of the register (not the newest page)."""
    scoped = scope_queryset(Complaint.objects.exclude(customer_name=""), user)
    count = min(scoped.count(), 5000)
    return scoped.order_by("-received_at", "-id")[count // 2]


def bench_register(user, runs):
    outlet = Branch.objects.filter(level=Branch.Level.OUTLET, path__startswith=user.branch.path)
    outlet = outlet.order_by("code").first()
    counts, times = [], []
    for _i in range(runs_count(runs)):
        with transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                complaint_register(
                    user=user,
                    branch=outlet,
                    channel=Complaint.Channel.PHONE,
                    received_at=timezone.now(),
                    customer_name="张伟",
                    customer_phone="13812345678",
                    description="基准测试登记。",
                )
                times.append(time.perf_counter() - began)
            counts.append(len(captured))
            transaction.set_rollback(True)
    return counts, statistics.median(times)


def row(username, label, rows, queries, page, sql):
    page, cpu = page
    print(
        f"{username:<10} {label:<22} {rows:>5} {queries:>8} "
        f"{page * 1000:>9.1f} {cpu * 1000:>8.1f} {sql * 1000:>9.2f} {page / sql:>6.1f}",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=11)
    add_smoke_argument(parser)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL (DATABASE_URL), after bench/complaints_data.py.")
    if args.smoke:
        from bench import complaints_data  # only the smoke run builds its own data

        complaints_data.smoke_register()
        args.runs = 5
    # The test client's host, without setup_test_environment(): its template instrumentation
    # (which records every context for assertions) would be counted as server time.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print_load("start")
    total = Complaint.objects.count()
    outlets = Branch.objects.filter(level=Branch.Level.OUTLET).count()
    print(f"PostgreSQL {connection.pg_version}; {total} complaints, {outlets} outlets; "
          f"medians of {runs_count(args.runs)} runs")  # fmt: skip
    print(f"{'user':<10} {'page':<22} {'rows':>5} {'queries':>8} {'median ms':>9} "
          f"{'cpu ms':>8} {'sql ms':>9} {'ratio':>6}")  # fmt: skip
    url = reverse("admin:complaints_complaint_changelist")
    for username in ("bench_hq", "bench_sub"):
        user = User.objects.get(username=username)
        client = signed_in_client(user)
        example = sample(user)
        pages = [
            *LISTS,
            ("search reference", {"q": example.reference}),
            ("search phone", {"q": example.customer_phone}),
            ("search name", {"q": example.customer_name}),
        ]
        for label, params in pages:
            page, queries, response = bench_page(client, url, params, args.runs)
            sql, sql_params = main_query(response)
            bare = time_sql(sql, sql_params, args.runs)
            rows = len(ROW_LINK.findall(response.content.decode()))
            row(username, label, rows, len(queries), page, bare)
        change = reverse("admin:complaints_complaint_change", args=[example.pk])
        page, queries, _response = bench_page(client, change, {}, args.runs)
        row(username, "change page", 1, len(queries), page, all_sql(queries, args.runs))
    month = f"{last_complete_month():%Y-%m}"
    hq = Branch.objects.get(code="BHQ")
    clients = {}
    for username, label, name, params in (
        ("bench_hq", "work queue", "admin:index", {}),
        ("bench_cm_0", "work queue", "admin:index", {}),
        ("bench_hq", "dashboard", "reporting:dashboard", {}),
        (
            "bench_hq",
            "league, outlets",
            "reporting:league",
            {"scope": hq.pk, "period": month, "level": Branch.Level.OUTLET},
        ),
    ):
        # One sign-in per user: each passes the second factor with the next code.
        if username not in clients:
            clients[username] = signed_in_client(User.objects.get(username=username))
        page, queries, _response = bench_page(clients[username], reverse(name), params, args.runs)
        row(username, label, "-", len(queries), page, all_sql(queries, args.runs))
    user = User.objects.get(username="bench_sub")
    user.role_names  # noqa: B018  (a logged-in request has loaded the roles already)
    counts, median = bench_register(user, args.runs)
    print(f"register as bench_sub: queries {sorted(set(counts))}, median {median * 1000:.1f} ms")
    print_load("end")


if __name__ == "__main__":
    main()
