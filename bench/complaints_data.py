"""Data generator for the complaint benchmarks (PostgreSQL only).

    DATABASE_URL=postgres://bench:bench@127.0.0.1:54331/bench \\
    DJANGO_SETTINGS_MODULE=branchservice.settings.test \\
        .venv/bin/python bench/complaints_data.py --complaints 1000000 --outlets 500

Builds a bank of `--outlets` outlets (head office → 10 tier-1 branches → sub-branches of 10
outlets), one complaint manager per outlet, the benchmark users `bench_hq` (head office) and
`bench_sub` (manager of the first sub-branch), and `--complaints` register entries spread over
the last two years. Deadlines are the real ones: computed with the services' function once per
day of receipt and kind/complexity, then joined into one INSERT ... SELECT. Rows already there
are kept; run with --reset to start again.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchservice.settings.test")

import django

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench._common import add_smoke_argument, print_load  # noqa: E402
from branchservice.models import Branch, User  # noqa: E402
from branchservice.roles import Role  # noqa: E402
from complaints.deadlines import compute_deadlines  # noqa: E402
from complaints.models import Complaint, DeadlinePolicy  # noqa: E402

DAYS = 730
OUTLETS_PER_SUB = 10
# Customer names as varied as a real register's: 30 family names × 38 × 38 given characters
# (a quarter of the names have one given character), so that a full name matches a few rows
# in a million and a family name a few per cent, as in life.
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文春晓海燕鹏飞")


def add_outlets(sub: Branch, numbers: list[int], group: Group) -> None:
    """The sub-branch's outlets of these numbers not there yet, each with its complaint
    manager, in a few bulk statements: saving 16,000 outlets one by one (with their history)
    took most of an hour. The path needs the key, so it is set after the insert."""
    have = set(Branch.objects.filter(parent=sub).values_list("code", flat=True))
    new = [
        Branch(code=f"BO{n:04d}", name=f"基准网点{n}", level=Branch.Level.OUTLET, parent=sub)
        for n in numbers
        if f"BO{n:04d}" not in have
    ]
    if not new:
        return
    Branch.objects.bulk_create(new)
    for outlet in new:
        outlet.path = f"{sub.path}{outlet.pk}/"
    Branch.objects.bulk_update(new, ["path"])
    users = User.objects.bulk_create(
        [
            User(username=f"bench_cm_{int(outlet.code[2:])}", branch=outlet, is_staff=True)
            for outlet in new
        ]
    )
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=user.pk, group_id=group.pk) for user in users]
    )


def build_bank(outlets: int) -> None:
    hq, _new = Branch.objects.get_or_create(
        code="BHQ", defaults={"name": "基准总行", "level": Branch.Level.HEAD_OFFICE}
    )
    groups = {g.name: g for g in Group.objects.all()}
    subs = (outlets + OUTLETS_PER_SUB - 1) // OUTLETS_PER_SUB
    made = 0
    for t in range(10):
        tier1, _new = Branch.objects.get_or_create(
            code=f"BT{t:02d}",
            defaults={"name": f"基准分行{t}", "level": Branch.Level.TIER1_BRANCH, "parent": hq},
        )
        for s in range(t, subs, 10):
            sub, _new = Branch.objects.get_or_create(
                code=f"BS{s:03d}",
                defaults={
                    "name": f"基准支行{s}",
                    "level": Branch.Level.SUB_BRANCH,
                    "parent": tier1,
                },
            )
            numbers = [s * OUTLETS_PER_SUB + o for o in range(min(OUTLETS_PER_SUB, outlets - made))]
            made += len(numbers)
            add_outlets(sub, numbers, groups[Role.COMPLAINT_MANAGER])
    for username, code, role in (
        ("bench_hq", "BHQ", Role.HQ_SERVICE),
        ("bench_sub", "BS000", Role.BRANCH_MANAGER),
    ):
        user, created = User.objects.get_or_create(
            username=username, defaults={"branch": Branch.objects.get(code=code), "is_staff": True}
        )
        if created:
            user.groups.add(groups[role])


def deadline_table(today: dt.date) -> list[tuple]:
    """(day offset, complexity, kind, due columns...) for every day of receipt."""
    policy = DeadlinePolicy.current()
    rows = []
    for offset in range(DAYS):
        received = timezone.make_aware(
            dt.datetime.combine(today - dt.timedelta(days=offset), dt.time(10))
        )
        for kind in Complaint.Kind.values:
            for complexity in Complaint.Complexity.values:
                c = Complaint(received_at=received, kind=kind, complexity=complexity)
                compute_deadlines(c, policy)
                rows.append(
                    (
                        offset,
                        kind,
                        complexity,
                        c.acknowledge_due_at,
                        c.reply_due_at,
                        c.branch_due_at,
                        c.regulatory_due_at,
                    )
                )
    return rows, policy.pk


INSERT = """
INSERT INTO complaints_complaint (
    reference, branch_id, kind, channel, status, received_at,
    customer_name, customer_phone, customer_id_number, customer_account,
    description, customer_request, complained_about, handler_id, registered_by_id,
    category_id, reason_id, business_channel_id, is_quality, complexity, bank_at_fault,
    root_cause,
    investigation_notes, apology, policy_id,
    acknowledge_due_at, reply_due_at, branch_due_at, regulatory_due_at,
    acknowledged_at, replied_at, followed_up_at, closed_at, founded,
    escalation_reason, extension_tier, reply_method, reply_content, resolved_on_spot,
    satisfaction, followup_method, followup_comment, void_reason, created_at, updated_at, version,
    reply_facts, reply_grounds, reply_remedies, review_right_told, review_request,
    review_outcome, review_findings
)
SELECT
    'TS-' || o.code || '-' || g.n, o.id, d.kind, ch.channel,
    CASE WHEN d.day_offset > 30 THEN 'closed'
         ELSE (ARRAY['registered','acknowledged','investigating','resolved','followed_up',
                     'closed'])[1 + g.n %% 6] END,
    %(today)s::timestamptz - make_interval(days => d.day_offset)
        + make_interval(mins => g.n %% 480),
    (%(surnames)s::text[])[1 + g.n %% %(n_surnames)s]
        || (%(given)s::text[])[1 + (g.n / %(n_surnames)s) %% %(n_given)s]
        || CASE WHEN g.n %% 4 = 0 THEN ''
                ELSE (%(given)s::text[])[1 + (g.n / %(n_names2)s) %% %(n_given)s] END,
    '13' || lpad((g.n %% 1000000000)::text, 9, '0'), '', '',
    '客户反映排队等候时间过长，柜员态度冷淡。', '', '', o.handler_id, o.handler_id,
    cat.id, rea.id, bch.id, false, d.complexity, false, '', '', '', %(policy)s,
    d.ack, d.reply, d.branch, d.regulatory,
    CASE WHEN d.day_offset > 30 OR g.n %% 6 > 0 THEN d.ack - interval '6 hours' END,
    CASE WHEN d.day_offset > 30 OR g.n %% 6 > 2 THEN d.reply - interval '6 hours' END,
    NULL,
    -- A closed entry has its closing time, which "open at the end of the period" reads:
    -- without it every complaint ever received counted as open. At the reply, or a day
    -- after receipt for suggestions and praise (no reply due).
    CASE WHEN d.day_offset > 30 OR g.n %% 6 = 5 THEN COALESCE(
        d.reply, %(today)s::timestamptz - make_interval(days => d.day_offset - 1)) END,
    NULL,
    '', '', '', '', false, '', '', '', '', now(), now(), 1,
    '', '', '', false, '', '', ''
FROM generate_series(%(start)s, %(stop)s) AS g(n)
JOIN bench_outlet o ON o.idx = g.n %% %(outlets)s
JOIN bench_deadline d ON d.idx = (g.n::bigint * 7919) %% %(deadline_rows)s
JOIN unnest(ARRAY['on_site','opinion_book','letter','phone','hotline','regulator','online'])
     WITH ORDINALITY AS ch(channel, pos) ON ch.pos = 1 + g.n %% 7
JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id FROM complaints_businesscategory) cat
     ON cat.idx = g.n %% (SELECT count(*) FROM complaints_businesscategory)
JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id FROM complaints_complaintreason) rea
     ON rea.idx = g.n %% (SELECT count(*) FROM complaints_complaintreason)
JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id FROM complaints_businesschannel) bch
     ON bch.idx = g.n %% (SELECT count(*) FROM complaints_businesschannel)
"""


def _plain(value):
    # A choice's enum member (a str subclass) as the plain string the column holds.
    return str(value) if isinstance(value, str) else value


def _with_defaults(sql: str) -> tuple[str, dict]:
    """INSERT with every other NOT NULL column of the model at its default: a field added
    later (a flag, a choice) then needs no change here. Returns the SQL and its parameters."""
    listed = sql.split("(", 1)[1].split(")", 1)[0]
    named = {column.strip() for column in listed.split(",")}
    extra = [
        field
        for field in Complaint._meta.concrete_fields
        if not (field.null or field.primary_key or field.column in named)
    ]
    # get_default(): the field's default, "" for text without one, None when it has none.
    defaults = {f"default_{f.column}": _plain(f.get_default()) for f in extra}
    for field in extra:
        if defaults[f"default_{field.column}"] is None or field.unique:
            raise RuntimeError(f"bench/complaints_data.py: give {field.column} a value")
    columns = "".join(f", {field.column}" for field in extra)
    values = "".join(f", %(default_{field.column})s" for field in extra)
    sql = sql.replace("\n)\nSELECT", f"{columns}\n)\nSELECT", 1)
    sql = sql.replace("\nFROM generate_series", f"{values}\nFROM generate_series", 1)
    return sql, defaults


def fill(complaints: int, outlets: int, batch: int) -> list[tuple[int, float]]:
    """Inserts the missing complaints; returns (rows, seconds) of each batch."""
    today = timezone.localdate()
    rows, policy = deadline_table(today)
    existing = Complaint.objects.filter(reference__startswith="TS-BO").count()
    insert, defaults = _with_defaults(INSERT)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_outlet, bench_deadline")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_outlet AS SELECT row_number() OVER (ORDER BY b.code) - 1"
            " AS idx, b.id, b.code, u.id AS handler_id FROM branchservice_branch b JOIN"
            " branchservice_user u ON u.branch_id = b.id AND u.username LIKE 'bench_cm_%%'"
            " WHERE b.code LIKE 'BO%%' AND b.level = 4"
        )
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_deadline (idx int, day_offset int, kind text,"
            " complexity text, ack timestamptz, reply timestamptz, branch timestamptz,"
            " regulatory timestamptz)"
        )
        cursor.executemany(
            "INSERT INTO bench_deadline VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [(i, *row) for i, row in enumerate(rows)],
        )
        cursor.execute("SELECT count(*) FROM bench_outlet")
        (n_outlets,) = cursor.fetchone()
        midnight = timezone.make_aware(dt.datetime.combine(today, dt.time(8)))
        batches = []
        for start in range(existing, complaints, batch):
            stop = min(start + batch, complaints) - 1
            began = time.perf_counter()
            with transaction.atomic():
                cursor.execute(
                    insert,
                    {
                        **defaults,
                        "start": start,
                        "stop": stop,
                        "outlets": n_outlets,
                        "deadline_rows": len(rows),
                        "policy": policy,
                        "today": midnight,
                        "surnames": SURNAMES,
                        "n_surnames": len(SURNAMES),
                        "given": GIVEN,
                        "n_given": len(GIVEN),
                        "n_names2": len(SURNAMES) * len(GIVEN),
                    },
                )
            seconds = time.perf_counter() - began
            batches.append((stop - start + 1, seconds))
            print(f"  rows {start:>9}..{stop:>9} in {seconds:5.1f}s", flush=True)
        cursor.execute("DROP TABLE bench_outlet, bench_deadline")
        cursor.execute("VACUUM ANALYZE complaints_complaint")
        cursor.execute("ANALYZE branchservice_branch")
    return batches


def smoke_register() -> None:
    """A tiny register for another benchmark's --smoke: the smoke step gives each script an
    empty database of its own."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    build_bank(20)
    fill(300, 20, 300)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--outlets", type=int, default=500)
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--reset", action="store_true", help="delete benchmark complaints first")
    add_smoke_argument(parser)
    args = parser.parse_args()
    if args.smoke:
        args.complaints, args.outlets, args.batch = 300, 20, 100
    if connection.vendor != "postgresql":
        sys.exit("The complaint benchmarks run against PostgreSQL: set DATABASE_URL.")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if args.reset:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE complaints_complaint, complaints_historicalcomplaint CASCADE")
    print_load("start")
    began = time.perf_counter()
    build_bank(args.outlets)
    batches = fill(args.complaints, args.outlets, args.batch)
    total = Complaint.objects.count()
    print(f"{total} complaints over {args.outlets} outlets in {time.perf_counter() - began:.0f}s")
    if batches:
        rate = statistics.median(rows / seconds for rows, seconds in batches)
        print(f"median of {len(batches)} batches: {rate:,.0f} rows/s")
    print_load("end")


if __name__ == "__main__":
    main()
