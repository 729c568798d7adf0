import datetime as dt
import random

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from branchservice.models import Branch
from branchservice.roles import Role
from complaints.models import Complaint
from reporting import selectors
from reporting.periods import Period
from reporting.selectors import STATISTIC_BY_KEY
from standards.models import AnswerType
from standards.services import AnswerInput, checklist_start, checklist_submit
from tests.complaints.factories import ComplaintFactory
from tests.factories import BranchFactory, UserFactory
from tests.reporting.factories import at, complaint, october
from tests.standards.conftest import small_template  # noqa: F401  (fixture)

OCTOBER = dt.date(2026, 10, 1)


@pytest.fixture(autouse=True)
def early_november():
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 5, 9)), tick=False):
        yield


def summary(scope):
    return {row.branch.code: row for row in selectors.branch_summary(scope=scope, period=OCTOBER)}


def value(row, key):
    return STATISTIC_BY_KEY[key].compute(row.parts)


def test_it_counts_entries_by_kind_per_outlet_and_adds_them_up_the_tree(org):
    october(org)
    rows = summary(org.hq)
    assert [value(rows["A"], k) for k in ("entries", "complaints", "suggestions", "praise")] == [
        4, 3, 1, 0,
    ]  # fmt: skip
    assert [value(rows["A2"], k) for k in ("entries", "complaints", "praise")] == [2, 1, 1]
    assert value(rows["S1"], "entries") == 6
    assert value(rows["B"], "entries") == 1
    assert value(rows["T1"], "entries") == value(rows["HQ"], "entries") == 7


def test_subtotal_rates_come_from_summed_counts_not_averaged_rates(org):
    october(org)
    s1 = summary(org.hq)["S1"]
    assert value(s1, "founded_rate") == pytest.approx(2 / 3)  # c1, c4 founded; c2 not
    assert value(s1, "ack_on_time") == 3  # c2 acknowledged a day late
    assert value(s1, "ack_on_time_rate") == pytest.approx(3 / 4)
    # c1 and c4 on time, c2 late, c3 due 27 Oct and unanswered.
    assert (value(s1, "reply_on_time"), value(s1, "reply_on_time_rate")) == (2, 0.5)
    assert value(s1, "escalated") == 1
    assert (value(s1, "followed_up"), value(s1, "satisfaction_rate")) == (2, 0.5)


def test_a_reply_not_yet_due_at_month_end_is_not_counted_either_way(org):
    october(org)
    b = summary(org.hq)["B"]
    assert value(b, "reply_on_time_rate") is None  # c5 is due 3 Nov
    assert value(b, "ack_on_time_rate") == 1


def test_handling_time_is_in_prc_working_days_with_a_nearest_rank_90th_percentile(org):
    october(org)
    s1 = summary(org.hq)["S1"]
    # c1 9→12 Oct: Sat 10 Oct is an adjusted working day, so 2; c2 13→20 Oct: 5; c4: 1.
    assert value(s1, "handling_days_avg") == pytest.approx(8 / 3)
    assert value(s1, "handling_days_p90") == 5


def test_open_overdue_at_month_end_includes_older_months(org):
    october(org)
    rows = summary(org.hq)
    assert value(rows["A"], "open_overdue") == 2  # c3 and the September one replied in Nov.
    assert value(rows["B"], "open_overdue") == 0
    codes = [c.reference for c in selectors.overdue_details(scope=org.hq, period=OCTOBER)]
    assert len(codes) == 2


def test_complaints_are_broken_down_by_channel_and_reason(org):
    data = october(org)
    a = summary(org.hq)["A"]
    assert a.parts["channel:phone"] == 2 and a.parts["channel:on_site"] == 1
    assert a.parts[f"reason:{data['c1'].reason_id}"] == 2
    matrix = selectors.category_reason_matrix(scope=org.hq, period=OCTOBER)
    assert matrix[(data["c1"].category_id, data["c1"].reason_id)] == 1
    assert sum(matrix.values()) == 5


def test_an_empty_month_gives_zeros_not_errors(org):
    rows = summary(org.hq)
    assert value(rows["HQ"], "entries") == 0
    assert value(rows["HQ"], "reply_on_time_rate") is None
    # 18 working days in October 2026 (1-7 Oct off, Saturday 10 Oct worked) × 3 outlets.
    assert value(rows["HQ"], "checklists_required") == 54
    assert value(rows["HQ"], "checklists_missed") == 54


def test_a_scope_sees_only_its_own_branches(org):
    october(org)
    rows = summary(org.s1)
    assert set(rows) == {"S1", "A", "A2"}
    assert value(rows["S1"], "entries") == 6


def test_an_inactive_outlet_keeps_its_history_in_the_month(org):
    october(org)
    Branch.objects.filter(pk=org.a2.pk).update(is_active=False)
    rows = summary(org.hq)
    assert value(rows["A2"], "entries") == 2
    assert value(rows["A2"], "checklists_required") == 0  # closed: no checklist expected


def test_the_number_of_queries_does_not_grow_with_the_number_of_outlets(org):
    october(org)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            selectors.branch_summary(scope=org.hq, period=OCTOBER)
        return len(ctx.captured_queries)

    queries()  # the calendar loads its holiday overrides into the cache once
    before = queries()
    for n in range(8):
        BranchFactory(code=f"X{n}", level=Branch.Level.OUTLET, parent=org.s2)
    assert queries() == before


def _fill(outlet, template, day, *, critical_fail=False):
    user = UserFactory(branch=outlet, roles=[Role.LOBBY_MANAGER], is_staff=False)
    checklist = checklist_start(branch=outlet, template=template, business_date=day, by=user)
    answers = {}
    for item in checklist.template_version.items.all():
        if item.answer_type == AnswerType.SCORE:
            answers[item.pk] = AnswerInput(score=item.max_score)
        elif item.is_critical and critical_fail:
            answers[item.pk] = AnswerInput(result="fail", comment="叫号机故障", photo="x.jpg")
        else:
            answers[item.pk] = AnswerInput(result="pass")
    return checklist_submit(checklist=checklist, answers=answers, by=user, revision=1)


def test_checklists_required_submitted_missed_and_excused(org, small_template):  # noqa: F811
    from standards.services import missed_checklist_excuse

    _fill(org.a, small_template, dt.date(2026, 10, 9))
    _fill(org.a2, small_template, dt.date(2026, 10, 9), critical_fail=True)
    head = UserFactory(branch=org.s1, roles=[Role.BRANCH_MANAGER])
    missed_checklist_excuse(
        branch=org.a, business_date=dt.date(2026, 10, 12), reason="停电", by=head
    )
    rows = summary(org.hq)
    a, s1 = rows["A"], rows["S1"]
    keys = ("checklists_required", "checklists_done", "checklists_excused", "checklists_missed")
    assert [value(a, k) for k in keys] == [18, 1, 1, 16]
    assert value(a, "checklist_completion_rate") == pytest.approx(2 / 18)
    assert value(a, "checklist_score_avg") == 100
    assert value(s1, "critical_failures") == 1
    # The failed critical item raised a rectification when it was submitted, in November.
    assert value(s1, "rectifications_from_checklists") == 0
    november = selectors.branch_summary(scope=org.s1, period=dt.date(2026, 11, 1))[0]
    assert value(november, "rectifications_from_checklists") == 1
    items = selectors.most_failed_items(scope=org.hq, period=OCTOBER)
    assert [(i["item__text"], i["failures"], i["answers"]) for i in items] == [("叫号机正常", 1, 2)]


def test_todays_checklist_is_not_missed_before_its_due_time(org):
    """The monthly statistics and the dashboard's heat map say "missed" exactly where the
    outlet page and the reminders do (standards' rule): today only after the due time."""
    november = dt.date(2026, 11, 1)
    a = selectors.branch_summary(scope=org.a, period=november)[0]
    # 5 November, 09:00: 2, 3 and 4 November were missed; today's is due at 18:00.
    assert [value(a, k) for k in ("checklists_required", "checklists_missed")] == [4, 3]
    cells = selectors.checklist_heatmap(scope=org.a, period=november)["rows"][0]["cells"]
    assert cells[1:5] == ["missed", "missed", "missed", "off"]
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 5, 18, 30)), tick=False):
        a = selectors.branch_summary(scope=org.a, period=november)[0]
        assert value(a, "checklists_missed") == 4


def test_inspection_and_mystery_shopper_scores_are_averaged_apart_and_up_the_tree(org):
    from standards.models import Checklist, ChecklistTemplate
    from tests.standards.factories import small_template as make_template

    def visits(kind, scores):
        template = make_template(code=f"t-{kind}")
        ChecklistTemplate.objects.filter(pk=template.pk).update(kind=kind)
        version = template.versions.get()
        for (branch, day), score in scores.items():
            Checklist.objects.create(
                branch=branch, business_date=dt.date(2026, 10, day), template=template,
                template_version=version, status="submitted", score=score,
            )  # fmt: skip

    visits("inspection", {(org.a, 12): 80, (org.a2, 13): 90, (org.a, 14): 70})
    visits("mystery", {(org.a, 15): 60})
    Checklist.objects.filter(score=70).update(status="draft")  # not done: not counted
    rows = summary(org.hq)
    assert value(rows["A"], "inspections") == 1
    assert value(rows["A"], "inspection_score_avg") == 80
    assert value(rows["S1"], "inspection_score_avg") == 85
    assert value(rows["S1"], "mystery_score_avg") == 60
    assert value(rows["S2"], "inspection_score_avg") is None


def test_complaints_per_1000_outlets_count_the_outlets_in_service(org):
    october(org)
    org.b.is_active = False
    org.b.save()
    rows = summary(org.hq)
    # Five October complaints of active and closed outlets over the two outlets in service.
    assert value(rows["HQ"], "outlets") == 2
    assert value(rows["HQ"], "complaints_per_1k_outlets") == pytest.approx(5 * 1000 / 2)


def test_the_twelve_month_trend_is_each_months_own_figures_in_one_query(org):
    october(org)
    with CaptureQueriesContext(connection) as queries:
        trend = selectors.monthly_trend(scope=org.hq, period=OCTOBER)
    assert len(queries.captured_queries) == 1
    assert [point["month"] for point in trend] == selectors.months_back(OCTOBER, 12)
    # October: c1..c5; c1 and c4 on time, c2 late, c3 due and unanswered, c5 not yet due.
    # September: one complaint, due on the 29th and replied in November.
    assert [(p["complaints"], p["reply_on_time_rate"]) for p in trend[-2:]] == [(1, 0), (5, 0.5)]
    # The same figures as each month's summary (the statistics' one definition).
    for point in trend:
        rows = selectors.branch_summary(scope=org.hq, period=point["month"])
        assert point["complaints"] == value(rows[0], "complaints")
        assert point["reply_on_time_rate"] == value(rows[0], "reply_on_time_rate")


# ---- the standing figures at a period's end, recomputed --------------------------------------

STANDING = ("open_overdue", "open_at_end", "regulatory_breached", "repeats")
PERIODS = [Period.parse(text) for text in ("2026-09", "2026-10", "2026-Q3", "2026-Q4")]


def _standing_register(org):
    """Complaints (and a few suggestions) received before, in and after September and October,
    on the periods' edges too, closed before, during, exactly at the end of and after them or
    not at all, replied before or after their regulatory ceiling or not at all: the statuses
    with their closing times as the services leave them (a complaint under review is open
    again and keeps the time it was closed; a void one was never closed)."""
    rng = random.Random(18)
    edges = [p.start_at for p in PERIODS] + [p.end_at for p in PERIODS]
    moments = [*edges, at(8, 20), at(9, 15), at(10, 12), at(10, 30), at(11, 2), at(11, 4)]
    statuses = ["investigating", "resolved", "closed", "reviewing", "withdrawn", "merged", "void"]
    closed_statuses = {"closed", "reviewing", "withdrawn", "merged"}
    for n in range(160):
        received = rng.choice(moments)
        status = statuses[n % len(statuses)]
        later = [m for m in moments if m >= received]
        closed = rng.choice(later) if status in closed_statuses else None
        regulatory_due = received + dt.timedelta(days=rng.choice([1, 10, 15, 30, 45]))
        replied = rng.choice([None, regulatory_due - dt.timedelta(hours=2),
                              regulatory_due, regulatory_due + dt.timedelta(days=3)])  # fmt: skip
        complaint(
            [org.a, org.a2, org.b][n % 3], received,
            kind="suggestion" if n % 13 == 0 else "complaint",
            status=status,
            reply_due_at=received + dt.timedelta(days=rng.choice([1, 5, 20])),
            replied_at=replied,
            regulatory_due_at=regulatory_due,
            closed_at=closed,
            is_repeat=n % 5 == 1,
        )  # fmt: skip


def _standing_by_hand(rows, period):
    """The four standing figures of `rows` at the end of `period`, from their definitions."""
    start, end = period.start_at, period.end_at
    counted = [
        r for r in rows
        if r["kind"] == "complaint" and r["received_at"] < end
    ]  # fmt: skip
    open_at_end = [
        r for r in counted
        if r["status"] not in Complaint.NOT_COUNTED
        and (r["closed_at"] is None or r["closed_at"] >= end)
    ]  # fmt: skip
    return {
        "open_at_end": len(open_at_end),
        "open_overdue": sum(
            r["reply_due_at"] < end and (r["replied_at"] is None or r["replied_at"] >= end)
            for r in open_at_end
        ),
        "regulatory_breached": sum(
            r["status"] not in Complaint.NOT_COUNTED
            and start <= r["regulatory_due_at"] < end
            and (r["replied_at"] is None or r["replied_at"] > r["regulatory_due_at"])
            for r in counted
        ),
        "repeats": sum(r["is_repeat"] and start <= r["received_at"] for r in counted),
    }


OUTLETS_OF = {"A": {"A"}, "A2": {"A2"}, "B": {"B"}, "S1": {"A", "A2"}, "HQ": {"A", "A2", "B"}}


@pytest.mark.parametrize("period", PERIODS, ids=str)
def test_the_standing_figures_agree_with_the_rows_recomputed_by_hand(org, period):
    _standing_register(org)
    rows = list(
        Complaint.objects.values(
            "branch__code", "kind", "status", "received_at", "reply_due_at", "replied_at",
            "regulatory_due_at", "closed_at", "is_repeat",
        )
    )  # fmt: skip
    expected = {
        code: _standing_by_hand([r for r in rows if r["branch__code"] in outlets], period)
        for code, outlets in OUTLETS_OF.items()
    }
    assert all(expected["HQ"].values()), "every figure counts something"
    summary = {
        row.branch.code: row for row in selectors.branch_summary(scope=org.hq, period=period)
    }
    for code in OUTLETS_OF:
        assert {key: value(summary[code], key) for key in STANDING} == expected[code], code
    # A page of the league reads the same source over its outlets only.
    page = selectors.outlet_parts(
        scope=org.hq, period=period, branches=selectors.scope_branches(org.hq),
        sources={"standing"}, outlets=[org.a2.pk],
    )  # fmt: skip
    assert set(page) <= {org.a2.pk}
    assert {key: page[org.a2.pk][key] for key in STANDING} == expected["A2"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index plans of PostgreSQL")
def test_the_standing_figures_read_the_rows_that_can_count_through_indexes(org):
    _standing_register(org)
    # A register as it grows: most complaints were closed long before the period.
    last_year = at(3, 10, year=2025)
    Complaint.objects.bulk_create(
        ComplaintFactory.build(
            branch=org.b, received_at=last_year, reply_due_at=last_year,
            regulatory_due_at=last_year, replied_at=last_year, closed_at=last_year,
            status="closed",
        )
        for _n in range(2000)
    )  # fmt: skip
    # The source's own predicate, without the scope's join: on a tiny table the planner
    # would rather start from the branches.
    sql, params = (
        Complaint.objects.filter(selectors.standing_rows_q(PERIODS[1]))
        .values("pk")
        .order_by()
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        # The table is tiny: without this the planner reads it whole, index or not; and
        # without statistics it guesses every predicate selective.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("ANALYZE complaints_complaint")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # Not closed by the end, and the ceilings of the period: not every complaint received.
    assert "complaint_closed_idx" in plan
    assert "complaint_reg_due_all_idx" in plan
