"""Arbitrary text into checklist answers (draft saves and submits, through the page and the
services) and a reviewer's reopening reason: either a clear refusal, or a record that reads back
as sent (the services trim comments and reasons) and pages that escape it."""

import itertools

from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import event, example, given

from branchservice.calendar import add_working_days
from standards.models import Checklist, ChecklistAnswer, ChecklistEvent, MissedChecklistExcuse
from standards.services import (
    AnswerInput,
    checklist_reopen,
    checklist_save_draft,
    checklist_sign_off,
    checklist_start,
    checklist_submit,
    missed_checklist_excuse,
)
from tests.fuzz import ALWAYS, FUZZ, assert_escaped, assert_refused_clearly, nasty_text
from tests.standards.conftest import all_pass, form_data, items_of


def url(checklist):
    return reverse("standards:checklist", args=[checklist.pk])


def assert_storable(text):
    # PostgreSQL refuses NUL characters in text; a service must not hand it one.
    assert "\x00" not in text


def stored_comment(checklist, item):
    return ChecklistAnswer.objects.filter(checklist=checklist, item=item).first()


@FUZZ
@given(comment=nasty_text)
@example(comment=ALWAYS[0])
@example(comment=ALWAYS[1])
@example(comment=ALWAYS[2])
def test_a_draft_saved_on_the_page_keeps_the_comment_or_refuses_it(
    checklist, lobby_user, login, comment
):
    client = login(lobby_user)
    checklist.refresh_from_db()
    first = items_of(checklist)[0]
    before = stored_comment(checklist, first)
    response = client.post(
        url(checklist),
        form_data(checklist, {first.pk: AnswerInput(result="fail", comment=comment)}),
    )
    if response.status_code == 400:
        event("refused")
        assert_refused_clearly(response.context["form"].errors)
        after = stored_comment(checklist, first)
        assert (after and after.comment) == (before and before.comment)
        return
    event("saved")
    assert response.status_code == 302
    assert stored_comment(checklist, first).comment == comment.strip()
    page = client.get(url(checklist))
    assert page.status_code == 200
    assert_escaped(page.content.decode(), comment.strip())


@FUZZ
@given(comment=nasty_text)
@example(comment=ALWAYS[0])
@example(comment=ALWAYS[1])
@example(comment=ALWAYS[2])
def test_a_draft_saved_through_the_service_keeps_the_comment_or_refuses_it(
    checklist, lobby_user, comment
):
    checklist.refresh_from_db()
    first = items_of(checklist)[0]
    try:
        checklist_save_draft(
            checklist=checklist,
            answers={first.pk: AnswerInput(result="fail", comment=comment)},
            by=lobby_user,
            revision=checklist.revision,
        )
    except ValidationError as error:
        event("refused")
        assert_refused_clearly(error)
        return
    event("saved")
    saved = stored_comment(checklist, first).comment
    assert saved == comment.strip()
    assert_storable(saved)


@FUZZ
@given(comment=nasty_text, reason=nasty_text)
@example(comment=ALWAYS[0], reason=ALWAYS[1])
@example(comment=ALWAYS[1], reason=ALWAYS[1])
@example(comment=ALWAYS[2], reason=ALWAYS[1])
@example(comment="地面有水", reason=ALWAYS[0])
def test_a_submitted_comment_and_a_reopening_reason_are_kept_and_escaped(
    checklist, lobby_user, outlet_head, login, comment, reason
):
    checklist.refresh_from_db()
    first = items_of(checklist)[0]
    answers = {**all_pass(checklist), first.pk: AnswerInput(result="fail", comment=comment)}
    try:
        checklist_submit(
            checklist=checklist, answers=answers, by=lobby_user, revision=checklist.revision
        )
    except ValidationError as error:
        event("submit refused")
        assert_refused_clearly(error)
        checklist.refresh_from_db()
        assert checklist.is_editable
        return
    saved = stored_comment(checklist, first).comment
    assert saved == comment.strip()
    assert_storable(saved)
    page = login(lobby_user).get(url(checklist))
    assert page.status_code == 200
    assert_escaped(page.content.decode(), saved)
    try:
        checklist_reopen(checklist=checklist, by=outlet_head, reason=reason)
    except ValidationError as error:
        event("reopen refused")
        assert_refused_clearly(error)
        # Still submitted: give it back with a plain reason so the next example can submit.
        checklist_reopen(checklist=checklist, by=outlet_head, reason="重新检查")
        return
    event("reopened")
    note = ChecklistEvent.objects.filter(checklist=checklist).latest("pk").note
    assert note == reason.strip()
    assert_storable(note)
    assert Checklist.objects.get(pk=checklist.pk).status == Checklist.Status.REOPENED


past_days = itertools.count(1)


@FUZZ
@given(note=nasty_text, reason=nasty_text)
@example(note=ALWAYS[0], reason=ALWAYS[0])
@example(note=ALWAYS[1], reason=ALWAYS[1])
@example(note=ALWAYS[2], reason=ALWAYS[2])
def test_a_sign_off_note_and_an_excuse_reason_are_kept_or_refused(
    small_template, org, lobby_user, manager, on_workday, note, reason
):
    # Each example on earlier working days of its own: one checklist signed off, one excused.
    signed_day, excused_day = (add_working_days(on_workday, -next(past_days)) for _ in "12")
    checklist = checklist_start(
        branch=org.a, template=small_template, business_date=signed_day, by=lobby_user
    )
    checklist_submit(checklist=checklist, answers=all_pass(checklist), by=lobby_user, revision=1)
    try:
        checklist_sign_off(checklist=checklist, by=manager, note=note)
    except ValidationError as error:
        event("sign-off refused")
        assert_refused_clearly(error)
        assert Checklist.objects.get(pk=checklist.pk).status == Checklist.Status.SUBMITTED
    else:
        event("signed off")
        saved = Checklist.objects.get(pk=checklist.pk).review_note
        assert saved == note
        assert_storable(saved)
    try:
        excuse = missed_checklist_excuse(
            branch=org.a, business_date=excused_day, reason=reason, by=manager
        )
    except ValidationError as error:
        event("excuse refused")
        assert_refused_clearly(error)
        assert not MissedChecklistExcuse.objects.filter(business_date=excused_day).exists()
    else:
        event("excused")
        excuse.refresh_from_db()
        assert excuse.reason == reason.strip()
        assert_storable(excuse.reason)
