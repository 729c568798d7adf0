"""The data migrations move every rectification notice and corrective action, with their
history and their stored reminders, into the one Rectification table, then drop the old ones.

Built with Django's migration executor: the database is taken back to before the move, old
rows are written through the old models, and it is migrated forward again.
"""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from branchservice.notifications.models import Notification
from branchservice.rectifications.models import Rectification
from branchservice.roles import Role
from standards.services import AnswerInput, checklist_start, checklist_submit
from tests.complaints.factories import ComplaintFactory
from tests.factories import UserFactory
from tests.standards.conftest import all_pass, items_of
from tests.standards.factories import small_template

BEFORE = [("complaints", "0007_clock_tiers_extensions_pauses"), ("standards", "0001_initial")]
AT = timezone.make_aware(dt.datetime(2026, 11, 2, 10, 0))


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _before():
    """Every app at its latest migration except complaints and standards, before the move."""
    moved = {app for app, _name in BEFORE}
    return [node for node in _latest() if node[0] not in moved] + BEFORE


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def old_world(transactional_db, org):
    """Rows the old code left: a complaint's notices (open, "in progress", done) and a
    checklist's corrective actions (open, done), with history and reminders."""
    cm = UserFactory(username="cm_a", branch=org.a, roles=[Role.COMPLAINT_MANAGER])
    head = UserFactory(username="head_a", branch=org.a, roles=[Role.BRANCH_MANAGER])
    lobby = UserFactory(username="lm_a", branch=org.a, roles=[Role.LOBBY_MANAGER])
    complaint = ComplaintFactory(branch=org.a, reference="TS-A-202611-0007")
    checklist = checklist_start(
        branch=org.a, template=small_template(), business_date=AT.date(), by=lobby
    )
    answers = all_pass(checklist)
    for item in items_of(checklist)[:2]:
        answers[item.pk] = AnswerInput(result="fail", comment="坏了", photo="x.jpg")
    checklist_submit(checklist=checklist, answers=answers, by=lobby, revision=1, now=AT)
    # The new code raised rectifications on submit: the old tables are where they belong.
    Rectification.objects.all().delete()
    Rectification.history.all().delete()
    failed = list(checklist.answers.filter(failed=True).order_by("item__position"))
    try:
        apps = _migrate(_before())
        yield _write_old_rows(apps, org, cm, head, complaint, checklist, failed)
    finally:
        _migrate(_latest())


def _write_old_rows(apps, org, cm, head, complaint, checklist, failed):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Notice = apps.get_model("complaints", "RectificationNotice")
    NoticeHistory = apps.get_model("complaints", "HistoricalRectificationNotice")
    Action = apps.get_model("standards", "CorrectiveAction")
    ActionHistory = apps.get_model("standards", "HistoricalCorrectiveAction")
    OldNotification = apps.get_model("notifications", "Notification")

    def notice(status, evidence="", completed_at=None):
        row = Notice.objects.create(
            complaint_id=complaint.pk, owner_id=cm.pk, responsible_department="运营部",
            required_action=f"整改（{status}）", due_date=dt.date(2026, 11, 20), status=status,
            evidence=evidence, completed_at=completed_at, issued_by_id=cm.pk,
        )  # fmt: skip
        NoticeHistory.objects.create(
            id=row.pk, complaint_id=complaint.pk, owner_id=cm.pk, responsible_department="运营部",
            required_action=row.required_action, due_date=row.due_date, status="open",
            evidence="", issued_by_id=cm.pk, created_at=AT, history_date=AT, history_type="+",
            history_user_id=cm.pk,
        )  # fmt: skip
        if status == "done":
            NoticeHistory.objects.create(
                id=row.pk, complaint_id=complaint.pk, owner_id=cm.pk,
                responsible_department="运营部", required_action=row.required_action,
                due_date=row.due_date, status="done", evidence=evidence,
                completed_at=completed_at, issued_by_id=cm.pk, created_at=AT,
                history_date=completed_at, history_type="~", history_user_id=head.pk,
            )  # fmt: skip
        return row

    notices = [
        notice("open"),
        notice("in_progress"),
        notice("done", "培训已完成", AT + dt.timedelta(days=3)),
    ]
    actions = []
    for answer, status in zip(failed, ["open", "done"], strict=True):
        done = status == "done"
        row = Action.objects.create(
            branch_id=org.a.pk, checklist_id=checklist.pk, answer_id=answer.pk, owner_id=head.pk,
            required_action=f"整改：{answer.item.text}", due_date=dt.date(2026, 11, 9),
            status=status, evidence="已修复" if done else "",
            completed_at=AT + dt.timedelta(days=1) if done else None, created_by_id=cm.pk,
        )  # fmt: skip
        ActionHistory.objects.create(
            id=row.pk, branch_id=org.a.pk, checklist_id=checklist.pk, answer_id=answer.pk,
            owner_id=head.pk, required_action=row.required_action, due_date=row.due_date,
            status=status, evidence=row.evidence, completed_at=row.completed_at,
            created_at=AT, created_by_id=cm.pk, history_date=AT, history_type="+",
            history_user_id=None,  # written by a script: nobody recorded
        )  # fmt: skip
        actions.append(row)

    def reminder(model, obj, kind):
        OldNotification.objects.create(
            recipient_id=head.pk, kind=kind, stage="overdue",
            content_type=ContentType.objects.get_or_create(app_label=model[0], model=model[1])[0],
            object_id=obj.pk, occurrence="2026-11-20", object_label="x", scheduled_for=AT,
        )  # fmt: skip

    reminder(("complaints", "rectificationnotice"), notices[0], "rectification")
    reminder(("standards", "correctiveaction"), actions[0], "corrective_action")
    return type("Old", (), {"notices": notices, "actions": actions, "cm": cm, "head": head})


def test_every_row_its_history_and_its_reminders_move_into_one_table(old_world, org):
    _migrate(_latest())
    rows = {r.required_action: r for r in Rectification.objects.all()}
    assert len(rows) == 5
    statuses = {action: r.status for action, r in rows.items()}
    assert statuses == {
        "整改（open）": "open",
        "整改（in_progress）": "open",  # could never be reached: it was open
        "整改（done）": "done",
        "整改：大厅整洁": "open",
        "整改：叫号机正常": "done",
    }
    done = rows["整改（done）"]
    assert (done.owner, done.evidence, done.completed_by) == (
        old_world.cm,
        "培训已完成",
        old_world.head,  # who saved it done, from its history
    )
    assert (done.source_kind, done.source.reference, done.outlet) == (
        "complaint",
        "TS-A-202611-0007",
        org.a,
    )
    assert done.raised_by == old_world.cm and done.responsible_department == "运营部"
    action = rows["整改：叫号机正常"]
    assert (action.source_kind, action.source.item.text, action.owner) == (
        "checklist",
        "叫号机正常",
        old_world.head,
    )
    assert action.completed_by == old_world.head  # nobody recorded in its history: its owner
    assert action.source_label.endswith("· 叫号机正常")
    # History: the notice that was done has its two versions, under the new id.
    assert list(done.history.order_by("history_date").values_list("status", flat=True)) == [
        "open",
        "done",
    ]
    assert Rectification.history.count() == 1 + 1 + 2 + 1 + 1
    # Reminders point at the new rows, under the one rectification kind.
    reminded = {(n.kind, n.target.required_action) for n in Notification.objects.all()}
    assert reminded == {
        ("rectification", "整改（open）"),
        ("rectification", "整改：大厅整洁"),
    }
