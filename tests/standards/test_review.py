"""The outlet head's review of a submitted checklist in the admin: what failed comes first,
and the pass/fail marks say what happened."""

import re

import pytest
from django.urls import reverse

from branchservice.rectifications.models import Rectification
from standards.models import Checklist, ChecklistAnswer
from standards.services import AnswerInput, checklist_sign_off, checklist_submit
from tests.standards.conftest import all_pass, items_of


@pytest.fixture
def submitted(checklist, lobby_user, outlet_head):
    """A's checklist: the ordinary item failed with a comment, the critical one failed with a
    photo, the scored one passed (4/4)."""
    answers = all_pass(checklist)
    ordinary, critical, _scored = items_of(checklist)
    answers[ordinary.pk] = AnswerInput(result="fail", comment="地面有水渍")
    answers[critical.pk] = AnswerInput(result="fail", comment="叫号机黑屏", photo="x.jpg")
    checklist_submit(checklist=checklist, answers=answers, by=lobby_user, revision=1)
    checklist.refresh_from_db()
    return checklist


def row_of(html: str, text: str) -> str:
    """The one table row of the page that names `text`."""
    rows = [row for row in re.split(r"<tr\b", html) if text in row]
    assert len(rows) == 1, rows
    return rows[0]


def review_url(checklist):
    return reverse("admin:standards_checklist_review", args=[checklist.pk])


def test_the_change_page_marks_passed_items_with_a_tick_and_failed_ones_with_a_cross(
    submitted, manager, login
):
    html = (
        login(manager)
        .get(reverse("admin:standards_checklist_change", args=[submitted.pk]))
        .content.decode()
    )
    passed, failed = row_of(html, "微笑服务"), row_of(html, "大厅整洁")
    assert "icon-yes" in passed and "icon-no" not in passed
    assert "icon-no" in failed and "icon-yes" not in failed


def test_the_review_page_lists_failures_first_critical_ones_on_top_with_comment_and_photo(
    submitted, manager, login, django_assert_max_num_queries
):
    client = login(manager)
    with django_assert_max_num_queries(20):
        response = client.get(review_url(submitted))
    html = response.content.decode()
    review = response.context["review"]
    assert [row.item.text for row in review.failures] == ["叫号机正常", "大厅整洁"]
    assert [row.item.text for row in review.passed] == ["微笑服务"]

    failures, passed = html.split('id="failed-items"')[1].split('id="passed-items"')
    assert failures.index("叫号机正常") < failures.index("大厅整洁")
    critical = row_of(failures, "叫号机正常")
    assert "review-critical" in critical and "关键项" in critical
    assert "叫号机黑屏" in critical
    photo = reverse("standards:photo", args=[submitted.pk, items_of(submitted)[1].pk])
    assert f'<img src="{photo}"' in critical
    assert "✗" in critical and "✓" not in critical
    assert "review-critical" not in row_of(failures, "大厅整洁")
    # Passed items sit in a closed <details>, each with a tick.
    assert re.search(r"<details[^>]*>\s*<summary>1 项合格", html)
    assert "✓" in row_of(passed, "微笑服务") and "✗" not in row_of(passed, "微笑服务")


def test_the_review_list_puts_the_review_link_in_the_first_column(submitted, manager, login):
    response = login(manager).get(reverse("admin:standards_checklist_changelist"))
    assert response.context["cl"].list_display[1] == "review_link"
    assert review_url(submitted) in response.content.decode()


def test_the_reviewer_sees_each_failures_rectification_and_raises_one_for_another_failure(
    submitted, manager, login
):
    client = login(manager)
    html = client.get(review_url(submitted)).content.decode()
    assert "{#" not in html  # a template comment left visible
    failures = html.split('id="failed-items"')[1].split('id="passed-items"')[0]
    # The critical failure got its rectification at submit: shown with its status, no box.
    raised = Rectification.objects.get()
    critical = row_of(failures, "叫号机正常")
    assert reverse("admin:rectifications_rectification_change", args=[raised.pk]) in critical
    assert "待整改" in critical and 'type="checkbox"' not in critical
    ordinary = ChecklistAnswer.objects.get(checklist=submitted, item__text="大厅整洁")
    assert f'name="raise_actions_for" value="{ordinary.pk}"' in row_of(failures, "大厅整洁")

    response = client.post(
        review_url(submitted),
        {"note": "已核实", "raise_actions_for": [ordinary.pk], "sign_off": "1"},
    )
    assert response.url == review_url(submitted)
    submitted.refresh_from_db()
    assert submitted.status == Checklist.Status.REVIEWED
    new = Rectification.objects.get(checklist_answer=ordinary)
    html = client.get(review_url(submitted)).content.decode()
    assert reverse("admin:rectifications_rectification_change", args=[new.pk]) in row_of(
        html, "大厅整洁"
    )
    # Every failure has its rectification: nothing is left to raise, reopening still is.
    assert 'name="raise"' not in html and 'type="checkbox"' not in html
    assert 'name="reopen"' in html


def test_a_failure_raised_meanwhile_by_another_reviewer_is_refused_with_a_message(
    submitted, manager, login
):
    client = login(manager)
    ordinary = ChecklistAnswer.objects.get(checklist=submitted, item__text="大厅整洁")
    checklist_sign_off(checklist=submitted, by=manager, raise_actions_for=[ordinary])
    response = client.post(
        review_url(submitted), {"raise_actions_for": [ordinary.pk], "raise": "1"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["raise_actions_for"]
    assert "errorlist" in response.content.decode().split('id="failed-items"')[0]
    assert Rectification.objects.filter(checklist_answer=ordinary).count() == 1
