"""The work queue, the admin home of complaint handlers (reporting.work_queue): what is in
it for whom, its deadline badges and counts, that a handled item leaves it, and its cost."""

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from branchservice.models import Branch
from complaints import services
from complaints.deadlines import WATCHED_LABELS
from complaints.models import Complaint, DeadlineStatus
from reporting.work_queue import View, work_queue
from standards.services import checklist_sign_off, missed_checklist_excuse
from tests.complaints.conftest import at, register
from tests.complaints.factories import ComplaintFactory
from tests.complaints.test_watched_states import expected, make_register, policy_warnings
from tests.standards.factories import submitted_checklist

DS = DeadlineStatus


@pytest.fixture(autouse=True)
def chinese():
    # The labels are asserted in the portal's default language, whatever a test before set.
    with translation.override("zh-hans"):
        yield


def keys(queue):
    return [item.key for item in queue.items]


def badges(queue, key):
    item = next(i for i in queue.items if i.key == key)
    return {b.label: b.state for b in item.badges}


@pytest.fixture
def registered(frozen, outlet_user, org):
    return register(outlet_user, org.a)


def _acknowledge(complaint, user):
    return services.complaint_acknowledge(
        user=user,
        complaint=complaint,
        acknowledged_at=at(2026, 9, 30, 11),
        estimated_reply_at=at(2026, 10, 9),
    )


def test_a_registered_complaint_waits_for_its_acknowledgement_with_every_deadline(
    registered, outlet_user
):
    queue = work_queue(user=outlet_user)
    key = f"complaint-{registered.pk}-registered"
    assert keys(queue) == [key]
    assert queue.items[0].what == "受理确认"
    # 30 Sep 16:00: acknowledge today; reply on 8 Oct, the 2nd working day after the National
    # Day holiday (soon); the 7-working-day branch ceiling and the 15-day regulatory one later.
    assert badges(queue, key) == {
        "受理确认": DS.DUE_TODAY,
        "答复": DS.DUE_SOON,
        "网点办结上限": DS.ON_TIME,
        "监管时限": DS.ON_TIME,
    }
    assert +queue.counts == {DS.DUE_TODAY: 1}
    assert queue.total == 1


def test_an_acknowledged_complaint_leaves_as_the_acknowledgement_and_waits_for_its_reply(
    registered, outlet_user
):
    _acknowledge(registered, outlet_user)
    queue = work_queue(user=outlet_user)
    assert keys(queue) == [f"complaint-{registered.pk}-acknowledged"]
    assert queue.items[0].what == "答复客户"
    assert "受理确认" not in badges(queue, queue.items[0].key)
    assert +queue.counts == {DS.DUE_SOON: 1}


def test_the_ceilings_are_overdue_once_passed(registered, outlet_user):
    _acknowledge(registered, outlet_user)
    # 16 Oct: the reply (8 Oct), the branch ceiling and the regulatory ceiling (15 Oct) passed.
    queue = work_queue(user=outlet_user, now=at(2026, 10, 16, 9))
    assert badges(queue, queue.items[0].key) == {
        "答复": DS.OVERDUE,
        "网点办结上限": DS.OVERDUE,
        "监管时限": DS.OVERDUE,
    }
    assert +queue.counts == {DS.OVERDUE: 1}


def test_the_regulatory_ceiling_is_due_soon_within_the_policys_warning_days(
    registered, outlet_user
):
    _acknowledge(registered, outlet_user)
    # 13 Oct: the regulatory ceiling (15 Oct) is within the 3 warning days; reply overdue.
    queue = work_queue(user=outlet_user, now=at(2026, 10, 13, 9))
    assert badges(queue, queue.items[0].key)["监管时限"] == DS.DUE_SOON


def test_items_are_sorted_by_their_next_deadline(frozen, outlet_user, org):
    later = register(outlet_user, org.a, received_at=at(2026, 9, 30, 9))
    _acknowledge(later, outlet_user)
    sooner = register(outlet_user, org.a)
    queue = work_queue(user=outlet_user)
    # The acknowledgement due today comes before the reply due on 8 October.
    assert keys(queue) == [
        f"complaint-{sooner.pk}-registered",
        f"complaint-{later.pk}-acknowledged",
    ]
    assert queue.items[0].next_due < queue.items[1].next_due


def test_closed_and_escalated_entries_are_not_the_outlets_work(
    frozen, outlet_user, org, hq, manager
):
    escalated = register(outlet_user, org.a)
    services.complaint_escalate(user=outlet_user, complaint=escalated, reason="超出网点权限。")
    assert work_queue(user=outlet_user).items == []

    # The sub-branch it went to holds it: its manager's work, also under "mine"; head office
    # sees it in its scope but does not hold it.
    def complaints(user, view=View.SCOPE):
        return [
            key for key in keys(work_queue(user=user, view=view)) if key.startswith("complaint-")
        ]

    for view in (View.SCOPE, View.MINE):
        assert complaints(manager, view) == [f"complaint-{escalated.pk}-escalated"], view
    assert complaints(hq) == []
    services.complaint_escalate(
        user=manager, complaint=escalated, reason="需总行决定。", to_level=Branch.Level.HEAD_OFFICE,
        skip_reason="分行无权决定赔偿。",
    )  # fmt: skip
    assert complaints(manager) == []
    assert complaints(hq) == [f"complaint-{escalated.pk}-escalated"]


def test_mine_is_what_i_handle(frozen, outlet_user, org):
    colleague = type(outlet_user).objects.create_user("cm_a2", branch=org.a, is_staff=True)
    colleague.groups.add(*outlet_user.groups.all())
    mine = register(outlet_user, org.a)
    theirs = register(outlet_user, org.a, handler=colleague)
    assert {i.key for i in work_queue(user=outlet_user, view=View.OUTLET).items} == {
        f"complaint-{mine.pk}-registered",
        f"complaint-{theirs.pk}-registered",
    }
    assert keys(work_queue(user=outlet_user, view=View.MINE)) == [f"complaint-{mine.pk}-registered"]
    assert keys(work_queue(user=colleague, view=View.MINE)) == [f"complaint-{theirs.pk}-registered"]


def test_an_extension_request_waits_for_an_approver_not_for_its_requester(
    registered, outlet_user, manager
):
    complaint = _acknowledge(registered, outlet_user)
    complaint.complexity = Complaint.Complexity.COMPLEX
    complaint.save(update_fields=["complexity"])
    request = services.complaint_request_extension(
        user=outlet_user, complaint=complaint, reason="需调取多方材料。"
    )
    key = f"extension-{request.pk}"
    assert key not in keys(work_queue(user=outlet_user))
    queue = work_queue(user=manager, view=View.MINE)
    assert key in keys(queue)
    assert next(i for i in queue.items if i.key == key).what == "审批延期"
    services.complaint_extend(user=manager, complaint=complaint, approve=True, note="同意。")
    assert key not in keys(work_queue(user=manager))


def test_a_submitted_checklist_waits_for_its_sign_off(db, org, manager, lobby_user, small_template):
    checklist = submitted_checklist(branch=org.a, by=lobby_user, template=small_template)
    key = f"checklist-{checklist.pk}"
    queue = work_queue(user=manager, view=View.SCOPE)
    assert key in keys(queue)
    assert next(i for i in queue.items if i.key == key).url == reverse(
        "admin:standards_checklist_review", args=[checklist.pk]
    )
    checklist_sign_off(checklist=checklist, by=manager)
    assert key not in keys(work_queue(user=manager, view=View.SCOPE))


def test_a_missed_checklist_waits_for_an_excuse(db, org, manager, small_template):
    # Tuesday 24 November 2026 passed without a checklist at any outlet.
    with time_machine.travel(at(2026, 11, 25, 9), tick=False):
        queue = work_queue(user=manager, view=View.SCOPE)
        key = f"missed-{org.a.pk}-20261124"
        assert key in keys(queue)
        missed_checklist_excuse(
            branch=org.a, business_date=dt.date(2026, 11, 24), reason="停电闭店。", by=manager
        )
        assert key not in keys(work_queue(user=manager, view=View.SCOPE))


def test_the_admin_home_of_a_handler_is_the_queue(registered, login, outlet_user):
    page = login(outlet_user).get(reverse("admin:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "我的待办" in html
    assert f'data-key="complaint-{registered.pk}-registered"' in html
    assert reverse("admin:complaints_complaint_change", args=[registered.pk]) in html


def _many(org, user, n):
    for branch in (org.a, org.a2, org.b):
        for _ in range(n):
            ComplaintFactory(branch=branch, registered_by=user, received_at=timezone.now())


@pytest.mark.parametrize("who", ["outlet_user", "manager", "hq"])
def test_the_queue_page_costs_a_fixed_number_of_queries(
    request, frozen, org, login, small_template, lobby_user, django_assert_max_num_queries, who
):
    user = request.getfixturevalue(who)
    client = login(user)
    _many(org, user, 2)
    submitted_checklist(branch=org.a, by=lobby_user, template=small_template)
    # 16: the page, the shell, and one query per source (rectifications are the sixth).
    with django_assert_max_num_queries(16) as few:
        assert client.get(reverse("admin:index")).status_code == 200
    _many(org, user, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("admin:index")).status_code == 200


def test_a_rectification_waits_for_its_owner_then_for_its_verification(
    frozen, org, outlet_user, manager
):
    from branchservice.rectifications import services as rectifications

    complaint = ComplaintFactory(branch=org.a, reference="TS-A-202609-0009")
    notice = rectifications.rectification_raise(
        user=outlet_user, outlet=org.a, source=complaint, source_kind="complaint",
        source_label=complaint.reference, owner=outlet_user, required_action="增开窗口",
        due_date=timezone.localdate(),
    )  # fmt: skip
    open_key = f"rectification-{notice.pk}-open"
    queue = work_queue(user=outlet_user, view=View.MINE)
    assert open_key in keys(queue)
    item = next(i for i in queue.items if i.key == open_key)
    assert (item.what, item.title) == ("登记整改完成", "TS-A-202609-0009")
    assert badges(queue, open_key) == {"整改期限": DS.DUE_TODAY}
    assert queue.counts[DS.DUE_TODAY] >= 1
    rectifications.rectification_complete(user=outlet_user, rectification=notice, evidence="好")
    done_key = f"rectification-{notice.pk}-done"
    assert not {open_key, done_key} & set(keys(work_queue(user=outlet_user, view=View.OUTLET)))
    queue = work_queue(user=manager, view=View.SCOPE)
    assert next(i for i in queue.items if i.key == done_key).what == "验收通过"
    rectifications.rectification_verify(user=manager, rectification=notice)
    assert done_key not in keys(work_queue(user=manager, view=View.SCOPE))


# Friday night: the weekend lies between today and the bank's "due soon".
FRIDAY_NIGHT = at(2026, 11, 27, 23, 30)


def test_the_queue_sorts_badges_and_counts_entries_in_every_state_by_the_deadline_rule(
    db, org, outlet_user
):
    """Paused, extended, escalated, reopened, in review, owing a regulator's feedback: the
    queue's order, badges and counts are the model's deadline rule with "due soon" added
    (tests/complaints/test_watched_states.py), entry by entry."""
    made = {c.pk: c for c in make_register(org.a, FRIDAY_NIGHT, count=60)}
    queue = work_queue(user=outlet_user, view=View.OUTLET, now=FRIDAY_NIGHT)
    warnings, labels = policy_warnings(), dict(WATCHED_LABELS)
    shown = [(item, made[int(item.key.split("-")[1])]) for item in queue.items]
    want = {item.key: expected(complaint, FRIDAY_NIGHT, warnings) for item, complaint in shown}
    assert len(shown) == queue.total  # every item is one of these entries, all shown
    for item, _complaint in shown:
        states = want[item.key]["states"]
        assert [(b.label, b.state) for b in item.badges] == [
            (str(labels[stage]), state) for stage, state in states.items() if state
        ], item.key
    assert keys(queue) == [
        item.key
        for item, complaint in sorted(
            shown, key=lambda s: (want[s[0].key]["next_due"], s[1].received_at, s[1].pk)
        )
    ]
    urgencies = Counter(w["urgency"] for w in want.values() if w["urgency"])
    assert +queue.counts == urgencies
    seen = {state for w in want.values() for state in w["states"].values()}
    assert seen >= {DS.OVERDUE, DS.DUE_TODAY, DS.DUE_SOON, DS.ON_TIME, DS.PAUSED}
    assert set(urgencies) == {DS.OVERDUE, DS.DUE_TODAY, DS.DUE_SOON}


def test_the_queues_statements_stay_compact(db, org, hq, outlet_user):
    """Compiling a statement costs Python time in proportion to its size: when the counts per
    urgency repeated every deadline's state per stage and state (97 KB of SQL), compiling it
    was half of head office's time on the page."""
    make_register(org.a, FRIDAY_NIGHT, count=10)
    for user in (hq, outlet_user):
        with CaptureQueriesContext(connection) as captured:
            work_queue(user=user, now=FRIDAY_NIGHT)
        assert max(len(query["sql"]) for query in captured) < 20_000, user
