"""A failed checklist item's rectification is due some working days after the check: when a
notice makes a day in that span a holiday, the due date moves with it."""

import datetime as dt

import time_machine
from django.utils import timezone

from branchservice import calendar_notices
from branchservice.demo import SAMPLE_NOTICE
from branchservice.notifications.models import Notification
from branchservice.rectifications.models import Rectification
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
