"""A failed checklist item's rectification is due some working days after the check: when a
notice makes a day in that span a holiday, the due date moves with it."""

import datetime as dt
import importlib

import time_machine
from django.utils import timezone

from branchservice import calendar_notices
from branchservice.demo import SAMPLE_NOTICE
from branchservice.notifications.models import Notification
from branchservice.rectifications.models import Rectification
from branchservice.rectifications.services import rectification_raise
from standards.services import AnswerInput, checklist_start, checklist_submit

from .conftest import all_pass, items_of

D = dt.date
MONDAY = D(2026, 12, 28)


def test_a_failed_items_rectification_follows_a_notice_applied_after_the_check(
    small_template, org, lobby_user, outlet_head, hq, django_capture_on_commit_callbacks
):
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 12, 28, 10)), tick=False):
        checklist = checklist_start(
            branch=org.a, template=small_template, business_date=MONDAY, by=lobby_user
        )
        answers = all_pass(checklist)
        answers[items_of(checklist)[1].pk] = AnswerInput(
            result="fail", comment="叫号机黑屏", photo="x.jpg"
        )
        checklist_submit(checklist=checklist, answers=answers, by=lobby_user, revision=1)
        rectification = Rectification.objects.get()
        # Five working days, the package knowing nothing of 2027: 29, 30, 31, 1 and 4.
        assert rectification.due_date == D(2027, 1, 4)

        text = SAMPLE_NOTICE.read_text(encoding="utf-8")
        preview = calendar_notices.preview_notice(text, 2027)
        with django_capture_on_commit_callbacks(execute=True):
            calendar_notices.apply_notice(
                user=hq, text=text, year=2027, fingerprint=preview.fingerprint
            )

    rectification.refresh_from_db()
    assert rectification.due_date == D(2027, 1, 5)
    assert rectification.history.latest().history_change_reason == (
        "整改期限由 2027-01-04 改为 2027-01-05，因为 2027-01-01 改为节假日。"
    )
    assert Notification.objects.get(kind="rectification_due_moved").recipient == outlet_head


def test_a_failed_items_rectification_raised_before_counts_were_stored_gets_its_count(
    small_template, org, lobby_user, outlet_head, hq, django_capture_on_commit_callbacks
):
    from django.apps import apps

    backfill = importlib.import_module(
        "standards.migrations.0005_regional_rectification_counts_backfilled"
    ).backfill
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 12, 28, 10)), tick=False):
        checklist = checklist_start(
            branch=org.a, template=small_template, business_date=MONDAY, by=lobby_user
        )
        answers = all_pass(checklist)
        answers[items_of(checklist)[1].pk] = AnswerInput(
            result="fail", comment="叫号机黑屏", photo="x.jpg"
        )
        checklist_submit(checklist=checklist, answers=answers, by=lobby_user, revision=1)
        old = Rectification.objects.get()
        # Another item's, due on a date a person chose.
        chosen = rectification_raise(
            user=outlet_head,
            outlet=org.a,
            source=checklist.answers.get(item=items_of(checklist)[0]),
            source_kind="checklist",
            source_label="2026-12-28 · 复查",
            owner=outlet_head,
            required_action="复查叫号机。",
            due_date=D(2027, 1, 8),
        )
        # Another, whose date a person changed and changed back to what the count gives.
        changed = rectification_raise(
            user=outlet_head,
            outlet=org.a,
            source=checklist.answers.get(item=items_of(checklist)[2]),
            source_kind="checklist",
            source_label="2026-12-28 · 评分",
            owner=outlet_head,
            required_action="培训。",
            due_date=D(2027, 1, 8),
        )
        changed.due_date = D(2027, 1, 4)
        changed.save()
        # As rows raised before rectifications 0002 are: a date, no count.
        Rectification.objects.update(due_counted_from=None, due_working_days=None)

        backfill(apps, None)

        old.refresh_from_db()
        chosen.refresh_from_db()
        assert (old.due_counted_from, old.due_working_days) == (MONDAY, 5)
        assert chosen.due_working_days is None
        changed.refresh_from_db()
        assert changed.due_working_days is None  # its history shows a date a person chose

        text = SAMPLE_NOTICE.read_text(encoding="utf-8")
        preview = calendar_notices.preview_notice(text, 2027)
        with django_capture_on_commit_callbacks(execute=True):
            calendar_notices.apply_notice(
                user=hq, text=text, year=2027, fingerprint=preview.fingerprint
            )
    old.refresh_from_db()
    chosen.refresh_from_db()
    assert old.due_date == D(2027, 1, 5)  # recounted, as a newer one is
    assert chosen.due_date == D(2027, 1, 8)  # a chosen date moves only off a new holiday
    assert chosen.due_working_days is None
