"""No row of outlet A in what outlet B's people see: lists and their counts, Excel exports, the
report centre, the dashboard's numbers, reminders and the checklist history; and the converse,
A's sub-branch manager sees A's rows but none of B's. (The access matrix checks status codes of
single objects; this checks the lists.)

Data: two complaints at A and one at B registered in October 2026 through the services, a
submitted checklist at each outlet whose failed critical item raised a rectification, a
rectification notice for one complaint at each outlet, and a reminder scan on Monday 23
November, when all three complaints are overdue.
"""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from branchservice.models import Branch
from branchservice.notifications.models import Notification
from branchservice.notifications.services import reminders_scan
from branchservice.rectifications.models import Rectification
from branchservice.rectifications.services import rectification_raise
from branchservice.roles import Role
from complaints.models import Complaint
from reporting import league as leagues
from reporting.models import ReportFile
from servicetimes.models import Ticket
from standards.models import INDEPENDENT_KINDS, Checklist
from tests.complaints.conftest import register
from tests.exports.helpers import open_workbook
from tests.factories import UserFactory, firm_inspector
from tests.servicetimes.factories import ticket
from tests.standards.factories import submitted_checklist

NOW = timezone.make_aware(dt.datetime(2026, 11, 23, 10, 0))
OCTOBER = timezone.make_aware(dt.datetime(2026, 10, 20, 10, 0))
# What only A's rows carry (A2 is A's sibling under S1: also none of B's business).
OF_A = ["TS-A-", "TS-A2-", "欧阳娜娜", "甲网点专属", "中关村网点", "五道口网点"]
OF_B = ["TS-B-", "司马光明", "乙网点专属", "国贸网点"]

CHANGELISTS = {
    "complaints": ("admin:complaints_complaint_changelist", Complaint),
    "checklists": ("admin:standards_checklist_changelist", Checklist),
    "rectifications": ("admin:rectifications_rectification_changelist", Rectification),
    "tickets": ("admin:servicetimes_ticket_changelist", Ticket),
}
EXPORTS = {
    "complaints": "admin:complaints_complaint_export",
    "checklists": "admin:standards_checklist_export",
    "rectifications": "admin:rectifications_rectification_export",
    "tickets": "admin:servicetimes_ticket_export",
}


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(org, outlet_user, lobby_user, manager, outsider):
    head_b = UserFactory(username="head_b", branch=org.b, roles=[Role.BRANCH_MANAGER])
    lm_b = UserFactory(username="lm_b", branch=org.b, roles=[Role.LOBBY_MANAGER], is_staff=False)
    # External firms' inspectors, admin staff so that the admin lists are tried too: one engaged
    # for B, one whose engagement for A ended the day before the tests' day (NOW).
    today = NOW.date()
    firm_b = firm_inspector(
        org.b, username="firm_b", is_staff=True,
        starts_on=today - dt.timedelta(days=60), ends_on=today + dt.timedelta(days=30),
    )  # fmt: skip
    firm_a_ended = firm_inspector(
        org.a, username="firm_a_ended", is_staff=True,
        starts_on=today - dt.timedelta(days=90), ends_on=today - dt.timedelta(days=1),
    )  # fmt: skip
    return type(
        "People",
        (),
        {
            "cm_a": outlet_user, "lm_a": lobby_user, "manager_s1": manager,
            "cm_b": outsider, "head_b": head_b, "lm_b": lm_b,
            "firm_b": firm_b, "firm_a_ended": firm_a_ended,
        },
    )  # fmt: skip


@pytest.fixture
def world(org, people):
    with time_machine.travel(NOW):
        a_complaints = [
            register(
                people.cm_a, org.a, received_at=OCTOBER + dt.timedelta(hours=n),
                customer_name="欧阳娜娜", description=f"甲网点专属：第{n + 1}次反映排队过长。",
            )
            for n in range(2)
        ]  # fmt: skip
        b_complaints = [
            register(
                people.cm_b, org.b, received_at=OCTOBER, customer_name="司马光明",
                description="乙网点专属：柜员态度冷淡。",
            )
        ]  # fmt: skip
        a_checklist = submitted_checklist(branch=org.a, by=people.lm_a)
        b_checklist = submitted_checklist(branch=org.b, by=people.lm_b)
        notices = [
            rectification_raise(
                user=user, outlet=complaint.branch, source=complaint, source_kind="complaint",
                source_label=complaint.reference, owner=user, due_date=NOW.date(),
                required_action=f"{complaint.description[:5]}整改", responsible_department="柜面",
            )
            for user, complaint in [(people.cm_a, a_complaints[0]), (people.cm_b, b_complaints[0])]
        ]  # fmt: skip
        a_ticket = ticket(org.a, day=OCTOBER.date(), teller_code="GA01")
        b_ticket = ticket(org.b, day=OCTOBER.date(), teller_code="GB01")
        reminders_scan()
        yield type(
            "World",
            (),
            {
                "a": {
                    "complaints": a_complaints,
                    "checklists": [a_checklist],
                    "checklist-rectifications": _raised_for(a_checklist),
                    "rectifications": [*_raised_for(a_checklist), notices[0]],
                    "tickets": [a_ticket],
                },
                "b": {
                    "complaints": b_complaints,
                    "checklists": [b_checklist],
                    "checklist-rectifications": _raised_for(b_checklist),
                    "rectifications": [*_raised_for(b_checklist), notices[1]],
                    "tickets": [b_ticket],
                },
            },
        )


def _raised_for(checklist):
    return list(Rectification.objects.filter(checklist_answer__checklist=checklist))


def assert_nothing_of(markers, text):
    leaked = [marker for marker in markers if marker in text]
    assert not leaked, f"leaked: {leaked}"


def workbook_text(response) -> tuple[int, str]:
    """Data rows of an exported workbook's first sheet, and all its cells as one text."""
    assert response.status_code == 200, response
    sheet = open_workbook(b"".join(response.streaming_content)).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    data = [row for row in rows[1:] if any(value not in (None, "") for value in row)]
    return len(data), "\n".join(str(v) for row in rows for v in row if v is not None)


def test_the_data_is_what_the_tests_below_expect(world):
    # Both outlets have something in every list, so "nothing of A" below is not vacuous.
    for side in (world.a, world.b):
        assert all(side[kind] for kind in CHANGELISTS)


@pytest.mark.parametrize("kind", CHANGELISTS)
@pytest.mark.parametrize(
    ("who", "mine", "theirs", "markers"),
    [
        ("head_b", "b", "a", OF_A),
        ("manager_s1", "a", "b", OF_B),
    ],
)
def test_an_admin_changelist_shows_own_rows_and_counts_only(
    world, people, login, kind, who, mine, theirs, markers
):
    url_name, _model = CHANGELISTS[kind]
    response = login(getattr(people, who)).get(reverse(url_name))
    assert response.status_code == 200
    changelist = response.context["cl"]
    expected = {row.pk for row in getattr(world, mine)[kind]}
    assert {row.pk for row in changelist.result_list} == expected
    assert changelist.result_count == len(expected)
    # Lists that show "N of M" count M within the user's scope too (the complaint list skips it).
    assert changelist.full_result_count in (None, len(expected))
    assert_nothing_of(markers, response.content.decode())


def test_b_complaint_manager_sees_only_b_complaints(world, people, login):
    response = login(people.cm_b).get(reverse("admin:complaints_complaint_changelist"))
    changelist = response.context["cl"]
    assert [c.pk for c in changelist.result_list] == [c.pk for c in world.b["complaints"]]
    assert changelist.result_count == 1
    assert_nothing_of(OF_A, response.content.decode())


@pytest.mark.parametrize("kind", EXPORTS)
@pytest.mark.parametrize(
    ("who", "mine", "markers"),
    [("head_b", "b", OF_A), ("manager_s1", "a", OF_B)],
)
def test_an_admin_export_holds_own_rows_only(world, people, login, kind, who, mine, markers):
    client = login(getattr(people, who))
    rows, text = workbook_text(client.post(reverse(EXPORTS[kind])))
    assert rows == len(getattr(world, mine)[kind])
    assert_nothing_of(markers, text)
    # Asking the export for the other outlet's rows by filter gets none of them either.
    other = "a" if mine == "b" else "b"
    row = getattr(world, other)[kind][0]
    branch_pk = row.outlet_id if kind == "rectifications" else row.branch_id
    response = client.post(f"{reverse(EXPORTS[kind])}?branch__id__exact={branch_pk}")
    # A lookup the list does not declare as a filter is refused outright (400); a declared one
    # still selects inside the user's scope only.
    if response.status_code != 400:
        rows, text = workbook_text(response)
        assert_nothing_of(markers, text)


def test_a_complaint_manager_of_b_exports_only_b(world, people, login):
    rows, text = workbook_text(
        login(people.cm_b).post(reverse("exports:export", args=["complaints"]))
    )
    assert rows == 1
    assert_nothing_of(OF_A, text)


@pytest.fixture
def summaries(world, org, people, login, django_capture_on_commit_callbacks):
    """October summaries of S1 (by A's sub-branch manager) and of B (by B's outlet head)."""
    with time_machine.travel(NOW):
        for user, scope in [(people.manager_s1, org.s1), (people.head_b, org.b)]:
            with django_capture_on_commit_callbacks(execute=True):
                response = login(user).post(
                    reverse("reporting:build"), {"period": "2026-10", "scope": scope.pk}
                )
            assert response.status_code == 302
    assert set(ReportFile.objects.values_list("scope__code", flat=True)) == {"S1", "B"}


def test_the_report_centre_lists_own_summaries_only_and_refuses_a_build_for_a(
    summaries, org, people, login, django_capture_on_commit_callbacks
):
    client = login(people.head_b)
    page = client.get(reverse("reporting:centre"))
    assert [f.scope.code for f in page.context["summaries"]] == ["B"]
    assert_nothing_of(["海淀支行", *OF_A], page.content.decode())
    for scope in (org.a, org.s1):
        with time_machine.travel(NOW), django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("reporting:build"), {"period": "2026-10", "scope": scope.pk}, follow=True
            )
        assert [str(m) for m in response.context["messages"]]  # told why, in words
    # Nothing was built for A or S1 on B's request: still the two summaries of the fixture.
    assert sorted(ReportFile.objects.values_list("scope__code", flat=True)) == ["B", "S1"]
    # And the converse: S1's manager lists S1's summary, not B's.
    page = login(people.manager_s1).get(reverse("reporting:centre"))
    assert [f.scope.code for f in page.context["summaries"]] == ["S1"]


@pytest.mark.parametrize(
    ("who", "mine", "markers"),
    [("head_b", "b", OF_A), ("manager_s1", "a", OF_B)],
)
def test_the_dashboard_counts_own_complaints_only(world, org, people, login, who, mine, markers):
    client = login(getattr(people, who))
    expected = len(getattr(world, mine)["complaints"])
    other = org.s1 if mine == "b" else org.b
    with time_machine.travel(NOW):
        for query in ({}, {"scope": other.pk}, {"scope": org.a.pk if mine == "b" else org.b.pk}):
            response = client.get(reverse("reporting:dashboard"), query)
            assert response.status_code == 200
            data = response.context["data"]
            assert data["totals"]["complaints"] == expected
            october = [p for p in data["trend"] if p["month"] == "2026-10"]
            assert october and october[0]["complaints"] == expected
            assert sum(p["complaints"] for p in data["trend"]) == expected
            assert_nothing_of(markers, response.content.decode())


@pytest.mark.parametrize(
    ("who", "mine", "markers"),
    [("head_b", "b", OF_A), ("manager_s1", "a", OF_B)],
)
def test_the_time_limit_results_show_own_outlets_only(
    world, org, people, login, who, mine, markers
):
    client = login(getattr(people, who))
    own = getattr(world, mine)["tickets"][0].branch
    for scope in (org.hq, org.s1, org.a, org.b, own):
        response = client.get(
            reverse("admin:servicetimes_ticket_results"), {"scope": scope.pk, "period": "2026-10"}
        )
        assert response.status_code == 200
        # A branch out of scope is no choice of the form: the page shows the user's own.
        shown = response.context["scope"]
        assert shown.path.startswith(getattr(people, who).branch.path)
        assert_nothing_of(markers, response.content.decode())
    league = client.get(reverse("admin:servicetimes_ticket_results"), {"period": "2026-10"})
    rows = league.context.get("league")
    if rows is not None:
        assert [row.branch for row in rows] == [own]
    else:
        assert league.context["results"]["total"].count == 1


@pytest.mark.parametrize(
    ("who", "mine", "markers"),
    [("head_b", "b", OF_A), ("manager_s1", "a", OF_B)],
)
def test_the_league_table_and_its_download_hold_own_branches_only(
    world, org, people, login, who, mine, markers
):
    client = login(getattr(people, who))
    own = {complaint.branch for complaint in getattr(world, mine)["complaints"]}
    other = org.s1 if mine == "b" else org.b
    url = reverse("reporting:league")
    with time_machine.travel(NOW):
        queries = ({}, {"scope": other.pk}, {"scope": org.hq.pk}, {"level": Branch.Level.OUTLET})
        for query in queries:
            response = client.get(url, query)
            assert response.status_code == 200
            league = response.context["league"]
            assert league.scope.path.startswith(getattr(people, who).branch.path)
            assert {row.branch for row in league.rows} <= own | {org.a2}
            entries = leagues.COLUMNS.index("entries")
            # The scope's total row: only the user's own complaints are counted.
            assert sum(row.cells[entries].value for row in league.table) == len(
                getattr(world, mine)["complaints"]
            )
            assert_nothing_of(markers, response.content.decode())
        _rows, text = workbook_text(client.get(url, {"scope": other.pk, "format": "xlsx"}))
        assert_nothing_of(markers, text)


@pytest.mark.parametrize(("who", "own", "other"), [("head_b", "b", "a"), ("manager_s1", "a", "b")])
def test_the_outlet_overview_is_of_an_own_outlet_only(world, org, people, login, who, own, other):
    client = login(getattr(people, who))
    markers = OF_A if own == "b" else OF_B
    with time_machine.travel(NOW):
        page = client.get(reverse("reporting:outlet", args=[getattr(org, own).pk]))
        assert page.status_code == 200
        assert {c["reference"] for c in page.context["complaints"]} == {
            c.reference for c in getattr(world, own)["complaints"]
        }
        assert {r.pk for r in page.context["rectifications"]} == {
            r.pk for r in getattr(world, own)["rectifications"]
        }
        # B's outlet head may not see B's sub-branch: no sub-branch figures, not even summed.
        sub_branch_shown = page.context["figures"][0].sub_branch is not None
        assert sub_branch_shown == (who == "manager_s1")
        assert_nothing_of(markers, page.content.decode())
        other_page = client.get(reverse("reporting:outlet", args=[getattr(org, other).pk]))
        assert other_page.status_code == 404


@pytest.mark.parametrize(
    ("who", "markers"),
    [("cm_b", OF_A), ("head_b", OF_A), ("cm_a", OF_B), ("manager_s1", OF_B)],
)
def test_reminders_and_the_bell_are_the_users_own(world, people, login, who, markers):
    user = getattr(people, who)
    mine = Notification.objects.filter(recipient=user)
    assert mine.exists()  # the scan reminded everyone of their own overdue work
    client = login(user)
    page = client.get(reverse("notifications:mine"))
    assert page.status_code == 200
    assert {n.recipient_id for n in page.context["page"]} == {user.pk}
    assert_nothing_of(markers, page.content.decode())
    bell = client.get(reverse("admin:index")).context["unread"]
    assert bell == mine.filter(read_at__isnull=True).count()


@pytest.mark.parametrize(
    ("who", "own", "other"),
    [
        ("lm_b", "b", "a"), ("head_b", "b", "a"), ("lm_a", "a", "b"), ("manager_s1", "a", "b"),
        ("firm_b", "b", "a"),
    ],
)  # fmt: skip
def test_checklist_history_and_outlet_pages_hold_own_checklists_only(
    world, org, people, login, who, own, other
):
    client = login(getattr(people, who))
    markers = OF_A if own == "b" else OF_B
    own_branch, other_branch = getattr(org, own), getattr(org, other)
    history = client.get(reverse("standards:history", args=[own_branch.pk]))
    assert history.status_code == 200
    firm = who.startswith("firm")
    assert [c.pk for c in history.context["page"]] == [
        c.pk for c in getattr(world, own)["checklists"] if not firm or _firms_read("checklists", c)
    ]
    outlet = client.get(reverse("standards:outlet", args=[own_branch.pk]))
    assert {a.pk for a in outlet.context["actions"]} == {
        a.pk
        for a in getattr(world, own)["checklist-rectifications"]
        if not firm or _firms_read("checklist-rectifications", a)
    }
    for page in (history, outlet):
        assert_nothing_of(markers, page.content.decode())
    for name in ("standards:history", "standards:outlet"):
        assert client.get(reverse(name, args=[other_branch.pk])).status_code == 404


@pytest.mark.parametrize(
    ("who", "own", "markers"),
    [
        ("cm_b", {"国贸网点"}, OF_A),
        ("head_b", {"国贸网点"}, OF_A),
        ("cm_a", {"中关村网点"}, OF_B),
        ("manager_s1", {"中关村网点", "五道口网点"}, OF_B),
    ],
)
def test_the_work_queue_holds_own_items_and_counts_only(world, people, login, who, own, markers):
    client = login(getattr(people, who))
    with time_machine.travel(NOW):
        first = client.get(reverse("admin:index"))
        for view in first.context["queue"].views:
            page = client.get(reverse("admin:index"), {"view": view})
            assert page.status_code == 200
            queue = page.context["queue"]
            assert {item.outlet for item in queue.items} <= own
            # Every item counted is one shown (fewer than a page): no count of another branch.
            assert queue.total == len(queue.items)
            assert sum(queue.counts.values()) <= queue.total
            assert_nothing_of(markers, page.content.decode())
        # The scope's complaints are all in the widest view, each by its next step.
        widest = client.get(reverse("admin:index"), {"view": queue.views[-1]}).context["queue"]
        references = {i.title for i in widest.items if i.key.startswith("complaint-")}
        assert len(references) == (1 if "国贸网点" in own else 2)


def test_the_opinion_book_list_holds_own_outlets_and_their_entries_only(
    org, outlet_user, outsider, login
):
    from opinionbook.models import OpinionBook
    from opinionbook.services import opinion_submit

    books = {code: OpinionBook.objects.create(outlet=getattr(org, code)) for code in ("a", "b")}
    for text in ("甲网点专属：排队太久", "甲网点专属：无人引导"):
        opinion_submit(book=books["a"], kind="complaint", description=text)
    opinion_submit(book=books["b"], kind="praise", description="乙网点专属：服务很好")
    page = login(outsider).get(reverse("admin:opinionbook_opinionbook_changelist"))
    rows = list(page.context["cl"].result_list)
    assert [(row.outlet, row.entry_count) for row in rows] == [(org.b, 1)]
    assert not [marker for marker in OF_A if marker in page.content.decode()]


# What the inspector role may open (checklists, rectifications) holds the engaged outlet's rows
# only; complaints and time-limit tickets are not the role's at all.
FIRM_LISTS = {"complaints": 403, "checklists": 200, "rectifications": 200, "tickets": 403}


def _firms_read(kind, row) -> bool:
    # Of an engaged outlet's rows a firm reads those of visits and inspections only: not a
    # complaint's rectification (its text may quote the customer), not the outlet's own
    # checks nor what they raised.
    if kind in ("rectifications", "checklist-rectifications"):
        return row.source_kind == "inspection"
    if kind == "checklists":
        return row.template.kind in INDEPENDENT_KINDS
    return True


@pytest.mark.parametrize("kind", CHANGELISTS)
@pytest.mark.parametrize(("who", "mine"), [("firm_b", "b"), ("firm_a_ended", None)])
def test_a_firms_inspector_lists_the_engaged_outlets_rows_only_and_none_once_it_ended(
    world, people, login, kind, who, mine
):
    url_name, _model = CHANGELISTS[kind]
    response = login(getattr(people, who)).get(reverse(url_name))
    assert response.status_code == FIRM_LISTS[kind]
    if response.status_code == 200:
        rows = getattr(world, mine)[kind] if mine else []
        expected = {row.pk for row in rows if _firms_read(kind, row)}
        assert {row.pk for row in response.context["cl"].result_list} == expected
    assert_nothing_of(OF_A, response.content.decode())


@pytest.mark.parametrize("who", ["firm_b", "firm_a_ended"])
def test_a_firms_inspector_opens_no_page_of_an_outlet_outside_the_engagement(
    world, org, people, login, who
):
    client = login(getattr(people, who))
    for name in ("standards:history", "standards:outlet"):
        assert client.get(reverse(name, args=[org.a.pk])).status_code == 404
    home = client.get(reverse("standards:home")).content.decode()
    assert_nothing_of(["中关村网点", "五道口网点"], home)
