"""Branch league table (/reports/branches/) for head office at a bank of many outlets.

    DATABASE_URL=postgres://... .venv/bin/python bench/complaints_data.py --outlets 16000 \\
        --complaints 200000
    DATABASE_URL=postgres://... .venv/bin/python bench/league_bench.py [--runs 5]

Requests the league table as `bench_hq` (head office) through Django's test client, for the
last complete month, and prints per page: the rows shown, the branches ranked, the number of
SQL queries (one captured request), the median server time and the median CPU time of the
page's Python code (`--runs` uncaptured requests; on a busy machine the wall time includes
waiting for a core, the CPU time does not). The pages: the outlet level in its default order
(worst first by open overdue complaints), its second page, sorted by entries (another
source than the other columns'), sorted by checklist completion (the daily checklists of every
outlet are read to rank them), the sub-branch level, and the Excel download (every row).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchservice.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench._common import (  # noqa: E402
    add_smoke_argument,
    median_seconds,
    print_load,
    runs_count,
    signed_in_client,
)
from branchservice.models import Branch, User  # noqa: E402
from complaints.models import Complaint  # noqa: E402

OUTLET, SUB_BRANCH = Branch.Level.OUTLET, Branch.Level.SUB_BRANCH
PAGES = [
    ("outlets, worst first", {"level": OUTLET}),
    ("outlets, page 2", {"level": OUTLET, "page": 2}),
    ("outlets by entries", {"level": OUTLET, "sort": "entries"}),
    ("outlets by checklists", {"level": OUTLET, "sort": "checklist_completion_rate"}),
    ("sub-branches", {"level": SUB_BRANCH}),
    ("download (every row)", {"level": OUTLET, "format": "xlsx"}),
]


def bench_page(client, url, params, runs):
    """Queries from one captured request; the medians from `runs` plain requests."""
    client.get(url, params)  # warm caches (sessions, user, calendar)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    queries = len(captured.captured_queries)
    assert response.status_code == 200, (params, response.status_code)
    cpu = []

    def request():
        began = time.process_time()
        answer = client.get(url, params)
        if answer.streaming:
            b"".join(answer.streaming_content)  # the workbook is written as it is read
        cpu.append(time.process_time() - began)

    wall = median_seconds(request, runs)
    return response, queries, wall, statistics.median(cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    add_smoke_argument(parser)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL (DATABASE_URL), after bench/complaints_data.py.")
    if args.smoke:
        from bench import complaints_data  # only the smoke run builds its own data

        complaints_data.smoke_register()
        args.runs = 5
    # The test client's host, without setup_test_environment(): its template instrumentation
    # would be counted as server time.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print_load("start")
    outlets = Branch.objects.filter(level=OUTLET).count()
    print(
        f"PostgreSQL {connection.pg_version}; {Complaint.objects.count()} complaints, "
        f"{outlets} outlets; medians of {runs_count(args.runs)} runs"
    )
    print(f"{'page':<24} {'rows':>5} {'ranked':>7} {'queries':>8} {'median ms':>10} {'cpu ms':>8}")
    client = signed_in_client(User.objects.get(username="bench_hq"))
    url = reverse("reporting:league")
    for label, params in PAGES:
        response, queries, wall, cpu = bench_page(client, url, params, args.runs)
        ranked = Branch.objects.filter(level=params["level"]).count()
        # Without the test environment the response has no context: its rows are counted.
        rows = "all" if response.streaming else response.content.decode().count("<tr data-code=")
        print(
            f"{label:<24} {rows:>5} {ranked:>7} {queries:>8} {wall * 1000:>10.0f} "
            f"{cpu * 1000:>8.0f}"
        )
    print_load("end")


if __name__ == "__main__":
    main()
