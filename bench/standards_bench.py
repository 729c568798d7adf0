"""Benchmark of the checklist pages at bank scale (issue 4's speed targets).

    DATABASE_URL=postgres://.../bench .venv/bin/python bench/standards_bench.py \
        --outlets 500 --days 365

Builds (once; reused when the sizes match) a bank of N outlets, a 60-item daily template and
one submitted checklist per outlet per day with all its answers, written by set-based SQL
(INSERT ... SELECT over generate_series), then measures with the Django test client:

- the fill page of a 60-item checklist (queries, time),
- one answer saved as it is given (the page's autosave request: queries, time),
- a full 60-item submit (queries, time; the service alone and the whole request),
- the admin review list, unfiltered and filtered (queries, time),
- an outlet's history page (queries, time),
- missed_and_pending_checklists for every outlet over 30 days.

Use a database of its own: the script migrates it and fills it. PostgreSQL only.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchservice.settings.test")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

import datetime as dt  # noqa: E402

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench._common import MIN_RUNS, add_smoke_argument, print_load, signed_in_client  # noqa: E402
from branchservice.models import Branch, User  # noqa: E402
from branchservice.roles import Role, sync_role_permissions  # noqa: E402
from standards.models import (  # noqa: E402
    AnswerType,
    Checklist,
    ChecklistAnswer,
    ChecklistTemplate,
)
from standards.selectors import missed_and_pending_checklists  # noqa: E402
from standards.services import (  # noqa: E402
    AnswerInput,
    checklist_start,
    checklist_submit,
)
from tests.standards.factories import sixty_item_template  # noqa: E402


def build_bank(outlets: int):
    hq = Branch.objects.create(code="HQ", name="总行", level=Branch.Level.HEAD_OFFICE)
    per_sub = 10
    subs_needed = (outlets + per_sub - 1) // per_sub
    made = 0
    for t in range((subs_needed + 9) // 10):
        tier1 = Branch.objects.create(
            code=f"T{t:02d}", name=f"分行{t}", level=Branch.Level.TIER1_BRANCH, parent=hq
        )
        for s in range(10):
            if made >= outlets:
                break
            sub = Branch.objects.create(
                code=f"T{t:02d}S{s}",
                name=f"支行{t}-{s}",
                level=Branch.Level.SUB_BRANCH,
                parent=tier1,
            )
            for o in range(per_sub):
                if made >= outlets:
                    break
                Branch.objects.create(
                    code=f"T{t:02d}S{s}O{o}",
                    name=f"网点{t}-{s}-{o}",
                    level=Branch.Level.OUTLET,
                    parent=sub,
                )
                made += 1


def fill_history(template, days: int, first_day: dt.date):
    """One submitted checklist per outlet per day, and its 60 answers, in two statements."""
    version = template.current_version_id
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO standards_checklist (branch_id, business_date, template_id,
                template_version_id, status, revision, created_at, updated_at, submitted_at,
                score, failed_items, critical_failures, review_note)
            SELECT b.id, %(first)s::date + d, %(template)s, %(version)s,
                CASE WHEN d %% 3 = 0 THEN 'reviewed' ELSE 'submitted' END, 2, now(), now(),
                (%(first)s::date + d)::timestamptz + interval '10 hours',
                90 + (b.id + d) %% 11, (b.id + d) %% 3, ((b.id + d) %% 17 = 0)::int, ''
            FROM branchservice_branch b CROSS JOIN generate_series(0, %(days)s - 1) d
            WHERE b.level = 4
            """,
            {"first": first_day, "template": template.pk, "version": version, "days": days},
        )
        cursor.execute(
            """
            INSERT INTO standards_checklistanswer (checklist_id, item_id, result, score,
                failed, comment, photo, audio)
            SELECT c.id, i.id,
                CASE WHEN i.answer_type = 'score' THEN ''
                     WHEN (c.id + i.id) %% 29 = 0 THEN 'fail' ELSE 'pass' END,
                CASE WHEN i.answer_type = 'score' THEN 4 END,
                i.answer_type <> 'score' AND (c.id + i.id) %% 29 = 0, '', '', ''
            FROM standards_checklist c
            JOIN standards_versionitem i ON i.version_id = c.template_version_id
            WHERE c.template_id = %(template)s
            """,
            {"template": template.pk},
        )
        cursor.execute("ANALYZE")


def ok(response):
    assert response.status_code == 200, response.status_code
    return response


def timed(fn, repeat=MIN_RUNS, before=None):
    """The median time of `repeat` runs of fn() (wall, and this process's CPU: on a busy
    machine the wall time includes waiting for a core), its queries and result; `before`
    (untimed) sets up each run of a step that writes, such as a fresh checklist for each
    submit."""
    times, cpu, queries = [], [], None
    for _ in range(repeat):
        if before is not None:
            before()
        with CaptureQueriesContext(connection) as ctx:
            start, start_cpu = time.perf_counter(), time.process_time()
            result = fn()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        queries = len(ctx)
    wall_ms, cpu_ms = statistics.median(times) * 1000, statistics.median(cpu) * 1000
    return f"{wall_ms:7.1f} ms (CPU {cpu_ms:6.1f} ms)", queries, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--outlets", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    add_smoke_argument(parser)
    args = parser.parse_args()
    if args.smoke:
        args.outlets, args.days = 10, 7
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL: set DATABASE_URL.")
    print_load("start")

    call_command("migrate", verbosity=0)
    sync_role_permissions()
    today = timezone.localdate()
    first_day = today - dt.timedelta(days=args.days)
    template = ChecklistTemplate.objects.filter(code="bench-60").first()
    outlets = Branch.objects.filter(level=Branch.Level.OUTLET).count()
    if template is None or outlets != args.outlets:
        if template is not None or outlets:
            sys.exit("The database holds another size; use an empty database.")
        start = time.perf_counter()
        build_bank(args.outlets)
        template = sixty_item_template(code="bench-60")
        fill_history(template, args.days, first_day)
        print(f"built in {time.perf_counter() - start:.0f} s")
    template.refresh_from_db()
    print(
        f"size: {Branch.objects.filter(level=4).count()} outlets, "
        f"{Checklist.objects.count():,} checklists, "
        f"{ChecklistAnswer.objects.count():,} answers; times are medians of {MIN_RUNS} runs"
    )

    outlet = Branch.objects.filter(level=Branch.Level.OUTLET).order_by("pk").first()
    lobby, _ = User.objects.get_or_create(username="bench_lm", defaults={"branch": outlet})
    lobby.groups.add(*Group.objects.filter(name=Role.LOBBY_MANAGER))
    hq, _ = User.objects.get_or_create(
        username="bench_hq", defaults={"branch": Branch.objects.get(code="HQ"), "is_staff": True}
    )
    hq.groups.add(*Group.objects.filter(name=Role.HQ_SERVICE))

    # Today's checklist (outside the generated history) for the fill page and the submit.
    Checklist.objects.filter(branch=outlet, business_date=today).delete()
    checklist = checklist_start(branch=outlet, template=template, business_date=today, by=lobby)
    client = Client()
    client.force_login(lobby)
    url = reverse("standards:checklist", args=[checklist.pk])
    ms, q, _r = timed(lambda: ok(client.get(url)))
    print(f"fill page, 60 items:             {q:3d} queries, {ms}")

    items = list(checklist.template_version.items.all())
    answer_url = reverse("standards:answer", args=[checklist.pk])
    saved = {"revision": checklist.revision}

    def save_one_answer():
        response = ok(
            client.post(
                answer_url, {"item": items[0].pk, "result": "pass", "revision": saved["revision"]}
            )
        )
        saved["revision"] = response.json()["revision"]

    ms, q, _r = timed(save_one_answer)
    print(f"save one answer (autosave):      {q:3d} queries, {ms}")
    data = {"action": "submit", "revision": checklist.revision}
    for item in items:
        data[f"r{item.pk}"] = "5" if item.answer_type == AnswerType.SCORE else "pass"
    fresh = {}

    def fresh_checklist():
        """Today's checklist started again: each timed submit finds it open."""
        Checklist.objects.filter(branch=outlet, business_date=today).delete()
        started = checklist_start(branch=outlet, template=template, business_date=today, by=lobby)
        fresh["url"] = reverse("standards:checklist", args=[started.pk])
        fresh["checklist"] = Checklist.objects.select_related("branch").get(pk=started.pk)

    ms, q, response = timed(lambda: client.post(fresh["url"], data), before=fresh_checklist)
    assert response.status_code == 302, response.status_code
    print(f"submit request, 60 items:        {q:3d} queries, {ms}")

    answers = {
        item.pk: AnswerInput(score=5)
        if item.answer_type == AnswerType.SCORE
        else AnswerInput(result="pass")
        for item in items
    }
    ms, q, _r = timed(
        lambda: checklist_submit(
            checklist=fresh["checklist"], answers=answers, by=lobby, revision=1
        ),
        before=fresh_checklist,
    )
    print(f"checklist_submit service alone:  {q:3d} queries, {ms}")

    history = reverse("standards:history", args=[outlet.pk])
    ms, q, _r = timed(lambda: ok(client.get(history)))
    print(f"outlet history, page 1:          {q:3d} queries, {ms}")
    ms, q, _r = timed(lambda: ok(client.get(history, {"page": 10})))
    print(f"outlet history, page 10:         {q:3d} queries, {ms}")

    admin = signed_in_client(hq)
    changelist = reverse("admin:standards_checklist_changelist")
    ms, q, _r = timed(lambda: ok(admin.get(changelist)))
    print(f"admin review list, unfiltered:   {q:3d} queries, {ms}")
    month = {"business_date__gte": (today - dt.timedelta(days=30)).isoformat()}
    ms, q, _r = timed(lambda: ok(admin.get(changelist, {**month, "critical": "yes"})))
    print(f"admin review list, 30 d+critical:{q:3d} queries, {ms}")
    ms, q, _r = timed(lambda: ok(admin.get(changelist, {"score_band": "lt60"})))
    print(f"admin review list, score < 60:   {q:3d} queries, {ms}")
    ms, q, _r = timed(lambda: ok(admin.get(changelist, {"branch": outlet.pk})))
    print(f"admin review list, one outlet:   {q:3d} queries, {ms}")

    ms, q, rows = timed(
        lambda: missed_and_pending_checklists(
            branches_qs=Branch.objects.all(),
            date_from=today - dt.timedelta(days=30),
            date_to=today,
        ),
    )
    print(f"missed/pending, all outlets 30d: {q:3d} queries, {ms} ({len(rows)} rows)")
    print_load("end")


if __name__ == "__main__":
    main()
