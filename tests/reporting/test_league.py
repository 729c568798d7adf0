"""The branch league table: the summary's statistics per branch of one level, worst first,
the teller columns from the queue tickets, links to the lists behind, scoping, a fixed number
of queries, and the download."""

import datetime as dt
import io
import re

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branchservice.models import Branch
from reporting import league as leagues
from servicetimes.models import TimeStandard
from tests.factories import BranchFactory
from tests.reporting.factories import at, complaint, end_of, october
from tests.servicetimes.factories import ticket

OCTOBER = dt.date(2026, 10, 1)
URL = reverse("reporting:league")


@pytest.fixture(autouse=True)
def early_november():
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 5, 9)), tick=False):
        yield


def table(scope, level=Branch.Level.OUTLET, **kwargs):
    return leagues.league_table(scope=scope, period=OCTOBER, level=level, **kwargs)


def column(league, key):
    index = leagues.COLUMNS.index(key)
    return {row.branch.code: row.cells[index].value for row in league.table}


def test_it_ranks_outlets_by_open_overdue_complaints_worst_first(org):
    october(org)
    league = table(org.hq)
    # A: c3 and late September's entry overdue at the end of October; B: c5 not yet due.
    assert [row.branch.code for row in league.table] == ["A", "A2", "B"]
    assert column(league, "open_overdue") == {"A": 2, "A2": 0, "B": 0}
    assert column(league, "entries") == {"A": 4, "A2": 2, "B": 1}
    best = table(org.hq, worst_first=False)
    assert [row.branch.code for row in best.table][-1] == "A"


def test_a_rate_where_lower_is_worse_sorts_lowest_first_and_unmeasured_last(org):
    october(org)
    league = table(org.hq, sort="reply_on_time_rate")
    # A: c1 on time, c2 late, c3 due and unanswered: 1/3; A2: c4 on time; B: nothing due.
    assert [row.branch.code for row in league.table] == ["A", "A2", "B"]
    assert column(league, "reply_on_time_rate") == {"A": 1 / 3, "A2": 1.0, "B": None}


def test_subtotals_at_the_sub_branch_level_add_up_their_outlets(org):
    october(org)
    league = table(org.hq, level=Branch.Level.SUB_BRANCH, sort="entries")
    assert column(league, "entries") == {"S1": 6, "S2": 1}


def test_the_ceilings_breached_open_entries_repeats_and_the_customer_base(org):
    org.a.customer_base = 20_000
    org.a.save()
    # Regulatory ceiling on 20 Oct, replied on the 22nd: breached in October.
    complaint(org.a, at(10, 5), regulatory_due_at=end_of(10, 20), replied_at=at(10, 22),
              status="resolved")  # fmt: skip
    complaint(org.a, at(10, 8), regulatory_due_at=end_of(10, 23), status="investigating")
    # A merged entry is a repeat; so is an entry the register marked one (is_repeat).
    complaint(org.a, at(10, 9), status="merged", is_repeat=True)
    complaint(org.a2, at(10, 9), founded=True, bank_at_fault=True, status="closed",
              closed_at=at(10, 15), is_repeat=True)  # fmt: skip
    league = table(org.hq, sort="regulatory_breached")
    assert column(league, "regulatory_breached") == {"A": 2, "A2": 0, "B": 0}
    # Replied is still open (the follow-up visit is to come); the closed one is not.
    assert column(league, "open_at_end") == {"A": 2, "A2": 0, "B": 0}
    assert column(league, "repeats") == {"A": 1, "A2": 1, "B": 0}
    assert column(league, "at_fault_rate")["A2"] == 1.0
    # Two complaints (the merged one is no entry) per 20,000 customers.
    assert column(league, "complaints_per_10k") == {"A": 1.0, "A2": None, "B": None}


def test_the_teller_columns_are_servicetimes_median_wait_and_share_within(org):
    standard = TimeStandard.objects.get(transaction_type__code="deposit").handling_seconds
    day = dt.date(2026, 10, 12)
    for n in range(10):
        ticket(org.a, day=day, number=f"A{n}", handling=standard + 100, wait=420)
        ticket(org.b, day=day, number=f"B{n}", handling=standard - 100, wait=130)
    ticket(org.a2, day=day, number="C", handling=standard - 1, wait=60)
    ticket(org.a, day=dt.date(2026, 11, 2), number="N", wait=6000)  # November: not counted
    league = table(org.hq, sort="teller_within_rate")
    assert column(league, "wait_median") == {"A": 7, "B": 2, "A2": 1}
    assert [row.branch.code for row in league.table] == ["A", "A2", "B"]
    assert column(league, "teller_within_rate") == {"A": 0.0, "A2": 1.0, "B": 1.0}
    # A sub-branch's median is over its outlets' tickets (10 at 7 minutes, 1 at 1).
    subs = table(org.hq, level=Branch.Level.SUB_BRANCH)
    assert column(subs, "wait_median") == {"S1": 7, "S2": 2}


def _many_outlets(org, n):
    for i in range(n):
        outlet = BranchFactory(
            code=f"X{i}", name=f"网点{i}", level=Branch.Level.OUTLET, parent=org.s2
        )
        complaint(outlet, at(10, 9))


def _queries(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"period": "2026-10", "level": Branch.Level.OUTLET})
    assert response.status_code == 200
    return [q["sql"] for q in captured], response


def test_the_page_costs_a_fixed_number_of_queries_whatever_the_number_of_outlets(org, hq, login):
    october(org)
    client = login(hq)
    _queries(client)  # the first request fills the calendar's cache
    small, response = _queries(client)
    assert len(response.context["league"].table) == 3
    _many_outlets(org, 30)
    large, response = _queries(client)
    assert len(response.context["league"].table) == 33

    def kinds(queries):
        # The same queries, whatever their IN lists and (PostgreSQL) server-side cursor names.
        return sorted(re.sub(r"_django_curs_\w+", "cursor", q)[:90] for q in queries)

    assert kinds(small) == kinds(large)
    assert len(large) <= 25  # of which the session, user, roles and the admin shell's own


def test_the_table_itself_costs_at_most_twelve_queries(org):
    # Issue 15's budget for head office at the outlet level: the branches, one query per
    # source (the daily checklists' four reads shared with their missed days), nothing per row.
    october(org)
    _many_outlets(org, 30)
    table(org.hq)  # the calendar's cache
    with CaptureQueriesContext(connection) as captured:
        league = table(org.hq)
    assert len(league.table) == 33
    assert len(captured) <= 12, "\n".join(q["sql"][:120] for q in captured)


def test_a_sub_branch_manager_sees_only_the_outlets_of_their_sub_branch(org, manager, login):
    october(org)
    client = login(manager)
    response = client.get(URL, {"period": "2026-10"})
    assert [row.branch.code for row in response.context["league"].table] == ["A", "A2"]
    # Asking for another scope is refused by the form: the default scope stays.
    response = client.get(URL, {"period": "2026-10", "scope": org.s2.pk})
    assert [row.branch.code for row in response.context["league"].table] == ["A", "A2"]
    assert "国贸网点" not in response.content.decode()


def test_numbers_link_to_the_filtered_lists_and_names_to_the_overview(org, hq, login):
    october(org)
    response = login(hq).get(URL, {"period": "2026-10", "level": Branch.Level.OUTLET})
    row = next(r for r in response.context["league"].table if r.branch.code == "A")
    entries = row.cells[leagues.COLUMNS.index("entries")].url
    assert entries == (
        reverse("admin:complaints_complaint_changelist")
        + f"?branch={org.a.pk}&received_at__year=2026&received_at__month=10"
    )
    # The link behind "entries" lists the outlet's October entries (the void one aside:
    # the list shows it, the statistic does not count it).
    listed = login(hq).get(entries).context["cl"].result_list
    assert {c.received_at.month for c in listed} == {10}
    assert row.overview_url == reverse("reporting:outlet", args=[org.a.pk]) + "?period=2026-10"
    html = response.content.decode()
    assert f'href="{row.overview_url}"' in html


def test_clicking_a_heading_sorts_by_it_and_again_turns_the_order(org, hq, login):
    october(org)
    client = login(hq)
    outlets = {"period": "2026-10", "level": Branch.Level.OUTLET}
    response = client.get(URL, {**outlets, "sort": "entries", "order": "worst"})
    header = next(h for h in response.context["headers"] if h.get("sorted"))
    assert header["stat"].key == "entries" and "order=best" in header["url"]
    response = client.get(URL, {**outlets, "sort": "entries", "order": "best"})
    assert [row.branch.code for row in response.context["league"].table] == ["B", "A2", "A"]


def test_the_download_has_every_row_and_keeps_typed_names_as_text(org, hq, login):
    org.b.name = "=HYPERLINK(1)"
    org.b.save()
    october(org)
    params = {"period": "2026-10", "level": Branch.Level.OUTLET, "format": "xlsx"}
    response = login(hq).get(URL, params)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert names[:2] == ["中关村网点", "五道口网点"]
    cell = sheet.cell(row=5, column=2)
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"


def test_the_at_fault_share_is_of_the_complaints_whose_investigation_has_a_result(org):
    complaint(org.b, at(10, 5), founded=True, bank_at_fault=True)
    complaint(org.b, at(10, 6), founded=True, bank_at_fault=False)
    complaint(org.b, at(10, 7), founded=False)
    complaint(org.b, at(10, 8))  # investigation still open: not counted either way
    complaint(org.b, at(10, 9), kind="suggestion", founded=True, bank_at_fault=True)
    league = table(org.hq, sort="at_fault_rate")
    assert column(league, "at_fault_rate") == {"B": 1 / 3, "A": None, "A2": None}
    assert [row.branch.code for row in league.table] == ["B", "A", "A2"]


def test_pages_of_fifty_rows_in_the_one_order_and_the_download_has_them_all(org, hq, login):
    _many_outlets(org, 60)  # one October complaint each, A, A2 and B none
    client = login(hq)
    outlets = {"period": "2026-10", "level": Branch.Level.OUTLET, "sort": "entries"}
    first = client.get(URL, outlets).context["league"]
    second = client.get(URL, {**outlets, "page": 2}).context["league"]
    assert (first.page.paginator.count, len(first.table), len(second.table)) == (63, 50, 13)
    codes = [row.branch.code for row in first.table + second.table]
    assert len(set(codes)) == 63
    assert codes[-3:] == ["A", "A2", "B"]  # no complaint: the best, last
    assert "page=2" in client.get(URL, outlets).content.decode()
    response = client.get(URL, {**outlets, "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)] == codes


def test_a_quarters_league_counts_the_whole_quarter(org, hq, login):
    """Issue 18 item 2: the league of a quarter (a year, a half-year) is one window."""
    october(org)  # September and October entries
    complaint(org.a, at(7, 6))
    complaint(org.a, at(8, 20))
    client = login(hq)
    response = client.get(URL, {"period": "2026-Q3", "level": Branch.Level.OUTLET})
    league = response.context["league"]
    assert league.period.key == "2026-Q3"
    assert "2026年第3季度" in response.content.decode()
    entries = column(league, "entries")
    # July and August here, and the September entry of october() (received 28 September).
    assert entries["A"] == 3
    row = next(r for r in league.table if r.branch.code == "A")
    # The lists have no quarter filter: no link rather than a wrong one. A year's has one.
    assert row.cells[leagues.COLUMNS.index("entries")].url is None
    year = client.get(URL, {"period": "2026", "level": Branch.Level.OUTLET}).context["league"]
    year_row = next(r for r in year.table if r.branch.code == "A")
    listed = client.get(year_row.cells[leagues.COLUMNS.index("entries")].url).context["cl"]
    assert {(c.received_at.year, c.received_at.month) for c in listed.result_list} == {
        (2026, 7),
        (2026, 8),
        (2026, 9),
        (2026, 10),
    }
    # The outlet page is a month's: the quarter's last one.
    assert row.overview_url.endswith("?period=2026-09")
    download = client.get(URL, {"period": "2026-Q3", "format": "xlsx"})
    assert 'filename="league-HQ-2026-Q3.xlsx"' in download["Content-Disposition"]


def test_an_unknown_period_in_the_leagues_address_is_a_message_not_a_traceback(org, hq, login):
    response = login(hq).get(URL, {"period": "2026-Q7"})
    assert response.status_code == 200
    assert "未知期间“2026-Q7”" in response.content.decode()
    assert response.context["league"].period.key == "2026-10"  # the last complete month


@pytest.mark.parametrize("sort", ["open_overdue", "entries", "complaints_per_10k", "wait_median"])
def test_each_page_has_the_numbers_of_the_whole_table_in_its_order(org, monkeypatch, sort):
    """A page reads the columns it is not sorted by for its own outlets only: its numbers are
    those of the table of every row (the download's), and the pages follow its order."""
    october(org)
    org.a.customer_base = 20_000
    org.a.save()
    ticket(org.b, day=dt.date(2026, 10, 12), number="B1", wait=130)
    monkeypatch.setattr(leagues, "PAGE_SIZE", 1)
    for level, count in ((Branch.Level.OUTLET, 3), (Branch.Level.SUB_BRANCH, 2)):
        whole = table(org.hq, level=level, sort=sort, page=None)
        assert len(whole.table) == count
        pages = [table(org.hq, level=level, sort=sort, page=n) for n in range(1, count + 1)]
        assert [page.page.paginator.count for page in pages] == [count] * count
        assert [row.branch.code for page in pages for row in page.table] == [
            row.branch.code for row in whole.table
        ]
        numbers = [[cell.value for cell in row.cells] for page in pages for row in page.table]
        assert numbers == [[cell.value for cell in row.cells] for row in whole.table]
        assert any(any(value for value in row) for row in numbers)
