"""The outlet overview (/reports/outlets/<pk>/): the league figures of the month against the
month before and against the sub-branch, the open complaints with their deadline badges, the
last 30 days of daily checklists, inspections and rectifications."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from branchservice.roles import Role
from reporting import league as leagues
from tests.factories import UserFactory
from tests.reporting.factories import october
from tests.standards.factories import submitted_checklist

NOW = timezone.make_aware(dt.datetime(2026, 11, 5, 9))


@pytest.fixture(autouse=True)
def early_november():
    with time_machine.travel(NOW, tick=False):
        yield


def page(client, outlet, **query):
    response = client.get(reverse("reporting:outlet", args=[outlet.pk]), query)
    assert response.status_code == 200
    return response


def figure(response, key):
    """The figures come in the league table's column order."""
    return response.context["figures"][leagues.COLUMNS.index(key)]


def test_the_figures_of_the_month_are_the_league_tables_with_the_trend(org, manager, login):
    october(org)
    response = page(login(manager), org.a, period="2026-10")
    entries = figure(response, "entries")
    # A: four October entries (c1, c2, c3, the suggestion); one in September.
    assert (entries.now.value, entries.before.value) == (4, 1)
    assert entries.trend == "worse"  # more entries is worse
    on_time = figure(response, "reply_on_time_rate")
    # Replied on time: October 1 of 3 due; September 0 of 1 (late_september unanswered).
    assert (on_time.now.value, on_time.before.value) == (1 / 3, 0.0)
    assert on_time.trend == "better"  # a higher on-time rate is better
    # The sub-branch S1 beside it: 6 entries over its two outlets (3.0 per outlet), and its
    # on-time rate (c1 and c4 on time, c2 late, c3 due: 2 of 4).
    assert entries.sub_branch.value == 3.0
    assert on_time.sub_branch.value == 0.5
    # Founded: c1 of c1, c2 decided; nothing decided in September: no trend either way.
    founded = figure(response, "founded_rate")
    assert (founded.now.value, founded.before.value, founded.trend) == (0.5, None, "")
    html = response.content.decode()
    assert "2026-09" in html and "33.3%" in html
    assert '<td class="sub-branch">50.0%</td>' in html


def test_an_outlet_head_sees_no_figures_of_the_sub_branch(org, login):
    october(org)
    head_b = UserFactory(username="head_b", branch=org.b, roles=[Role.BRANCH_MANAGER])
    response = page(login(head_b), org.b, period="2026-10")
    assert all(f.sub_branch is None for f in response.context["figures"])
    assert figure(response, "entries").now.value == 1
    # Its sub-branch is named in the heading (it is the outlet's own), but has no column.
    assert 'class="sub-branch"' not in response.content.decode()


def test_open_complaints_come_by_next_deadline_with_the_queues_badges(org, manager, login):
    rows = october(org)
    response = page(login(manager), org.a)
    by_reference = {row.reference: key for key, row in rows.items()}
    listed = [
        (by_reference[c["reference"]], [state for state, _label, _text in c["badges"]])
        for c in response.context["complaints"]
    ]
    # Overdue first (acknowledgement of the suggestion, c3's reply); then those with nothing
    # pending. Void and other outlets' entries are not listed.
    assert listed == [
        ("suggestion", ["overdue"]),
        ("c3", ["overdue"]),
        ("late_september", []),
        ("c1", []),
        ("c2", []),
    ]
    assert response.context["open_total"] == 5
    assert "已超期" in response.content.decode()


def test_the_checklist_strip_is_the_last_30_days_with_todays_submission_and_its_rectification(
    org, manager, lobby_user, login
):
    submitted_checklist(branch=org.a, by=lobby_user)
    response = page(login(manager), org.a)
    strip = response.context["checklists"]
    assert strip["days"][0] == NOW.date() - dt.timedelta(days=29)
    assert strip["days"][-1] == NOW.date() and len(strip["days"]) == 30
    [row] = strip["rows"]
    assert row["cells"][-1] == "ok"
    # The failed critical item raised a rectification, listed beside it, open.
    assert [(r.outlet_id, r.status) for r in response.context["rectifications"]] == [
        (org.a.pk, "open")
    ]


def test_another_outlets_overview_is_not_found_and_a_sub_branch_is_no_outlet(org, manager, login):
    client = login(manager)
    assert client.get(reverse("reporting:outlet", args=[org.b.pk])).status_code == 404
    assert client.get(reverse("reporting:outlet", args=[org.s1.pk])).status_code == 404
