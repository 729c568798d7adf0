"""Each answer is kept as it is given (issue 16 item 1): the answer service and its URL."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from standards.models import Checklist, ChecklistAnswer
from standards.services import (
    AnswerInput,
    ChecklistLocked,
    StaleChecklist,
    checklist_answer_save,
    checklist_save_draft,
    checklist_submit,
)
from tests.standards import factories
from tests.standards.conftest import all_pass, items_of

TRANSACTION = re.compile(r"(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b")


def answer_url(checklist):
    return reverse("standards:answer", args=[checklist.pk])


def test_an_answer_is_saved_on_its_own_and_bumps_the_revision(checklist, lobby_user):
    first = items_of(checklist)[0]
    checklist_answer_save(
        checklist=checklist,
        item_id=first.pk,
        answer=AnswerInput(result="fail", comment="地面有水"),
        by=lobby_user,
        revision=1,
    )
    saved = ChecklistAnswer.objects.get(checklist=checklist, item=first)
    assert (saved.result, saved.failed, saved.comment) == ("fail", True, "地面有水")
    checklist.refresh_from_db()
    assert checklist.revision == 2
    assert checklist.status == Checklist.Status.DRAFT


def test_saving_an_answer_keeps_the_photo_the_form_uploaded(checklist, lobby_user):
    critical = items_of(checklist)[1]
    checklist_save_draft(
        checklist=checklist,
        answers={critical.pk: AnswerInput(result="fail", photo=factories.png_photo())},
        by=lobby_user,
        revision=1,
    )
    photo = ChecklistAnswer.objects.get(item=critical).photo.name
    assert photo
    checklist_answer_save(
        checklist=checklist,
        item_id=critical.pk,
        answer=AnswerInput(result="fail", comment="黑屏"),
        by=lobby_user,
        revision=2,
    )
    saved = ChecklistAnswer.objects.get(item=critical)
    assert (saved.photo.name, saved.comment) == (photo, "黑屏")


def test_a_stale_revision_is_refused(checklist, lobby_user):
    first, second = items_of(checklist)[:2]
    save = dict(checklist=checklist, by=lobby_user)
    checklist_answer_save(**save, item_id=first.pk, answer=AnswerInput(result="pass"), revision=1)
    with pytest.raises(StaleChecklist):
        checklist_answer_save(
            **save, item_id=second.pk, answer=AnswerInput(result="pass"), revision=1
        )
    assert not ChecklistAnswer.objects.filter(item=second).exists()


def test_an_item_of_another_version_is_refused(checklist, lobby_user, org):
    other = factories.small_template(code="other")
    foreign = other.current_version.items.first()
    with pytest.raises(ValidationError, match="不在本检查表"):
        checklist_answer_save(
            checklist=checklist,
            item_id=foreign.pk,
            answer=AnswerInput(result="pass"),
            by=lobby_user,
            revision=1,
        )
    assert not ChecklistAnswer.objects.exists()


@pytest.mark.parametrize(
    ("position", "answer"),
    [(0, AnswerInput(result="ok")), (2, AnswerInput(score=5))],
)
def test_a_value_the_item_cannot_take_is_refused(checklist, lobby_user, position, answer):
    item = items_of(checklist)[position]
    with pytest.raises(ValidationError):
        checklist_answer_save(
            checklist=checklist, item_id=item.pk, answer=answer, by=lobby_user, revision=1
        )
    assert not ChecklistAnswer.objects.exists()


def test_an_answer_after_submit_is_refused(checklist, lobby_user):
    checklist_submit(checklist=checklist, answers=all_pass(checklist), by=lobby_user, revision=1)
    first = items_of(checklist)[0]
    with pytest.raises(ChecklistLocked):
        checklist_answer_save(
            checklist=checklist,
            item_id=first.pk,
            answer=AnswerInput(result="fail", comment="晚到的答案"),
            by=lobby_user,
            revision=2,
        )
    assert ChecklistAnswer.objects.get(item=first).result == "pass"


def test_another_outlets_lobby_manager_may_not_answer(checklist, other_lobby_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        checklist_answer_save(
            checklist=checklist,
            item_id=items_of(checklist)[0].pk,
            answer=AnswerInput(result="pass"),
            by=other_lobby_user,
            revision=1,
        )


# --- the URL the page saves to -----------------------------------------------------------------


def test_the_page_saves_an_answer_and_learns_the_new_revision(checklist, lobby_user, login):
    client = login(lobby_user)
    scored = items_of(checklist)[2]
    response = client.post(answer_url(checklist), {"item": scored.pk, "score": 1, "revision": 1})
    assert response.status_code == 200
    assert response.json()["revision"] == 2
    assert response.json()["saved_at"] == "10:00"
    saved = ChecklistAnswer.objects.get(item=scored)
    assert (saved.score, saved.failed) == (1, True)


def test_a_stale_tab_is_told_who_saved_and_the_current_revision(checklist, lobby_user, login):
    first, second = items_of(checklist)[:2]
    client = login(lobby_user)
    client.post(answer_url(checklist), {"item": first.pk, "result": "pass", "revision": 1})
    stale = client.post(answer_url(checklist), {"item": second.pk, "result": "na", "revision": 1})
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "stale"
    assert body["revision"] == 2
    assert "在其他设备或页面上保存过" in body["message"]
    assert lobby_user.get_full_name() in body["message"]
    # Overwriting on purpose: the same answer with the revision the refusal gave.
    again = client.post(answer_url(checklist), {"item": second.pk, "result": "na", "revision": 2})
    assert again.status_code == 200
    assert ChecklistAnswer.objects.get(item=second).result == "na"


def test_a_queued_answer_arriving_after_submit_is_refused_in_chinese(checklist, lobby_user, login):
    checklist_submit(checklist=checklist, answers=all_pass(checklist), by=lobby_user, revision=1)
    first = items_of(checklist)[0]
    response = login(lobby_user).post(
        answer_url(checklist), {"item": first.pk, "result": "fail", "revision": 1}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "locked"
    assert "已经提交" in response.json()["message"]
    assert ChecklistAnswer.objects.get(item=first).result == "pass"


def test_an_answer_for_an_item_not_on_the_checklist_is_refused_in_chinese(
    checklist, lobby_user, login
):
    foreign = factories.small_template(code="other").current_version.items.first()
    response = login(lobby_user).post(
        answer_url(checklist), {"item": foreign.pk, "result": "pass", "revision": 1}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "不在本检查表" in response.json()["message"]


def test_an_unreadable_answer_is_refused(checklist, lobby_user, login):
    response = login(lobby_user).post(answer_url(checklist), {"item": "x", "revision": 1})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_another_outlets_checklist_is_not_found(checklist, other_lobby_user, login):
    response = login(other_lobby_user).post(
        answer_url(checklist),
        {"item": items_of(checklist)[0].pk, "result": "pass", "revision": 1},
    )
    assert response.status_code == 404
    assert not ChecklistAnswer.objects.exists()


def test_a_signed_out_page_is_sent_to_the_login(checklist, client):
    response = client.post(
        answer_url(checklist), {"item": items_of(checklist)[0].pk, "result": "pass", "revision": 1}
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("standards:login"))


def test_saving_one_answer_costs_four_statements_on_postgresql(checklist, lobby_user, login):
    client = login(lobby_user)
    first, second = items_of(checklist)[:2]
    client.get(reverse("standards:checklist", args=[checklist.pk]))  # the page, loaded first
    for item, revision in ((first, 1), (second, 2)):
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                answer_url(checklist), {"item": item.pk, "result": "pass", "revision": revision}
            )
        assert response.status_code == 200
        # The session comes from the cache; the user with their branch, then their roles and
        # permissions in one UNION (branchservice/backends.py); the checklist; the version's
        # items are cached; then the claim and the answer: on PostgreSQL one statement, with no
        # transaction around it; on SQLite the claiming UPDATE and the upsert in a transaction
        # (its statements are counted: here a savepoint and its release).
        statements = [q["sql"] for q in ctx.captured_queries]
        if connection.vendor == "postgresql":
            assert len(statements) == 4, statements
            assert not any(TRANSACTION.match(sql) for sql in statements)
        else:
            assert len(statements) == 7, statements
    assert ChecklistAnswer.objects.filter(checklist=checklist, result="pass").count() == 2
