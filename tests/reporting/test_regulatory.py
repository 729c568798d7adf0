"""The regulator's tables and the disclosure figures (issue 18 item 3): one quarterly workbook
recomputed here from the rows themselves, cell by cell, on every sheet; the build from the
report centre within the auditor's scope; the schedule; a fixed number of queries."""

import datetime as dt
import hashlib
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from complaints.deadlines import compute_deadlines
from complaints.models import (
    BusinessCategory,
    BusinessChannel,
    Complaint,
    ComplaintReason,
    DeadlinePolicy,
    Pause,
)
from reporting import selectors, services
from reporting.models import JobStatus, ReportFile
from reporting.periods import Period, PeriodKind
from reporting.regulatory import COLUMN_BY_KEY, COLUMNS, build_regulatory
from reporting.selectors import STATISTIC_BY_KEY
from tests.exports.helpers import open_workbook, sheet_rows
from tests.factories import BranchFactory, UserFactory
from tests.reporting.factories import at, complaint

Q3 = Period(PeriodKind.QUARTER, dt.date(2026, 7, 1))
END = Q3.end_at


@pytest.fixture
def bank(org):
    """The test bank with a second tier-1 branch (another province) and its outlet."""
    org.t2 = BranchFactory(code="T2", name="上海分行", level=2, parent=org.hq)
    org.s3 = BranchFactory(code="S3", name="浦东支行", level=3, parent=org.t2)
    org.c = BranchFactory(code="C", name="陆家嘴网点", level=4, parent=org.s3)
    return org


def _register(org):
    """Complaints in and around the third quarter of 2026 at four outlets of two tier-1
    branches: every code level, replies on both sides of 15, 30 and 60 days, restarted and
    paused clocks, extensions, reviews, regulator transfers, and entries that do not count."""
    policy = DeadlinePolicy.current()
    channels = list(BusinessChannel.objects.filter(code__in=["01", "02", "03"]))
    # A 大类, a 中类 under 银行卡 and a 中类 under 其他; None: not classified yet.
    categories = [*BusinessCategory.objects.filter(code__in=["01", "0301", "0302", "9901"]), None]
    reasons = [*ComplaintReason.objects.filter(code__in=["01", "0101", "11"]), None]
    replies = [None, 3, 15, 16, 29, 31, 45, 60, 61, 80]
    user = UserFactory(username="pauser")
    n = 0
    for month in (6, 7, 8, 9, 10):
        for day in (2, 11, 27):
            for branch in (org.a, org.a2, org.b, org.c):
                n += 1
                received = at(month, day, hour=8 + n % 10)
                reply_after = replies[n % len(replies)]
                entry = complaint(
                    branch, received,
                    kind="suggestion" if n % 13 == 0 else "complaint",
                    channel="regulator" if n % 4 == 0 else "phone",
                    status=["resolved", "void", "merged", "closed"][n % 4 if n % 9 == 0 else 0],
                    founded=[True, False, None][n % 3],
                    bank_at_fault=n % 2 == 0,
                    business_channel=channels[n % len(channels)],
                    category=categories[n % len(categories)],
                    reason=reasons[n % len(reasons)],
                    extension_tier=["", "", "complex", "especially"][n % 4 if n % 3 else 0],
                    period_started_at=received + dt.timedelta(days=5) if n % 7 == 0 else None,
                    replied_at=received + dt.timedelta(days=reply_after, hours=3)
                    if reply_after is not None else None,
                    review_requested_at=received + dt.timedelta(days=40) if n % 5 == 0 else None,
                    reviewed_at=received + dt.timedelta(days=50) if n % 10 == 0 else None,
                    review_outcome=["upheld", "changed"][n % 20 // 10] if n % 10 == 0 else "",
                )  # fmt: skip
                pauses = []
                if n % 6 == 1:  # an appraisal of 4 days, finished, from day 6 of the clock
                    start = (entry.period_started_at or received) + dt.timedelta(days=6)
                    pauses.append(Pause.objects.create(
                        complaint=entry, reason="appraisal", note="鉴定", started_by=user,
                        started_at=start, ended_at=start + dt.timedelta(days=4),
                    ))  # fmt: skip
                if n % 11 == 0:  # an open mediation: not counted until it ends
                    Pause.objects.create(
                        complaint=entry, reason="mediation", note="调解", started_by=user,
                        started_at=received + dt.timedelta(days=2),
                    )  # fmt: skip
                compute_deadlines(entry, policy, pauses)
                entry.save()


FIELDS = (
    "branch__path", "kind", "status", "received_at", "business_channel__code",
    "category__code", "reason__code", "founded", "bank_at_fault", "replied_at",
    "period_started_at", "extension_tier", "review_requested_at", "reviewed_at",
    "review_outcome", "channel", "pk",
)  # fmt: skip


def _rows(scope):
    """The quarter's complaints of the scope, read plainly from the table, as dicts."""
    rows = [
        dict(zip(FIELDS, row, strict=True))
        for row in Complaint.objects.filter(branch__path__startswith=scope.path).values_list(
            *FIELDS
        )
    ]
    return [
        r for r in rows
        if Q3.start_at <= r["received_at"] < END and r["kind"] == "complaint"
        and r["status"] not in ("void", "merged")
    ]  # fmt: skip


def _clock_days(row, pauses):
    """Natural days of the regulatory clock spent at the reply, counted by hand: from the day
    of receipt or of the restart, less the finished pauses that began on or after it."""
    local = timezone.localdate
    start = local(row["period_started_at"] or row["received_at"])
    paused = sum(
        (local(ended) - local(started)).days
        for started, ended in pauses.get(row["pk"], ())
        if ended is not None and local(started) >= start
    )
    return (local(row["replied_at"]) - start).days - paused


def _expected(rows, pauses):
    replied = [r for r in rows if r["replied_at"] is not None and r["replied_at"] < END]
    within = {d: sum(_clock_days(r, pauses) <= d for r in replied) for d in (15, 30, 60)}
    reviewed = [r for r in rows if r["reviewed_at"] is not None and r["reviewed_at"] < END]
    return {
        "complaints": len(rows),
        "founded": sum(r["founded"] is True for r in rows),
        "at_fault": sum(r["founded"] is not None and r["bank_at_fault"] for r in rows),
        "replied": len(replied),
        "within_15_days": within[15],
        "within_30_days": within[30],
        "within_60_days": within[60],
        "over_60": len(replied) - within[60],
        "not_replied": len(rows) - len(replied),
        "extended": sum(r["extension_tier"] != "" for r in rows),
        "extended_60": sum(r["extension_tier"] == "especially" for r in rows),
        "reviews": sum(
            r["review_requested_at"] is not None and r["review_requested_at"] < END for r in rows
        ),
        "reviews_decided": len(reviewed),
        "reviews_changed": sum(r["review_outcome"] == "changed" for r in reviewed),
        "regulator_transfers": sum(r["channel"] == "regulator" for r in rows),
    }


def _build(scope, period=Q3):
    stream = io.BytesIO()
    with time_machine.travel(at(11, 5), tick=False), translation.override("en"):
        build_regulatory(scope=scope, period=period, stream=stream)
        labels = [str(stat.label) for stat in COLUMNS]
    return open_workbook(stream.getvalue()), labels


def _figures(sheet_row, labels):
    """The column figures of a row (the last len(labels) cells), by statistic key."""
    return dict(zip([stat.key for stat in COLUMNS], sheet_row[-len(labels) :], strict=True))


def test_every_figure_of_a_quarterly_regulatory_workbook_agrees_with_the_rows(bank):
    _register(bank)
    workbook, labels = _build(bank.hq)
    rows = _rows(bank.hq)
    pauses = {}
    for complaint_id, started, ended in Pause.objects.values_list(
        "complaint_id", "started_at", "ended_at"
    ):
        pauses.setdefault(complaint_id, []).append((started, ended))
    expected = _expected(rows, pauses)
    # The data reach every column, and every term splits the replies somewhere.
    assert all(expected[key] for key in expected), expected
    assert expected["within_15_days"] < expected["within_30_days"] < expected["within_60_days"]
    assert expected["within_60_days"] < expected["replied"]
    assert ["Period", "Q3 2026"] in sheet_rows(workbook["Cover"])
    checked = 0

    # By branch: each branch's figures are those of the rows of the outlets below it.
    sheet = sheet_rows(workbook["By branch"])
    assert sheet[0][-len(labels) :] == labels
    paths = {b.code: b.path for b in (bank.hq, bank.t1, bank.t2, bank.s1, bank.s2, bank.s3,
                                      bank.a, bank.a2, bank.b, bank.c)}  # fmt: skip
    assert [row[0] for row in sheet[1:]] == ["HQ", "T1", "S1", "A", "A2", "S2", "B", "T2", "S3",
                                             "C"]  # fmt: skip
    for row in sheet[1:]:
        own = [r for r in rows if r["branch__path"].startswith(paths[row[0]])]
        assert _figures(row, labels) == _expected(own, pauses), row[0]
        checked += 1

    # A × B × C: each combination, each B 大类 subtotal and the total.
    def label(dimension, code, model):
        if code is None:
            return "Unclassified"
        return f"{dimension} {code} / {model.objects.get(code=code).name}"

    def top_of(code):
        return code[:2] if code else None

    sheet = sheet_rows(workbook["A × B × C"])
    assert sheet[0][-len(labels) :] == labels
    combinations = {}
    for r in rows:
        key = (r["business_channel__code"], r["category__code"], r["reason__code"])
        combinations.setdefault(key, []).append(r)
    body = [row for row in sheet[1:] if row[0] != "Total" and row[0] is not None]
    assert len(body) == len(combinations)
    for a, b, c in combinations:
        cells = [label("A", a, BusinessChannel), label("B", b, BusinessCategory),
                 label("C", c, ComplaintReason)]  # fmt: skip
        (row,) = [row for row in body if row[:3] == cells]
        assert _figures(row, labels) == _expected(combinations[(a, b, c)], pauses), cells
        checked += 1
    subtotals = [row for row in sheet[1:] if row[0] is None]
    tops = {top_of(r["category__code"]) for r in rows}
    assert len(subtotals) == len(tops)
    for row in subtotals:
        top = next(t for t in tops if row[1] == f"Subtotal {label('B', t, BusinessCategory)}")
        own = [r for r in rows if top_of(r["category__code"]) == top]
        assert _figures(row, labels) == _expected(own, pauses), row[1]
        checked += 1
    assert sheet[-1][0] == "Total" and _figures(sheet[-1], labels) == expected

    # The three code trees: an entry's row adds up the complaints coded with it or below it
    # (its code is a prefix of theirs).
    for title, field, model in [
        ("By business channel (A)", "business_channel__code", BusinessChannel),
        ("By business category (B)", "category__code", BusinessCategory),
        ("By reason (C)", "reason__code", ComplaintReason),
    ]:
        sheet = sheet_rows(workbook[title])
        assert sheet[0][-len(labels) :] == labels
        codes = set(model.objects.filter(is_active=True).values_list("code", flat=True))
        assert {row[0] for row in sheet[1:] if row[0]} == codes, title
        for row in sheet[1:]:
            if row[0]:
                own = [r for r in rows if (r[field] or "").startswith(row[0])]
                assert row[1].strip() == model.objects.get(code=row[0]).name
            elif row[1] == "Unclassified":
                own = [r for r in rows if r[field] is None]
            else:
                assert row[1] == "Total"
                own = rows
            assert _figures(row, labels) == _expected(own, pauses), (title, row[:2])
            checked += 1

    # The disclosure: the total, each B 大类 and each tier-1 branch, with its share.
    sheet = sheet_rows(workbook["Disclosure"])
    total = len(rows)
    assert ["Total complaints", total] in [row[:2] for row in sheet]
    by_label = {row[0]: row[1:3] for row in sheet if row[0] and isinstance(row[1], int)}
    for top in tops:
        n = sum(top_of(r["category__code"]) == top for r in rows)
        assert by_label[label("B", top, BusinessCategory)] == [n, pytest.approx(n / total)]
        checked += 1
    for branch in (bank.t1, bank.t2):
        n = sum(r["branch__path"].startswith(branch.path) for r in rows)
        assert by_label[f"{branch.name} ({branch.code})"] == [n, pytest.approx(n / total)]
        checked += 1
    assert checked > 60


def test_the_summary_and_the_regulatory_tables_count_regulator_transfers_alike(bank):
    _register(bank)
    workbook, labels = _build(bank.hq)
    with time_machine.travel(at(11, 5), tick=False):
        summary = {r.branch.code: r for r in selectors.branch_summary(scope=bank.hq, period=Q3)}
    transfers = STATISTIC_BY_KEY["regulator_transfers"]
    assert COLUMN_BY_KEY["regulator_transfers"] is transfers  # one definition
    by_branch = sheet_rows(workbook["By branch"])[1:]
    assert len(by_branch) == len(summary)
    for row in by_branch:
        expected = sum(r["channel"] == "regulator" for r in _rows(summary[row[0]].branch))
        assert _figures(row, labels)["regulator_transfers"] == expected, row[0]
        assert transfers.compute(summary[row[0]].parts) == expected, row[0]
    assert transfers.compute(summary["HQ"].parts) > 0


def test_a_tier1_scope_counts_only_its_own_outlets(bank):
    _register(bank)
    workbook, labels = _build(bank.t2)
    sheet = sheet_rows(workbook["By branch"])
    assert [row[0] for row in sheet[1:]] == ["T2", "S3", "C"]
    codes = sheet_rows(workbook["A × B × C"])
    assert codes[-1][-len(labels)] == len(_rows(bank.t2))
    # Its disclosure's regions are the sub-branches below it.
    disclosure = [row[0] for row in sheet_rows(workbook["Disclosure"])]
    assert "浦东支行 (S3)" in disclosure and "海淀支行 (S1)" not in disclosure


def test_a_year_takes_the_queries_of_a_quarter(bank):
    _register(bank)

    def queries(period):
        with CaptureQueriesContext(connection) as ctx:
            build_regulatory(scope=bank.hq, period=period, stream=io.BytesIO())
        return len(ctx.captured_queries)

    assert queries(Q3) == queries(Period.parse("2026"))
    assert queries(Q3) <= 8


@pytest.fixture
def november():
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 5, 9))):
        yield


def test_an_auditor_builds_the_regulatory_workbook_of_their_scope_in_the_centre(
    november, bank, auditor, login, django_capture_on_commit_callbacks
):
    _register(bank)
    client = login(auditor)
    with translation.override("zh-hans"):
        page = client.get(reverse("reporting:centre"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "监管投诉统计表" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("reporting:build"),
            {"kind": "regulatory", "period": "2026-Q3", "scope": bank.s1.pk},
        )
        # Another tier-1 branch is not in the auditor's scope: refused, nothing built.
        client.post(
            reverse("reporting:build"),
            {"kind": "regulatory", "period": "2026-Q3", "scope": bank.t2.pk},
        )
    (report_file,) = ReportFile.objects.all()
    assert (report_file.kind, report_file.scope, report_file.status) == (
        "regulatory", bank.s1, JobStatus.READY,
    )  # fmt: skip
    assert report_file.progress == 100
    assert report_file.download_name() == "S1-2026-Q3-regulatory-v1.xlsx"
    content = report_file.file.read()
    assert hashlib.sha256(content).hexdigest() == report_file.sha256
    response = client.get(reverse("reporting:download_report", args=[report_file.pk]))
    workbook = open_workbook(b"".join(response.streaming_content))
    assert "监管投诉统计季报" in [row[0] for row in sheet_rows(workbook.worksheets[0])]
    assert [row[0] for row in sheet_rows(workbook["按机构"])][1:] == ["S1", "A", "A2"]
    with translation.override("zh-hans"):
        page = client.get(reverse("reporting:centre"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert [f.kind for f in page.context["summaries"]] == ["regulatory"]


def test_the_schedule_builds_the_quarters_and_the_years_regulatory_workbooks(bank):
    # 4 January 2026 is the working Sunday after the New Year holiday (调休).
    built = services.summaries_schedule(today=dt.date(2026, 1, 4))
    regulatory = {(f.report_period.key, f.scope.code) for f in built if f.kind == "regulatory"}
    assert regulatory == {(key, code) for key in ("2025-Q4", "2025") for code in
                          ("HQ", "T1", "T2")}  # fmt: skip
    again = services.summaries_schedule(today=dt.date(2026, 1, 5))
    assert [f for f in again if f.kind == "regulatory"] == []


def test_the_build_reports_its_progress_and_the_centre_shows_it(november, bank, auditor, login):
    _register(bank)
    steps = []
    build_regulatory(scope=bank.s1, period=Q3, stream=io.BytesIO(), progress=steps.append)
    assert steps == sorted(steps) and steps[-1] == 100 and len(steps) > 1
    ReportFile.objects.create(
        scope=bank.s1, period=Q3.start, period_kind=Q3.kind, kind="regulatory", version=1,
        status=JobStatus.RUNNING, progress=70, built_by=auditor,
    )  # fmt: skip
    page = login(auditor).get(reverse("reporting:centre")).content.decode()
    # The page reloads itself while a build runs (centre.js), so the bar moves.
    assert "data-pending" in page and '<progress max="100" value="70">' in page
