"""Benchmark: the complaint changelist and registration against PostgreSQL.

    DATABASE_URL=postgres://bench:bench@127.0.0.1:54331/bench \\
    DJANGO_SETTINGS_MODULE=branchservice.settings.test \\
        .venv/bin/python bench/complaints_changelist.py [--runs 15]

Needs data from bench/complaints_data.py. For the head-office user (bench_hq) and the
sub-branch manager (bench_sub) it requests the complaint changelist (unfiltered, and filtered
by status and by "overdue") through Django's test client, and reports per page:

  * the number of SQL queries (the issue's target: the same at 100 and at 1,000,000 rows);
  * the median server time of the page, the median time of the bare SQL of its main query
    (the SELECT of the rows shown, run through a raw cursor) and their ratio (target: <= 3x).

Then it registers complaints through `complaint_register` (in a rolled-back transaction) and
reports the queries each costs (target: under 15).
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
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from branchservice.models import Branch, User  # noqa: E402
from complaints.models import Complaint  # noqa: E402
from complaints.services import complaint_register  # noqa: E402

# Each row of the result list links to its change page once.
ROW_LINK = re.compile(
    r'<th class="field-reference"><a href="/admin/complaints/complaint/\d+/change/'
)

PAGES = [
    ("all", ""),
    ("status=investigating", "?status=investigating"),
    ("overdue", "?deadline=overdue"),
]


def main_query(queries):
    """The SELECT of the rows shown (with a LIMIT when there is more than one page)."""
    for query in queries:
        sql = query["sql"]
        if sql.startswith('SELECT "complaints_complaint"."id", "complaints_complaint"."reference"'):
            return sql
    raise RuntimeError("main query not found")


def time_sql(sql, runs):
    times = []
    with connection.cursor() as cursor:
        for _i in range(runs):
            began = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            times.append(time.perf_counter() - began)
    return statistics.median(times)


def bench_page(client, url, runs):
    """Queries (and the main one) from one captured request; the median from `runs` plain
    requests, without query capture or template instrumentation slowing them down."""
    client.get(url)  # warm caches (sessions, user, plans)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    # Read now: the next request opens a new connection, whose log starts afresh.
    queries = list(captured.captured_queries)
    assert response.status_code == 200, response.status_code
    times = []
    for _i in range(runs):
        began = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - began)
    rows = len(ROW_LINK.findall(response.content.decode()))
    return statistics.median(times), len(queries), main_query(queries), rows


def bench_register(user, runs):
    outlet = Branch.objects.filter(level=Branch.Level.OUTLET, path__startswith=user.branch.path)
    outlet = outlet.order_by("code").first()
    counts, times = [], []
    for _i in range(runs):
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL (DATABASE_URL), after bench/complaints_data.py.")
    # The test client's host, without setup_test_environment(): its template instrumentation
    # (which records every context for assertions) would be counted as server time.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    total = Complaint.objects.count()
    outlets = Branch.objects.filter(level=Branch.Level.OUTLET).count()
    print(f"PostgreSQL {connection.pg_version}; {total} complaints, {outlets} outlets")
    print(f"{'user':<10} {'page':<22} {'rows':>7} {'queries':>8} {'page ms':>8} "
          f"{'sql ms':>8} {'ratio':>6}")  # fmt: skip
    url = reverse("admin:complaints_complaint_changelist")
    for username in ("bench_hq", "bench_sub"):
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for label, params in PAGES:
            page, count, sql, rows = bench_page(client, url + params, args.runs)
            bare = time_sql(sql, args.runs)
            print(
                f"{username:<10} {label:<22} {rows:>7} {count:>8} "
                f"{page * 1000:>8.1f} {bare * 1000:>8.2f} {page / bare:>6.1f}"
            )
    for username in ("bench_sub",):
        user = User.objects.get(username=username)
        user.role_names  # noqa: B018  (a logged-in request has loaded the roles already)
        counts, median = bench_register(user, args.runs)
        print(
            f"register as {username}: queries {sorted(set(counts))}, median {median * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
