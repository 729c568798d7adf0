"""Quarters, half-years and years beside months (issue 18 item 2): the period rule, the
summaries built of them by hand and by the schedule, the report centre, and a quarterly
workbook whose figures are recomputed here from the rows themselves."""

import datetime as dt
import hashlib
import io

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from branchservice.calendar import add_working_days, working_days_between
from complaints.deadlines import recompute_deadlines
from complaints.models import Complaint, DeadlinePolicy, Pause
from reporting import services
from reporting.models import JobStatus, ReportFile
from reporting.periods import Period, PeriodKind, recent_periods
from reporting.selectors import STATISTIC_BY_KEY
from reporting.workbooks import build_summary
from tests.exports.helpers import open_workbook, sheet_rows
from tests.reporting.factories import at, complaint, end_of, reference_data

Q3 = Period(PeriodKind.QUARTER, dt.date(2026, 7, 1))


@pytest.fixture
def november():
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 5, 9))):
        yield


@pytest.fixture
def build(login, django_capture_on_commit_callbacks):
    def _build(user, scope, period):
        with django_capture_on_commit_callbacks(execute=True):
            return login(user).post(
                reverse("reporting:build"), {"period": period, "scope": scope.pk}, follow=True
            )

    return _build


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# ---- the period rule ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "label"),
    [
        ("2026-10", PeriodKind.MONTH, dt.date(2026, 10, 1), dt.date(2026, 11, 1), "2026年10月"),
        ("2026-Q3", PeriodKind.QUARTER, dt.date(2026, 7, 1), dt.date(2026, 10, 1), "2026年第3季度"),
        ("2026-q4", PeriodKind.QUARTER, dt.date(2026, 10, 1), dt.date(2027, 1, 1), "2026年第4季度"),
        ("2026-H1", PeriodKind.HALF_YEAR, dt.date(2026, 1, 1), dt.date(2026, 7, 1), "2026年上半年"),
        ("2026-H2", PeriodKind.HALF_YEAR, dt.date(2026, 7, 1), dt.date(2027, 1, 1), "2026年下半年"),
        ("2026", PeriodKind.YEAR, dt.date(2026, 1, 1), dt.date(2027, 1, 1), "2026年"),
    ],
)
def test_a_period_string_names_its_dates_and_a_chinese_label(text, kind, start, end, label):
    period = Period.parse(text)
    assert (period.kind, period.start, period.end) == (kind, start, end)
    assert period.last_day == end - dt.timedelta(days=1)
    with translation.override("zh-hans"):
        assert period.label == label
    assert Period.parse(period.key) == period


def test_previous_and_same_period_last_year_cross_the_year():
    q1 = Period.parse("2026-Q1")
    assert q1.previous() == Period.parse("2025-Q4")
    assert q1.same_period_last_year() == Period.parse("2025-Q1")
    assert Period.parse("2026-H1").previous() == Period.parse("2025-H2")
    assert Period.parse("2026").previous() == Period.parse("2025")
    assert Period.parse("2026-01").previous() == Period.parse("2025-12")
    assert Period.containing(PeriodKind.QUARTER, dt.date(2026, 11, 5)) == Period.parse("2026-Q4")
    assert Period.parse("2026-Q3").month_starts() == [dt.date(2026, m, 1) for m in (7, 8, 9)]


@pytest.mark.parametrize("text", ["2026-Q5", "2026-H3", "2026-13", "1999", "abc", "", "2026Q3"])
def test_an_unknown_period_string_is_refused(text):
    with pytest.raises(ValueError):
        Period.parse(text)


def test_the_centre_suggests_only_finished_periods():
    today = dt.date(2026, 11, 5)
    suggested = recent_periods(today)
    assert all(period.is_finished(today) for period in suggested)
    keys = [period.key for period in suggested]
    assert {"2026-10", "2026-Q3", "2026-H1", "2025"} <= set(keys)


# ---- building, listing, refusing -----------------------------------------------------------


def test_a_quarterly_summary_is_built_versioned_and_checksummed_beside_the_monthly_one(
    november, auditor, org, build, login
):
    complaint(org.a, at(7, 10))
    build(auditor, org.s1, "2026-Q3")
    build(auditor, org.s1, "2026-07")  # the same first day, another period
    build(auditor, org.s1, "2026-Q3")
    files = {(f.period_kind, f.version): f for f in ReportFile.objects.all()}
    assert set(files) == {("quarter", 1), ("quarter", 2), ("month", 1)}
    quarter = files[("quarter", 2)]
    assert quarter.status == JobStatus.READY and quarter.period == dt.date(2026, 7, 1)
    content = quarter.file.read()
    assert hashlib.sha256(content).hexdigest() == quarter.sha256 and len(content) == quarter.size
    assert quarter.download_name() == "S1-2026-Q3-summary-v2.xlsx"
    response = login(auditor).get(reverse("reporting:download_report", args=[quarter.pk]))
    assert response.status_code == 200
    cover = sheet_rows(open_workbook(b"".join(response.streaming_content)).worksheets[0])
    assert "服务质量季度汇总报表" in [row[0] for row in cover]
    assert ["报告期", "2026年第3季度"] in cover
    assert ["日期至", dt.datetime(2026, 9, 30)] in cover
    # The database refuses a second version 2 of the same quarter, not one of the month.
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportFile.objects.create(
            scope=org.s1, period=quarter.period, period_kind="quarter", kind="summary",
            version=2, status=JobStatus.READY, by_schedule=True,
        )  # fmt: skip
    ReportFile.objects.create(
        scope=org.s1, period=quarter.period, period_kind="half_year", kind="summary",
        version=2, status=JobStatus.READY, by_schedule=True,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2026-Q4", "2026年第4季度尚未结束"),  # running: its figures would still change
        ("2026-11", "2026年11月尚未结束"),
        ("2026", "2026年尚未结束"),
        ("2027-H1", "2027年上半年尚未开始"),
        ("2026-Q5", "未知期间"),
        ("<script>", "未知期间"),
    ],
)
def test_a_future_unfinished_or_unknown_period_is_refused_with_a_chinese_message(
    november, auditor, org, build, period, message
):
    with translation.override("zh-hans"):
        response = build(auditor, org.s1, period)
    assert response.status_code == 200
    assert any(message in m for m in messages_of(response)), messages_of(response)
    assert not ReportFile.objects.exists()


def test_a_period_wholly_before_the_first_data_is_refused(november, auditor, org, build):
    complaint(org.a, at(8, 10))
    response = build(auditor, org.s1, "2026-H1")
    assert any("2026-08" in m for m in messages_of(response))
    assert not ReportFile.objects.exists()


def test_the_report_centre_lists_summaries_by_period_with_chinese_labels(
    november, auditor, org, login
):
    for key in ("2025", "2026-H1", "2026-Q3", "2026-09", "2026-10"):
        period = Period.parse(key)
        ReportFile.objects.create(
            scope=org.s1, period=period.start, period_kind=period.kind, kind="summary",
            version=1, status=JobStatus.READY, by_schedule=True,
        )  # fmt: skip
    client = login(auditor)
    with translation.override("zh-hans"):
        page = client.get(reverse("reporting:centre"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    labels = [f.report_period.key for f in page.context["summaries"]]
    # The latest-ending first; September and the third quarter end together, the quarter first.
    assert labels == ["2026-10", "2026-Q3", "2026-09", "2026-H1", "2025"]
    text = page.content.decode()
    for label in ("2026年第3季度", "2026年上半年", "2025年", "2026年10月"):
        assert label in text
    page = client.get(reverse("reporting:centre"), {"period": "2026-Q3"})
    assert [f.report_period.key for f in page.context["summaries"]] == ["2026-Q3"]
    page = client.get(reverse("reporting:centre"), {"period_kind": "half_year"})
    assert [f.report_period.key for f in page.context["summaries"]] == ["2026-H1"]


def test_an_unknown_period_in_the_centres_address_is_a_message_not_a_traceback(
    november, auditor, org, login
):
    page = login(auditor).get(
        reverse("reporting:centre"), {"period": "2026-Q9"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert page.status_code == 200
    assert "未知期间“2026-Q9”" in page.content.decode()


# ---- the schedule ------------------------------------------------------------------------


def test_the_schedule_builds_the_quarter_on_the_first_working_day_after_national_day(
    org, django_capture_on_commit_callbacks
):
    def quarters(built):
        return [f for f in built if f.period_kind == "quarter"]

    # 1 to 7 October 2026 are the National Day holiday: Q3's summaries wait for 8 October.
    assert quarters(services.summaries_schedule(today=dt.date(2026, 10, 7))) == []
    with django_capture_on_commit_callbacks(execute=True):
        built = quarters(services.summaries_schedule(today=dt.date(2026, 10, 8)))
    assert {f.scope.code for f in built} == {"HQ", "T1", "S1", "S2"}
    assert all(f.report_period == Q3 and f.by_schedule for f in built)
    for report_file in ReportFile.objects.filter(period_kind="quarter"):
        assert report_file.status == JobStatus.READY
        assert hashlib.sha256(report_file.file.read()).hexdigest() == report_file.sha256
    assert quarters(services.summaries_schedule(today=dt.date(2026, 10, 9))) == []


def test_the_annual_summary_waits_for_the_new_years_adjusted_working_sunday(org):
    # 1 to 3 January 2026 are the New Year holiday; Sunday 4 January is a working day (调休).
    assert services.summaries_schedule(today=dt.date(2026, 1, 3)) == []
    built = services.summaries_schedule(today=dt.date(2026, 1, 4))
    by_kind = {}
    for report_file in built:
        by_kind.setdefault(report_file.report_period.key, set()).add(report_file.scope.code)
    scopes = {"HQ", "T1", "S1", "S2"}
    assert by_kind == {"2025-12": scopes, "2025-Q4": scopes, "2025-H2": scopes, "2025": scopes}


# ---- the quarterly workbook, recomputed --------------------------------------------------


def _register(org, user):
    """Entries in and around the third quarter of 2026 (June and October outside it), at two
    outlets of S1 and one outside it, with every field the checked figures read."""
    card, attitude, queueing = reference_data()
    channels = ["phone", "on_site", "letter", "hotline", "regulator"]
    kinds = ["complaint", "complaint", "complaint", "suggestion", "praise"]
    # Natural days to the reply: within 7 working days or not, within 15, 30, 60 or beyond.
    reply_days = [0, 3, 9, 12, 16, 29, 31, 45, 61, 75]
    root_causes = ["", "market", "process", "skill", "customer"]
    n = 0
    for month in (6, 7, 8, 9, 10):
        for day in (3, 14, 28):
            for branch in (org.a, org.a2, org.b):
                n += 1
                received = at(month, day, hour=9 + n % 8)
                replied = received + dt.timedelta(days=reply_days[n % len(reply_days)])
                void = n % 11 == 0
                entry = complaint(
                    branch, received,
                    kind=kinds[n % len(kinds)],
                    channel=channels[n % len(channels)],
                    status="void" if void else "resolved",
                    root_cause=root_causes[n % len(root_causes)],
                    is_quality=n % 3 == 1,
                    is_repeat=n % 4 == 1 and not void,
                    # New facts restarted the regulator's clock two days after receipt.
                    period_started_at=received + dt.timedelta(days=2) if n % 9 == 4 else None,
                    founded=[True, False, None][n % 3],
                    bank_at_fault=n % 2 == 0,
                    category=card if n % 2 else None,
                    reason=[attitude, queueing, None][n % 3],
                    reply_due_at=end_of(received.month, received.day) + dt.timedelta(days=2),
                    replied_at=replied if n % 7 else None,
                )  # fmt: skip
                if n % 6 == 2:
                    # An appraisal of ten days, which neither clock counts.
                    entry.pauses.create(
                        reason="appraisal", note="鉴定", started_at=received + dt.timedelta(days=1),
                        ended_at=received + dt.timedelta(days=11), started_by=user,
                    )  # fmt: skip
                _store_ceilings(entry)


def _store_ceilings(entry):
    """The branch and regulatory ceilings as registration and every pause and restart store
    them (the figures read them, complaints.deadlines.replied_within_branch_ceiling_q and
    replied_within_q); the factory's other due dates stay as the test set them."""
    clock = Complaint.objects.get(pk=entry.pk)
    recompute_deadlines(clock)
    Complaint.objects.filter(pk=entry.pk).update(
        policy=DeadlinePolicy.current(),
        branch_due_at=clock.branch_due_at,
        regulatory_due_at=clock.regulatory_due_at,
    )


FIELDS = (
    "branch__code", "kind", "status", "founded", "received_at", "reply_due_at", "replied_at",
    "channel", "category_id", "reason_id", "root_cause", "is_quality", "is_repeat", "pk",
    "period_started_at",
)  # fmt: skip


def _rows_of_quarter(scope):
    """The quarter's register rows of the scope, read plainly from the table."""
    start, end = Q3.start_at, Q3.end_at
    rows = Complaint.objects.filter(branch__path__startswith=scope.path).values_list(*FIELDS)
    return [row for row in rows if start <= row[4] < end and row[2] not in ("void", "merged")]


def _limits(complaints):
    """The branch ceiling and the regulator's 15/30/60 days, counted on the calendar: a pause
    adds its days to the limit; a restart of the regulator's clock spends the pauses before."""
    local = timezone.localdate
    pauses = {
        pk: (local(started), local(ended))
        for pk, started, ended in Pause.objects.values_list(
            "complaint_id", "started_at", "ended_at"
        )
    }
    end = Q3.end_at
    replied = [r for r in complaints if r[6] is not None and r[6] < end]
    counts = dict.fromkeys(
        ["within_branch_ceiling", "within_15_days", "within_30_days", "within_60_days"], 0
    )
    for r in replied:
        received, reply = local(r[4]), local(r[6])
        started, ended = pauses.get(r[13], (None, None))
        paused_working = working_days_between(started, ended) if started else 0
        if reply <= add_working_days(received, 7 + paused_working):
            counts["within_branch_ceiling"] += 1
        clock = local(r[14]) if r[14] else received
        paused_natural = (ended - started).days if started and started >= clock else 0
        for limit in (15, 30, 60):
            counts[f"within_{limit}_days"] += (reply - clock).days - paused_natural <= limit
    rates = {f"{key}_rate": n / len(replied) if replied else None for key, n in counts.items()}
    return {**counts, **rates}


def _expected(rows):
    complaints = [r for r in rows if r[1] == "complaint"]
    decided = [r for r in complaints if r[3] is not None]
    end = Q3.end_at
    counted = [r for r in complaints if r[5] < end or (r[6] is not None and r[6] < end)]
    on_time = [r for r in counted if r[6] is not None and r[6] < end and r[6] <= r[5]]
    quality = sum(r[11] for r in complaints)
    regulator = sum(r[7] == "regulator" for r in complaints)
    return {
        "entries": len(rows),
        "complaints": len(complaints),
        "suggestions": sum(r[1] == "suggestion" for r in rows),
        "praise": sum(r[1] == "praise" for r in rows),
        "founded_rate": (sum(r[3] is True for r in decided) / len(decided)) if decided else None,
        "reply_on_time": len(on_time),
        "quality_complaints": quality,
        "quality_rate": quality / len(complaints) if complaints else None,
        # No entry here is merged: the repeats are among the complaints.
        "repeats": sum(r[12] for r in complaints),
        "repeat_rate": sum(r[12] for r in complaints) / len(complaints) if complaints else None,
        "regulator_transfers": regulator,
        "regulator_transfer_share": regulator / len(complaints) if complaints else None,
        **_limits(complaints),
    }


def test_a_quarterly_workbook_agrees_with_the_rows_recomputed_by_hand(org, hq):
    _register(org, hq)
    stream = io.BytesIO()
    with time_machine.travel(at(11, 5), tick=False), translation.override("en"):
        build_summary(scope=org.s1, period=Q3, stream=stream)
        labels = {key: str(STATISTIC_BY_KEY[key].label) for key in _expected([])}
    workbook = open_workbook(stream.getvalue())
    assert ["Period", "Q3 2026"] in sheet_rows(workbook["Cover"])

    summary = sheet_rows(workbook["Branch summary"])
    headers = summary[0]
    by_code = {row[0]: dict(zip(headers, row, strict=True)) for row in summary[1:]}
    assert set(by_code) == {"S1", "A", "A2"}
    rows = _rows_of_quarter(org.s1)
    assert rows, "the quarter holds entries"
    for code in ("S1", "A", "A2"):
        own = [r for r in rows if code == "S1" or r[0] == code]
        expected = _expected(own)
        for key, label in labels.items():
            got = by_code[code][label]
            if isinstance(expected[key], float):
                assert got == pytest.approx(expected[key]), (code, key)
            else:
                assert got == expected[key], (code, key)

    # By channel: each outlet's complaints of the quarter per channel, and the total column.
    channel_sheet = sheet_rows(workbook["By channel"])
    channel_labels = dict(Complaint.Channel.choices)
    with translation.override("en"):
        columns = {str(channel_labels[c]): c for c in channel_labels}
    header = channel_sheet[0]
    for row in channel_sheet[1:]:
        code = row[0]
        own = [r for r in rows if r[1] == "complaint" and (code == "S1" or r[0] == code)]
        for label, value in zip(header[2:-1], row[2:-1], strict=True):
            assert value == sum(r[7] == columns[label] for r in own), (code, label)
        assert row[-1] == len(own)

    # By root cause: each outlet's complaints per root cause, "" while none is found.
    cause_sheet = sheet_rows(workbook["By root cause"])
    with translation.override("en"):
        causes = {str(label): value for value, label in Complaint.RootCause.choices}
    causes["Unclassified"] = ""
    header = cause_sheet[0]
    for row in cause_sheet[1:]:
        code = row[0]
        own = [r for r in rows if r[1] == "complaint" and (code == "S1" or r[0] == code)]
        for label, value in zip(header[2:-1], row[2:-1], strict=True):
            assert value == sum(r[10] == causes[label] for r in own), (code, label)
        assert row[-1] == len(own)
    per_outlet = STATISTIC_BY_KEY["complaints_per_1k_outlets"]
    with translation.override("en"):
        s1_per_outlet = by_code["S1"][str(per_outlet.label)]
    assert s1_per_outlet == pytest.approx(_expected(rows)["complaints"] * 1000 / 2)

    # Category × reason: the grand total is the quarter's complaints of the scope.
    matrix = sheet_rows(workbook["Category × reason"])
    assert matrix[-1][0] == "Total"
    assert matrix[-1][-1] == sum(r[1] == "complaint" for r in rows)
    unclassified = sum(r[1] == "complaint" and r[8] is None and r[9] is None for r in rows)
    assert matrix[-2][0] == "Unclassified" and matrix[-2][-2] == unclassified

    # The detail sheet lists the quarter's entries, no more (not June's, not October's).
    assert len(sheet_rows(workbook["Complaint detail"])) - 1 == len(rows)


def test_the_whole_bank_quarter_takes_the_queries_of_a_month(org, hq):
    _register(org, hq)

    def queries(period):
        with CaptureQueriesContext(connection) as ctx:
            build_summary(scope=org.hq, period=period, stream=io.BytesIO())
        return len(ctx.captured_queries)

    with time_machine.travel(at(11, 5), tick=False):
        queries(Period.parse("2026-09"))  # the calendar's overrides are read into the cache
        month = queries(Period.parse("2026-09"))
        quarter = queries(Q3)
        year = queries(Period.parse("2026-H1"))
    assert quarter == month
    assert year == month
