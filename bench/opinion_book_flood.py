"""Benchmark: a burst of submissions to one outlet's opinion book, the rate limits holding.

    scripts/postgres.sh start   # or any PostgreSQL; the database is wiped and rebuilt
    DATABASE_URL=postgres://... .venv/bin/python bench/opinion_book_flood.py \
        [--submissions 100] [--addresses 10] [--runs 5]

The issue's case: 100 submissions to one outlet within one minute from 10 addresses. Each
address is a customer's phone (a Django test client with CSRF checks on, as a browser): it
opens the outlet's page, then posts a complaint with the page's CSRF token, through the real
views, limits, services and notifications (mail to the locmem outbox). The addresses take
turns and the clock (time-machine) moves so that the burst spans one minute.

With the limits of the settings (OPINION_BOOK_LIMIT_PER_ADDRESS, _PER_OUTLET) the expected
outcome is known beforehand: each address gets its first `per address` submissions through
until the outlet's `per outlet` are taken, and the rest are refused with 429 and the page
that keeps what was typed. Printed: accepted, refused by the limits, errors (anything else:
a 500, an accepted count off the expected one, a refusal that lost the text; must be 0, or
the script exits 1), the median time and queries of a submission, of a refused one, and the
bare limit: the same entry written by `opinion_submit` alone (no request, no limits, no
page), `--runs` times.
"""

import argparse
import datetime as dt
import io
import logging
import os
import re
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
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench._common import add_smoke_argument, median_seconds, print_load  # noqa: E402
from branchservice.demo import seed as seed_organisation  # noqa: E402
from branchservice.models import Branch  # noqa: E402
from complaints.models import Complaint  # noqa: E402
from opinionbook.models import OpinionBook  # noqa: E402
from opinionbook.services import opinion_submit  # noqa: E402

# A Wednesday, 10:00 Beijing time: a working day, within working hours (mail goes at once).
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
OUTLET = "BJ0101"
BURST_SECONDS = 60
TEXT = "今天上午在2号窗口办理转账，排队一个多小时，柜员态度冷淡。第{n}位客户。"


def entry(n: int, token: str) -> dict:
    return {
        "csrfmiddlewaretoken": token,
        "kind": "complaint",
        "description": TEXT.format(n=n),
        "customer_request": "希望改进排队管理。",
        "wants_reply": "on",
        "customer_name": "张伟",
        "customer_phone": f"138{n:08d}",
        "consent": "on",
    }


def expected_accepted(submissions: int, addresses: int) -> int:
    per_address, _minutes = settings.OPINION_BOOK_RATE_LIMITS["per_address"]
    per_outlet, _minutes = settings.OPINION_BOOK_RATE_LIMITS["per_outlet"]
    sent = [submissions // addresses + (a < submissions % addresses) for a in range(addresses)]
    return min(per_outlet, sum(min(per_address, s) for s in sent))


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    return match.group(1) if match else ""


def flood(book, submissions: int, addresses: int):
    """The burst; returns (accepted, refused, errors, timings) with timings per outcome as
    lists of (seconds, queries)."""
    url = reverse("opinionbook:book", args=[book.outlet.code])
    clients, tokens = [], []
    for a in range(addresses):
        client = Client(enforce_csrf_checks=True, REMOTE_ADDR=f"10.20.{a // 250}.{a % 250 + 1}")
        with time_machine.travel(NOW, tick=False):
            tokens.append(csrf_token(client.get(url).content.decode()))
        clients.append(client)
    outcomes = {"accepted": [], "refused": []}
    errors = []
    step = BURST_SECONDS / submissions
    for n in range(submissions):
        client, token = clients[n % addresses], tokens[n % addresses]
        data = entry(n, token)
        with (
            time_machine.travel(NOW + dt.timedelta(seconds=n * step), tick=False),
            CaptureQueriesContext(connection) as queries,
        ):
            began = time.perf_counter()
            try:
                response = client.post(url, data)
            except Exception as exc:  # counted and shown: the figure is `errors`
                errors.append(f"submission {n}: {exc!r}")
                continue
            seconds = time.perf_counter() - began
        page = response.content.decode()
        if response.status_code == 200 and 'id="lookup-code"' in page:
            outcomes["accepted"].append((seconds, len(queries)))
        elif response.status_code == 429 and data["description"] in page:
            outcomes["refused"].append((seconds, len(queries)))
        else:
            errors.append(f"submission {n}: status {response.status_code}")
    return outcomes, errors


def summary(label: str, timings) -> str:
    if not timings:
        return f"  {label:<28} none"
    seconds = statistics.median(t for t, _q in timings) * 1000
    queries = statistics.median(q for _t, q in timings)
    return f"  {label:<28} {len(timings):4d}   median {seconds:7.1f} ms, {queries:.0f} queries"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--addresses", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5, help="runs of the bare limit")
    add_smoke_argument(parser)
    args = parser.parse_args()
    if args.smoke:
        # Two phones, more than their limit each: accepted and refused both show.
        args.submissions, args.addresses, args.runs = 14, 2, 5
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is wiped).")
    setup_test_environment()  # ALLOWED_HOSTS for the test client; locmem mail
    # Each refusal logs a warning and each delivery a line: the figures would drown in them.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    logging.getLogger("celery").setLevel(logging.WARNING)
    print_load("start")
    print("Building (the database is wiped) ...")
    call_command("migrate", "--noinput", verbosity=0)
    call_command("flush", "--noinput", verbosity=0)
    call_command("migrate", "--noinput", verbosity=0)  # post_migrate: role groups again
    seed_organisation(io.StringIO())
    book = OpinionBook.objects.create(outlet=Branch.objects.get(code=OUTLET))
    cache.clear()

    expected = expected_accepted(args.submissions, args.addresses)
    print(
        f"\n{args.submissions} submissions to {OUTLET} in {BURST_SECONDS} s from "
        f"{args.addresses} addresses; limits {settings.OPINION_BOOK_RATE_LIMITS['per_address']}"
        f" per address, {settings.OPINION_BOOK_RATE_LIMITS['per_outlet']} per outlet "
        f"(count, minutes): {expected} should be accepted"
    )
    outcomes, errors = flood(book, args.submissions, args.addresses)
    registered = Complaint.objects.filter(channel=Complaint.Channel.OPINION_BOOK_ONLINE).count()
    if len(outcomes["accepted"]) != expected or registered != expected:
        errors.append(
            f"accepted {len(outcomes['accepted'])}, registered {registered}, expected {expected}"
        )
    print(summary("accepted", outcomes["accepted"]))
    print(summary("refused by the rate limit", outcomes["refused"]))
    print(f"  {'errors':<28} {len(errors):4d}")
    for error in errors[:10]:
        print(f"    {error}")

    n = iter(range(10**6, 2 * 10**6))

    def bare():
        with time_machine.travel(NOW, tick=False):
            opinion_submit(book=book, kind="complaint", description=TEXT.format(n=next(n)))

    bare_ms = median_seconds(bare, args.runs) * 1000
    print(f"  {'bare: opinion_submit alone':<28} {args.runs:4d}   median {bare_ms:7.1f} ms")
    print_load("end")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
