import datetime as dt

import pytest
from django.urls import reverse

from branchservice.rectifications.models import Rectification
from branchservice.roles import Role
from standards.models import Checklist, ChecklistAnswer, MissedChecklistExcuse
from standards.services import AnswerInput, checklist_submit
from tests.factories import UserFactory
from tests.standards.conftest import all_pass, items_of


@pytest.fixture
def submitted(checklist, lobby_user, outlet_head):
    """A's checklist, submitted with the critical item and the first item failed."""
    answers = all_pass(checklist)
    first, critical = items_of(checklist)[:2]
    answers[first.pk] = AnswerInput(result="fail", comment="地面有水渍")
    answers[critical.pk] = AnswerInput(result="fail", comment="叫号机黑屏", photo="x.jpg")
    checklist_submit(checklist=checklist, answers=answers, by=lobby_user, revision=1)
    checklist.refresh_from_db()
    return checklist


@pytest.fixture
def stranger(org):
    """The branch manager of S2: B's side of the tree."""
    return UserFactory(username="mgr_s2", branch=org.s2, roles=[Role.BRANCH_MANAGER])


def review_url(checklist):
    return reverse("admin:standards_checklist_review", args=[checklist.pk])


def test_the_outlet_head_sees_the_rectification_of_a_critical_failure(
    submitted, outlet_head, login
):
    client = login(outlet_head)
    response = client.get(reverse("admin:rectifications_rectification_changelist"))
    actions = list(response.context["cl"].result_list)
    assert [a.source.item.text for a in actions] == ["叫号机正常"]
    assert actions[0].source_kind == "checklist"
    assert actions[0].owner == outlet_head


def test_the_review_list_filters_by_score_band_and_critical_failures(
    submitted, manager, login, django_assert_max_num_queries
):
    client = login(manager)
    changelist = reverse("admin:standards_checklist_changelist")
    assert client.get(changelist, {"critical": "yes"}).context["cl"].result_count == 1
    assert client.get(changelist, {"critical": "no"}).context["cl"].result_count == 0
    assert client.get(changelist, {"score_band": "lt60"}).context["cl"].result_count == 1
    assert client.get(changelist, {"score_band": "ge95"}).context["cl"].result_count == 0
    with django_assert_max_num_queries(16):
        client.get(changelist, {"business_date__gte": "2026-11-01", "template__id__exact": 1})


def test_a_reviewer_signs_off_and_picks_another_failure_for_action(submitted, manager, login):
    client = login(manager)
    picked = ChecklistAnswer.objects.get(checklist=submitted, item__text="大厅整洁")
    form = client.get(review_url(submitted)).context["form"]
    # Only failures without an action yet are offered.
    assert list(form.fields["raise_actions_for"].queryset) == [picked]
    response = client.post(
        review_url(submitted), {"note": "已核实", "raise_actions_for": [picked.pk], "sign_off": "1"}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Checklist.Status.REVIEWED
    assert Rectification.objects.count() == 2


def test_reopening_without_a_reason_is_refused_with_a_message(submitted, manager, login):
    client = login(manager)
    response = client.post(review_url(submitted), {"note": "", "reopen": "1"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    response = client.post(review_url(submitted), {"note": "照片不清", "reopen": "1"})
    submitted.refresh_from_db()
    assert submitted.status == Checklist.Status.REOPENED
    assert submitted.events.last().note == "照片不清"


def test_nobody_edits_a_submitted_checklist_in_the_admin(submitted, manager, hq, login):
    for user in (manager, hq):
        client = login(user)
        page = client.get(reverse("admin:standards_checklist_change", args=[submitted.pk]))
        assert page.status_code == 200
        assert not page.context["has_change_permission"]
        before = submitted.score
        client.post(
            reverse("admin:standards_checklist_change", args=[submitted.pk]), {"score": "100"}
        )
        submitted.refresh_from_db()
        assert submitted.score == before


def test_a_branch_manager_of_another_branch_is_refused_on_every_admin_page(
    submitted, stranger, login
):
    client = login(stranger)
    assert (
        not client.get(reverse("admin:standards_checklist_changelist")).context["cl"].result_count
    )
    assert (
        not client.get(reverse("admin:rectifications_rectification_changelist"))
        .context["cl"]
        .result_count
    )
    action = Rectification.objects.get()
    assert (
        client.get(reverse("admin:standards_checklist_change", args=[submitted.pk])).status_code
        == 302
    )
    assert client.get(review_url(submitted)).status_code == 404
    assert client.post(review_url(submitted), {"sign_off": "1"}).status_code == 404
    for name in ("change", "history"):
        url = reverse(f"admin:rectifications_rectification_{name}", args=[action.pk])
        assert client.get(url).status_code == 404


def test_completing_a_rectification_needs_evidence(submitted, outlet_head, login):
    action = Rectification.objects.get()
    client = login(outlet_head)
    complete = reverse("admin:rectifications_rectification_step", args=[action.pk, "complete"])
    assert client.post(complete, {"evidence": " "}).status_code == 200
    client.post(complete, {"evidence": "已报修，叫号机恢复正常"})
    action.refresh_from_db()
    assert action.status == "done"
    assert (action.completed_by, action.completed_at is not None) == (outlet_head, True)


def test_a_branch_manager_excuses_a_missed_day_with_a_reason(org, manager, stranger, login):
    client = login(manager)
    add = reverse("admin:standards_missedchecklistexcuse_add")
    form = client.get(add).context["adminform"].form
    assert set(form.fields["branch"].queryset) == {org.a, org.a2}
    # Sunday 15 Nov 2026 needs no checklist, so there is nothing to excuse.
    refused = client.post(add, {"branch": org.a.pk, "business_date": "2026-11-15", "reason": "x"})
    assert refused.status_code == 200
    client.post(add, {"branch": org.a.pk, "business_date": "2026-11-16", "reason": "系统故障"})
    excuse = MissedChecklistExcuse.objects.get()
    assert (excuse.branch, excuse.business_date, excuse.excused_by) == (
        org.a,
        dt.date(2026, 11, 16),
        manager,
    )
    other = login(stranger)
    assert (
        other.post(
            add, {"branch": org.a.pk, "business_date": "2026-11-17", "reason": "x"}
        ).status_code
        == 200
    )
    assert MissedChecklistExcuse.objects.count() == 1


def test_a_lobby_manager_has_no_admin(lobby_user, login):
    response = login(lobby_user).get(reverse("admin:standards_checklist_changelist"))
    assert response.status_code == 302


def test_the_review_list_costs_the_same_queries_for_one_or_many_checklists(
    submitted, small_template, org, lobby_user, hq, login
):
    import time_machine
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from standards.services import checklist_start

    client = login(hq)
    changelist = reverse("admin:standards_checklist_changelist")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(changelist).status_code == 200
        return len(ctx)

    one = count()
    for day in (2, 3, 4, 5):
        with time_machine.travel(dt.datetime(2026, 11, day, 2, 0, tzinfo=dt.UTC)):
            c = checklist_start(
                branch=org.a,
                template=small_template,
                business_date=dt.date(2026, 11, day),
                by=lobby_user,
            )
            checklist_submit(checklist=c, answers=all_pass(c), by=lobby_user, revision=1)
    assert count() == one
