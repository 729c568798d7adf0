"""Benchmark: the reminder scan over a large complaint register, and creating + sending.

    scripts/postgres.sh start   # or any PostgreSQL; the database is wiped and rebuilt
    DATABASE_URL=postgres://... .venv/bin/python bench/reminders_scan.py \
        [--complaints 1000000] [--open 50000] [--due 2500] [--outlets 400]

Builds the register with one INSERT … SELECT generate_series (a complaint registered through
the services is the template row), then, at a fixed moment:

1. the bare SQL that selects the due complaints (the scan's own query, run by hand);
2. the complaint scan (complaints.reminders.scan): same rows, turned into reminders, in
   keyset batches; its query count per batch is printed;
3. creating the reminders (notifications_create) and sending them (notifications_deliver
   for every recipient, locmem mail backend).

The regulator's clock is in the data: 5% of the complaints had a pause of the clock (an open
one, `paused_since` set, on the open complaints: nothing is reminded for those), 2% were
extended twice (to 30, then 60 days: two approved extension requests each, the customer told).
The bare SQL is every query of the complaint scan (due complaints, untold extensions, long
pauses, reviews) run by hand.

Of the open complaints, `--due` are past their reply deadline since yesterday (reminders
"acknowledgement overdue" to the handler, "reply overdue" to handler and outlet head) and
`--due` are due today ("reply due" to the handler): 4 reminders per `--due`, 10,000 by default.
Times vary ±30% on a shared machine: compare the ratio, not the seconds.
"""

import argparse
import datetime as dt
import os
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
from django.contrib.auth.models import Group  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench._common import (  # noqa: E402
    add_smoke_argument,
    median_seconds,
    print_load,
    runs_count,
)
from branchservice.demo import seed as seed_organisation  # noqa: E402
from branchservice.models import Branch, User  # noqa: E402
from branchservice.notifications.models import Notification  # noqa: E402
from branchservice.notifications.recipients import Directory  # noqa: E402
from branchservice.notifications.registry import BATCH_SIZE  # noqa: E402
from branchservice.notifications.services import (  # noqa: E402
    notifications_create,
    notifications_deliver,
)
from branchservice.roles import Role  # noqa: E402
from complaints import reminders  # noqa: E402
from complaints.models import Complaint  # noqa: E402
from complaints.services import complaint_register  # noqa: E402

TZ = dt.timezone(dt.timedelta(hours=8))
# A Wednesday: yesterday and today are working days.
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=TZ)
YESTERDAY_CLOSE = dt.datetime(2026, 11, 24, 23, 59, 59, tzinfo=TZ)
TODAY_CLOSE = dt.datetime(2026, 11, 25, 23, 59, 59, tzinfo=TZ)


def timed(label, fn):
    """One run: for the steps that write (a second run would find their work done)."""
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"  {label:<52} {seconds:8.2f} s")
    return result, seconds


def timed_median(label, fn, runs):
    """The median of `runs` (>= 5) runs of a read-only step, and its result."""
    result = fn()
    seconds = median_seconds(fn, runs)
    print(f"  {label:<52} {seconds:8.2f} s (median of {runs_count(runs)})")
    return result, seconds


def build_organisation(outlets: int):
    """The demo bank, widened to `outlets` outlets, each with a head, a complaint manager and
    a lobby manager."""
    seed_organisation(sys.stdout)
    subs = list(Branch.objects.filter(level=Branch.Level.SUB_BRANCH))
    groups = {g.name: g for g in Group.objects.all()}
    existing = Branch.objects.filter(level=Branch.Level.OUTLET).count()
    for n in range(existing, outlets):
        outlet = Branch.objects.create(
            code=f"X{n:05d}",
            name=f"压测网点{n}",
            level=Branch.Level.OUTLET,
            parent=subs[n % len(subs)],
        )
        for prefix, role in (
            ("head", Role.BRANCH_MANAGER),
            ("cm", Role.COMPLAINT_MANAGER),
            ("lm", Role.LOBBY_MANAGER),
        ):
            user = User.objects.create(
                username=f"{prefix}_x{n:05d}",
                branch=outlet,
                email=f"{prefix}{n}@bench.invalid",
                last_name="压",
                first_name=f"测{n}",
            )
            user.groups.add(groups[role])
    print(
        f"\n  organisation: {Branch.objects.filter(level=Branch.Level.OUTLET).count()} outlets, "
        f"{User.objects.count()} staff"
    )


def build_register(total: int, open_count: int, due: int):
    outlets = list(Branch.objects.filter(level=Branch.Level.OUTLET).order_by("pk"))
    handlers = {
        u.branch_id: u.pk
        for u in User.objects.filter(groups__name=Role.COMPLAINT_MANAGER, branch__in=outlets)
    }
    author = User.objects.get(username="hq_service")
    template = complaint_register(
        user=author,
        branch=outlets[0],
        channel=Complaint.Channel.PHONE,
        received_at=NOW - dt.timedelta(days=1),
        description="压测模板投诉：排队等候时间过长。",
        customer_name="张伟",
        customer_phone="13812345678",
        now=NOW,
    )
    row = Complaint.objects.filter(pk=template.pk).values().get()
    Complaint.objects.filter(pk=template.pk).delete()
    varying = {
        "id",
        "reference",
        "submission_token",
        "branch_id",
        "handler_id",
        "status",
        "received_at",
        "acknowledged_at",
        "acknowledge_due_at",
        "reply_due_at",
        "replied_at",
        "regulatory_due_at",
        "followed_up_at",
        "followup_due_at",
        "closed_at",
    }
    constant = [c for c in row if c not in varying]
    outlet_ids = [o.pk for o in outlets]
    handler_ids = [handlers.get(o.pk) for o in outlets]
    # g ≤ 2·due: due rows (half breached yesterday, half due today); then the other open
    # rows; the rest closed long ago.
    sql = f"""
        INSERT INTO complaints_complaint (
            {", ".join(constant)}, reference, branch_id, handler_id, status, received_at,
            acknowledged_at, acknowledge_due_at, reply_due_at, replied_at, regulatory_due_at,
            followed_up_at, followup_due_at, closed_at)
        SELECT {", ".join(["%s"] * len(constant))},
            'BENCH-' || g,
            (%s::bigint[])[1 + g %% %s],
            (%s::bigint[])[1 + g %% %s],
            CASE WHEN g <= %s THEN 'registered' WHEN g <= %s THEN 'acknowledged' ELSE 'closed' END,
            %s::timestamptz - make_interval(mins => g %% 100000),
            CASE WHEN g <= 2 * %s THEN NULL ELSE %s::timestamptz - interval '200 days' END,
            CASE WHEN g <= %s THEN %s::timestamptz - interval '1 day'
                 ELSE %s::timestamptz - interval '200 days' END,
            CASE WHEN g <= %s THEN %s::timestamptz
                 WHEN g <= 2 * %s THEN %s::timestamptz
                 WHEN g <= %s THEN %s::timestamptz + make_interval(days => 1 + g %% 5)
                 ELSE %s::timestamptz - interval '199 days' END,
            CASE WHEN g <= %s THEN NULL ELSE %s::timestamptz - interval '199 days' END,
            %s::timestamptz + interval '13 days',
            CASE WHEN g <= %s THEN NULL ELSE %s::timestamptz - interval '190 days' END,
            CASE WHEN g <= %s THEN NULL ELSE %s::timestamptz - interval '195 days' END,
            CASE WHEN g <= %s THEN NULL ELSE %s::timestamptz - interval '189 days' END
        FROM generate_series(1, %s) AS g
    """
    params = [row[c] for c in constant] + [
        outlet_ids, len(outlet_ids), handler_ids, len(handler_ids),
        due, open_count,
        NOW,
        due, NOW,
        due, YESTERDAY_CLOSE, NOW,
        due, YESTERDAY_CLOSE, due, TODAY_CLOSE, open_count, NOW, NOW,
        open_count, NOW,
        NOW,
        open_count, NOW,
        open_count, NOW,
        open_count, NOW,
        total,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute("ANALYZE complaints_complaint")
    print(
        f"  register: {Complaint.objects.count():,} complaints, "
        f"{Complaint.objects.open().count():,} open"
    )


def add_clock():
    """5% of the complaints paused once (still paused if open), 2% extended twice."""
    author = User.objects.get(username="hq_service").pk
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO complaints_pause (complaint_id, reason, note, started_at, ended_at,
                                          started_by_id)
            SELECT id, 'mediation', '压测：调解', received_at + interval '1 day',
                   CASE WHEN status = 'closed' THEN received_at + interval '6 days' END, %s
            FROM complaints_complaint WHERE id %% 20 = 0
            """,
            [author],
        )
        cursor.execute(
            """
            UPDATE complaints_complaint SET paused_since = received_at + interval '1 day'
            WHERE id %% 20 = 0 AND status <> 'closed'
            """,
            [],
        )
        cursor.execute(
            """
            UPDATE complaints_complaint
            SET complexity = 'especially', extension_tier = 'especially',
                regulatory_due_at = received_at + interval '60 days'
            WHERE id %% 50 = 1
            """,
            [],
        )
        for tier, hours in (("complex", 26), ("especially", 50)):
            cursor.execute(
                """
                INSERT INTO complaints_extensionrequest (complaint_id, reason, requested_by_id,
                    requested_at, decision, decided_by_id, decided_at, decision_note, tier)
                SELECT id, '压测：延期', %s, received_at + make_interval(hours => %s),
                       'approved', %s, received_at + make_interval(hours => %s + 2), '', %s
                FROM complaints_complaint WHERE id %% 50 = 1
                """,
                [author, hours, author, hours, tier],
            )
        cursor.execute(
            """
            INSERT INTO complaints_customernotice (complaint_id, subject, method, told_at,
                recorded_by_id, note, extension_id)
            SELECT complaint_id, 'extension', 'phone', decided_at + interval '1 hour', %s,
                   '压测：电话告知', id
            FROM complaints_extensionrequest
            """,
            [author],
        )
        cursor.execute("ANALYZE complaints_complaint")
        cursor.execute("ANALYZE complaints_pause")
        cursor.execute("ANALYZE complaints_extensionrequest")
        cursor.execute("ANALYZE complaints_customernotice")
    paused = Complaint.objects.exclude(paused_since=None).count()
    print(f"  clock: {paused:,} open complaints paused, pauses and extensions added")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=50_000)
    parser.add_argument("--due", type=int, default=2_500)
    parser.add_argument("--outlets", type=int, default=400)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the register built by an earlier run"
    )
    parser.add_argument("--runs", type=int, default=5, help="runs of the read-only steps")
    add_smoke_argument(parser)
    args = parser.parse_args()
    if args.smoke:
        args.complaints, args.open, args.due, args.outlets = 400, 60, 10, 0
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is wiped).")
    print_load("start")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []

    if args.reuse:
        call_command("migrate", "--noinput", verbosity=0)
        Notification.objects.all().delete()
        print(f"Reusing {Complaint.objects.count():,} complaints.")
    else:
        print("Building (the database is wiped) ...")
        call_command("migrate", "--noinput", verbosity=0)
        call_command("flush", "--noinput", verbosity=0)
        call_command("migrate", "--noinput", verbosity=0)  # post_migrate: role groups again
        timed("organisation", lambda: build_organisation(args.outlets))
        timed(
            "register (INSERT … SELECT)",
            lambda: build_register(args.complaints, args.open, args.due),
        )
        timed("pauses and extensions", add_clock)

    print(f"\nAt {NOW:%Y-%m-%d %H:%M} Asia/Shanghai:")
    with time_machine.travel(NOW, tick=False):
        scan = reminders._Scan(NOW, Directory())
        statements = [q.query.sql_with_params() for q in scan.queries()]
        sql, params = statements[0]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join("    " + r[0] for r in cursor.fetchall())

        def bare():
            # Every query of the scan once, unbatched; the due complaints' rows are counted.
            with connection.cursor() as cursor:
                results = []
                for statement, values in statements:
                    cursor.execute(statement, values)
                    results.append(cursor.fetchall())
                return results[0]

        rows, bare_seconds = timed_median("bare SQL selecting the due complaints", bare, args.runs)
        directory, _s = timed_median(
            "directory of recipients (once per scan)", Directory, args.runs
        )
        with CaptureQueriesContext(connection) as queries:
            due = list(reminders.scan(now=NOW, directory=directory))
        _due, scan_seconds = timed_median(
            "complaint scan (rows → reminders)",
            lambda: list(reminders.scan(now=NOW, directory=directory)),
            args.runs,
        )
        rows_count = len(rows)
        batches = rows_count // BATCH_SIZE + 1
        offered = sum(len(list(r.recipient_ids)) for r in due)
        print(f"    due complaints {rows_count:,}; reminders {offered:,}")
        print(
            f"    scan queries: {len(queries)} for {batches} batch(es) of ≤{BATCH_SIZE}"
            f" (+ policies)"
        )
        print(f"    ratio scan / bare SQL: {scan_seconds / bare_seconds:.2f}")

        _n, create_seconds = timed(
            "creating the reminders", lambda: notifications_create(reminders=due, now=NOW)
        )
        recipients = list(
            Notification.objects.pending()
            .order_by("recipient_id")
            .values_list("recipient_id", flat=True)
            .distinct()
        )

        def send():
            return sum(notifications_deliver(recipient_id=r, now=NOW) for r in recipients)

        sent, send_seconds = timed(f"sending to {len(recipients)} people (locmem)", send)
        print(
            f"    reminders sent {sent:,} in {len(mail.outbox):,} mails; "
            f"create + send {create_seconds + send_seconds:.1f} s (target < 60 s)"
        )
        timed(
            "second scan + create (must add nothing)",
            lambda: notifications_create(
                reminders=reminders.scan(now=NOW, directory=directory), now=NOW
            ),
        )
        print(f"    rows now {Notification.objects.count():,}")
    print("\nPlan of the bare SQL:\n" + plan)
    print_load("end")


if __name__ == "__main__":
    main()
