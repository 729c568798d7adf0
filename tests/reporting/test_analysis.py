"""The written analysis (issue 18 item 5): the largest movers against the previous period and
the same period last year, by outlet, category and reason, in the reader's language, on the
summary's cover and the dashboard."""

import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from reporting.analysis import written_analysis
from reporting.periods import Period
from reporting.selectors import branch_summary
from reporting.workbooks import build_summary
from tests.exports.helpers import open_workbook, sheet_rows
from tests.reporting.factories import at, complaint, reference_data

Q3 = Period.parse("2026-Q3")


@pytest.fixture
def november():
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 5, 9)), tick=False):
        yield


@pytest.fixture
def movers(org):
    """S1's complaints: Q3 2026 six (中关村 5, 五道口 1), Q2 2026 five (中关村 2, 五道口 3),
    Q3 2025 two (one each). Voided entries and suggestions do not count."""
    card, attitude, queueing = reference_data()
    a, a2 = org.a, org.a2

    def add(branch, month, n, year=2026, **fields):
        for day in range(1, n + 1):
            complaint(branch, at(month, day, year=year), **fields)

    add(a, 7, 4, category=card, reason=attitude)
    add(a, 8, 1, reason=queueing)
    add(a2, 9, 1, category=card, reason=attitude)
    add(a, 5, 2, reason=queueing)
    add(a2, 4, 3, reason=queueing)
    add(a, 8, 1, year=2025, reason=attitude)
    add(a2, 8, 1, year=2025, reason=attitude)
    complaint(a, at(7, 20), status="void", reason=attitude)
    complaint(a2, at(7, 21), kind="suggestion")
    complaint(org.b, at(7, 22), reason=queueing)  # another sub-branch


def _analysis(org, period):
    rows = branch_summary(scope=org.s1, period=period)
    return written_analysis(scope=org.s1, period=period, rows=rows, today=dt.date(2026, 11, 5))


def test_the_analysis_names_the_largest_movers_in_english(org, movers):
    with translation.override("en"):
        previous, last_year = _analysis(org, Q3)
    assert previous == (
        "Complaints rose 20% against the previous quarter (Q2 2026): 5 → 6. "
        "By outlet, the largest rises: 中关村网点 (2 → 5, +3); "
        "the largest falls: 五道口网点 (3 → 1, −2). "
        "By business category, the largest rises: 借记卡 (0 → 5, +5); "
        "the largest falls: Unclassified (5 → 1, −4). "
        "By reason, the largest rises: 服务态度 (0 → 5, +5); "
        "the largest falls: 排队等候 (5 → 1, −4)."
    )
    assert previous.startswith("Complaints rose 20%")
    assert last_year.startswith(
        "Complaints rose 200% against the same period last year (Q3 2025): 2 → 6. "
        "By outlet, the largest rises: 中关村网点 (1 → 5, +4)"
    )


def test_the_analysis_reads_in_chinese(org, movers):
    with translation.override("zh-hans"):
        previous, last_year = _analysis(org, Q3)
    assert previous.startswith(
        "投诉量较上季度（2026年第2季度）增加 20%（5 → 6）。"
        "按网点，增幅最大的是中关村网点（2 → 5，+3）；降幅最大的是五道口网点（3 → 1，−2）。"
    )
    assert "按投诉原因，增幅最大的是服务态度（0 → 5，+5）" in previous
    assert last_year.startswith("投诉量较去年同期（2025年第3季度）增加 200%（2 → 6）。")


def test_a_fall_an_empty_comparison_and_a_running_period_are_said_plainly(org, movers):
    with translation.override("zh-hans"):
        # Q2 2026 against Q1 (nothing) and Q2 2025 (nothing).
        q2 = _analysis(org, Period.parse("2026-Q2"))
        # August 2026 (中关村 1) against July (中关村 4, 五道口 0 counted).
        august = _analysis(org, Period.parse("2026-08"))
        running = _analysis(org, Period.parse("2026-Q4"))
    assert q2 == [
        "上季度（2026年第1季度）没有投诉记录，无从比较。",
        "去年同期（2025年第2季度）没有投诉记录，无从比较。",
    ]
    assert august[0].startswith("投诉量较上月（2026年7月）减少 75%（4 → 1）。")
    assert august[1].startswith("投诉量较去年同期（2025年8月）减少 50%（2 → 1）。")
    assert running[0] == "2026年第4季度尚未结束：数据截至今日。"


def test_a_year_is_compared_once_with_the_year_before(org, movers):
    with translation.override("en"):
        paragraphs = _analysis(org, Period.parse("2026"))
    running, compared = paragraphs
    assert running == "Year 2026 has not ended: its figures run up to today."
    assert compared.startswith(
        "Complaints rose 450% against the previous year (Year 2025): 2 → 11."
    )


def test_the_cover_of_the_quarterly_summary_carries_the_analysis(org, movers, november):
    stream = io.BytesIO()
    with translation.override("zh-hans"):
        build_summary(scope=org.s1, period=Q3, stream=stream)
    cover = sheet_rows(open_workbook(stream.getvalue()).worksheets[0])
    heading = [row[0] for row in cover].index("简要分析")
    assert cover[heading + 1][1].startswith("投诉量较上季度（2026年第2季度）增加 20%")
    assert cover[heading + 2][1].startswith("投诉量较去年同期（2025年第3季度）增加 200%")
    # The definitions read for any period: no word of "the month" is left to explain.
    assert not any("当月" in str(cell) or "月末" in str(cell) for row in cover for cell in row)


def test_the_dashboard_takes_a_quarter_and_shows_its_analysis(
    org, movers, auditor, login, november
):
    client = login(auditor)
    with translation.override("zh-hans"):
        page = client.get(
            reverse("reporting:dashboard"), {"period": "2026-Q3"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    assert page.status_code == 200
    text = page.content.decode()
    assert "海淀支行 · 2026年第3季度" in text
    assert "投诉量较上季度（2026年第2季度）增加 20%（5 → 6）" in text
    # The heat map shows the quarter's last month, not 92 columns.
    assert len(page.context["heatmap"]["days"]) == 30
    assert page.context["heatmap_month"] == Period.parse("2026-09")
    page = client.get(reverse("reporting:dashboard"), {"period": "2026-Q9"})
    assert page.status_code == 200
    assert "2026-Q9" in page.content.decode()


def test_the_dashboard_of_a_quarter_takes_the_queries_of_a_month(
    org, movers, auditor, login, november
):
    client = login(auditor)

    def queries(period):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("reporting:dashboard"), {"period": period}).status_code == 200
        return len(ctx.captured_queries)

    queries("2026-09")  # the calendar's overrides are read into the cache
    assert queries("2026-Q3") == queries("2026-09")


def test_the_dashboard_reads_the_daily_checklists_once_for_its_figures_and_heat_map(
    org, movers, auditor, login, november
):
    from reporting.selectors import checklist_heatmap
    from standards.models import MissedChecklistExcuse

    MissedChecklistExcuse.objects.create(
        branch=org.a, business_date=dt.date(2026, 9, 8), reason="停电", excused_by=auditor
    )
    client = login(auditor)
    for period in ("2026-09", "2026-Q3"):
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("reporting:dashboard"), {"period": period})
        assert page.status_code == 200
        excuses = [q for q in ctx.captured_queries if "standards_missedchecklistexcuse" in q["sql"]]
        assert len(excuses) == 1, period
        # The quarter's reading draws its last month as that month's own would.
        alone = checklist_heatmap(scope=org.s1, period=Period.parse("2026-09"))
        assert page.context["heatmap"] == alone
        assert "excused" in page.context["heatmap"]["rows"][0]["cells"]
        assert "missed" in page.context["heatmap"]["rows"][0]["cells"]
