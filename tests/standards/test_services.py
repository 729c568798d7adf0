from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from branchservice.calendar import add_working_days
from branchservice.rectifications.models import Rectification
from standards.models import Checklist, ChecklistAnswer, ChecklistEvent
from standards.selectors import version_items
from standards.services import (
    AnswerInput,
    ChecklistLocked,
    StaleChecklist,
    checklist_reopen,
    checklist_save_draft,
    checklist_sign_off,
    checklist_start,
    checklist_submit,
    template_publish,
)
from tests.factories import UserFactory
from tests.standards.conftest import all_pass, items_of


def test_it_starts_one_checklist_per_outlet_day_and_template(checklist, org, lobby_user):
    again = checklist_start(
        branch=org.a,
        template=checklist.template,
        business_date=checklist.business_date,
        by=lobby_user,
    )
    assert again.pk == checklist.pk
    assert Checklist.objects.count() == 1


def test_it_refuses_to_start_a_checklist_for_another_outlet(
    small_template, org, lobby_user, on_workday
):
    with pytest.raises(PermissionDenied):
        checklist_start(
            branch=org.b, template=small_template, business_date=on_workday, by=lobby_user
        )


def test_it_refuses_a_day_in_the_future(small_template, org, lobby_user, on_workday):
    import datetime as dt

    with pytest.raises(ValidationError):
        checklist_start(
            branch=org.a,
            template=small_template,
            business_date=on_workday + dt.timedelta(days=1),
            by=lobby_user,
        )


def test_a_filled_checklist_keeps_the_items_of_its_version(checklist, small_template):
    section = small_template.sections.get()
    section.items.filter(position=1).update(text="大厅整洁（新版）")
    new_version = template_publish(template=small_template, by=None)
    assert items_of(checklist)[0].text == "大厅整洁"
    assert new_version.items.order_by("position").first().text == "大厅整洁（新版）"
    checklist.refresh_from_db()
    assert checklist.template_version.number == 1


def test_a_draft_saved_from_a_stale_tab_is_refused_and_the_newer_answers_stay(
    checklist, lobby_user
):
    first = items_of(checklist)[0]
    checklist_save_draft(
        checklist=checklist,
        answers={first.pk: AnswerInput(result="pass")},
        by=lobby_user,
        revision=1,
    )
    stale_copy = Checklist.objects.get(pk=checklist.pk)
    with pytest.raises(StaleChecklist):
        checklist_save_draft(
            checklist=stale_copy,
            answers={first.pk: AnswerInput(result="fail", comment="x")},
            by=lobby_user,
            revision=1,
        )
    assert ChecklistAnswer.objects.get(checklist=checklist, item=first).result == "pass"


def test_an_answer_to_an_item_of_another_version_is_refused(checklist, lobby_user, small_template):
    template_publish(template=small_template, by=None)
    foreign = small_template.current_version.items.first()
    with pytest.raises(ValidationError):
        checklist_save_draft(
            checklist=checklist,
            answers={foreign.pk: AnswerInput(result="pass")},
            by=lobby_user,
            revision=checklist.revision,
        )
    assert not ChecklistAnswer.objects.exists()


def test_submit_scores_weighted_and_locks(checklist, lobby_user, outlet_head):
    items = items_of(checklist)
    answers = all_pass(checklist)
    # The critical item (weight 3) fails; the score item gets 2 of 4 (weight 2, not a failure).
    answers[items[1].pk] = AnswerInput(result="fail", comment="叫号机黑屏", photo="x.jpg")
    answers[items[2].pk] = AnswerInput(score=2)
    checklist_submit(checklist=checklist, answers=answers, by=lobby_user, revision=1)
    checklist.refresh_from_db()
    assert checklist.status == Checklist.Status.SUBMITTED
    # (1*1 + 0*3 + 0.5*2) / 6 = 33.3 %
    assert checklist.score == Decimal("33.3")
    assert checklist.critical_failures == 1
    action = Rectification.objects.get()
    assert action.owner == outlet_head
    assert action.source.item == items[1]
    assert (action.outlet, action.source_kind) == (checklist.branch, "checklist")
    assert action.due_date > checklist.business_date
    with pytest.raises(ChecklistLocked):
        checklist_submit(checklist=checklist, answers=answers, by=lobby_user, revision=2)


def test_submit_refuses_a_failure_without_its_comment_and_photo(checklist, lobby_user):
    answers = all_pass(checklist)
    answers[items_of(checklist)[1].pk] = AnswerInput(result="fail")
    with pytest.raises(ValidationError):
        checklist_submit(checklist=checklist, answers=answers, by=lobby_user, revision=1)
    checklist.refresh_from_db()
    assert checklist.status == Checklist.Status.DRAFT
    assert checklist.revision == 1


def test_a_reviewer_signs_off_and_raises_an_action_for_a_chosen_failure(
    checklist, lobby_user, manager
):
    answers = all_pass(checklist)
    answers[items_of(checklist)[0].pk] = AnswerInput(result="fail", comment="地面有水渍")
    checklist_submit(checklist=checklist, answers=answers, by=lobby_user, revision=1)
    failed = list(ChecklistAnswer.objects.filter(checklist=checklist, failed=True))
    checklist_sign_off(checklist=checklist, by=manager, note="已核实", raise_actions_for=failed)
    checklist.refresh_from_db()
    assert checklist.status == Checklist.Status.REVIEWED
    assert checklist.reviewed_by == manager
    # No outlet head at A in this test: the reviewer who raised it owns it.
    assert Rectification.objects.get().owner == manager


def test_reopen_needs_a_reason_and_records_it(checklist, lobby_user, manager):
    checklist_submit(checklist=checklist, answers=all_pass(checklist), by=lobby_user, revision=1)
    with pytest.raises(ValidationError):
        checklist_reopen(checklist=checklist, by=manager, reason=" ")
    checklist_reopen(checklist=checklist, by=manager, reason="照片不清晰，请重拍")
    checklist.refresh_from_db()
    assert checklist.status == Checklist.Status.REOPENED
    event = checklist.events.get(action=ChecklistEvent.Action.REOPENED)
    assert event.note == "照片不清晰，请重拍"
    assert event.by == manager
    # Editable again, at the new revision.
    checklist_submit(
        checklist=checklist, answers=all_pass(checklist), by=lobby_user, revision=checklist.revision
    )


def test_a_reviewer_of_another_branch_cannot_sign_off(checklist, lobby_user, org):
    from branchservice.roles import Role

    checklist_submit(checklist=checklist, answers=all_pass(checklist), by=lobby_user, revision=1)
    stranger = UserFactory(username="mgr_s2", branch=org.s2, roles=[Role.BRANCH_MANAGER])
    with pytest.raises(PermissionDenied):
        checklist_sign_off(checklist=checklist, by=stranger)


def test_submit_costs_under_ten_queries_for_sixty_items(
    catalogue, org, lobby_user, after_closing, django_assert_max_num_queries
):
    on_workday = after_closing
    checklist = checklist_start(
        branch=org.a, template=catalogue.daily, business_date=on_workday, by=lobby_user
    )
    # As the page's view reads it.
    checklist = Checklist.objects.select_related("branch", "template_version").get(pk=checklist.pk)
    answers = all_pass(checklist)
    assert len(answers) >= 40
    first_critical = next(i for i in items_of(checklist) if i.is_critical)
    answers[first_critical.pk] = AnswerInput(result="fail", comment="坏了", photo="p.jpg")
    lobby_user.has_perm("standards.change_checklist")  # permission cache, as in a request
    from branchservice.scoping import can_see_branch

    can_see_branch(lobby_user, org.a)
    # The calendar's overrides are read once per year and then cached across requests, as
    # are content types and the version's items (since the page was shown).
    add_working_days(on_workday, 1)
    ContentType.objects.get_for_model(ChecklistAnswer)
    version_items(checklist.template_version)
    # 9, and the failure's rectification reads its template's kind (daily or inspection).
    with django_assert_max_num_queries(10):
        checklist_submit(checklist=checklist, answers=answers, by=lobby_user, revision=1)
    assert ChecklistAnswer.objects.filter(checklist=checklist).count() == len(answers)
    assert Rectification.objects.count() == 1
