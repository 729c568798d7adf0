"""Rectification due dates follow the calendar: a notice applied after they were set moves
them, tells the owner, and supersedes what was sent for the old date."""

import datetime as dt

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from branchservice import calendar, calendar_notices
from branchservice.demo import SAMPLE_NOTICE
from branchservice.models import CalendarOverride
from branchservice.notifications.models import Notification
from branchservice.notifications.services import notifications_deliver, reminders_scan
from branchservice.rectifications import services
from branchservice.rectifications.models import Rectification

D = dt.date
SAMPLE = SAMPLE_NOTICE.read_text(encoding="utf-8")
# The package knows nothing of 2027: until the notice, 2027-01-01 (a Friday) is a working day,
# and five working days from Monday 2026-12-28 end on Monday 2027-01-04.
MONDAY = D(2026, 12, 28)


def at(y, m, d, hh=10):
    return timezone.make_aware(dt.datetime(y, m, d, hh))


def apply_sample(user, captured):
    """Apply the sample 2027 notice as head office does, running what waits for the commit."""
    preview = calendar_notices.preview_notice(SAMPLE, 2027)
    with captured(execute=True):
        calendar_notices.apply_notice(
            user=user, text=SAMPLE, year=2027, fingerprint=preview.fingerprint
        )


def counted(raise_for, **kwargs):
    """Due five working days after Monday 2026-12-28, as a failed checklist item's is."""
    return raise_for(due=None, due_counted_from=MONDAY, due_working_days=5, **kwargs)


def test_a_counted_due_date_spanning_a_new_holiday_moves_and_its_history_says_why(
    raise_for, hq, outlet_user, django_capture_on_commit_callbacks
):
    rectification = counted(raise_for)
    assert rectification.due_date == D(2027, 1, 4)

    apply_sample(hq, django_capture_on_commit_callbacks)

    rectification.refresh_from_db()
    assert rectification.due_date == D(2027, 1, 5)
    history = rectification.history.latest()
    assert (history.due_date, history.history_type, history.history_user) == (
        D(2027, 1, 5),
        "~",
        None,
    )
    assert history.history_change_reason == (
        "整改期限由 2027-01-04 改为 2027-01-05，因为 2027-01-01 改为节假日。"
    )
    told = Notification.objects.get(kind="rectification_due_moved")
    assert told.recipient == outlet_user
    assert told.headline.startswith("节假日安排有变，整改事项")
    assert "现应于 2027年1月5日 23:59 前完成" in told.headline

    # The same notice again moves nothing and tells nothing.
    apply_sample(hq, django_capture_on_commit_callbacks)
    assert rectification.history.count() == 2
    assert Notification.objects.filter(kind="rectification_due_moved").count() == 1


def test_a_chosen_date_moves_only_when_its_own_day_becomes_a_holiday(
    raise_for, hq, django_capture_on_commit_callbacks
):
    on_new_year = raise_for(due=D(2027, 1, 1))
    after_it = raise_for(due=D(2027, 1, 4))
    done = raise_for(due=D(2027, 1, 1))
    Rectification.objects.filter(pk=done.pk).update(status=Rectification.Status.DONE)

    apply_sample(hq, django_capture_on_commit_callbacks)

    for r in (on_new_year, after_it, done):
        r.refresh_from_db()
    # 1–3 January off (the 2nd and 3rd a weekend): due the next working day.
    assert on_new_year.due_date == D(2027, 1, 4)
    assert on_new_year.history.latest().history_change_reason == (
        "整改期限由 2027-01-01 改为 2027-01-04，因为 2027-01-01 改为节假日。"
    )
    assert (after_it.due_date, done.due_date) == (D(2027, 1, 4), D(2027, 1, 1))

    # A holiday taken back leaves a chosen date where it was moved: never earlier than chosen.
    CalendarOverride.objects.filter(date=D(2027, 1, 1)).delete()
    services.rectifications_follow_calendar(flips={D(2027, 1, 1): True})
    on_new_year.refresh_from_db()
    assert on_new_year.due_date == D(2027, 1, 4)


def test_a_date_chosen_at_reassignment_is_no_longer_counted(
    raise_for, outlet_user, hq, django_capture_on_commit_callbacks
):
    rectification = counted(raise_for)
    services.rectification_reassign(
        user=outlet_user, rectification=rectification, owner=outlet_user, due_date=D(2027, 1, 6)
    )
    apply_sample(hq, django_capture_on_commit_callbacks)
    rectification.refresh_from_db()
    assert rectification.due_date == D(2027, 1, 6)


def test_a_warning_sent_for_the_old_date_is_superseded_not_sent_again(
    raise_for, hq, outlet_user, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.RECTIFICATION_WARNING_DAYS = 5
    rectification = counted(raise_for)
    with time_machine.travel(at(2026, 12, 31), tick=False):
        reminders_scan()
        assert notifications_deliver(recipient_id=outlet_user.pk) == 1
        warned = Notification.objects.get(kind="rectification", stage="warning")
        assert warned.occurrence == "2027-01-04"
        mailoutbox.clear()

        apply_sample(hq, django_capture_on_commit_callbacks)
        reminders_scan()

        warned.refresh_from_db()
        assert warned.done_at is not None  # greyed in the owner's log, not counted by the bell
        again = Notification.objects.filter(kind="rectification", occurrence="2027-01-05")
        assert [(n.stage, n.cancelled_at is not None) for n in again] == [("warning", True)]
        # The owner hears of the move once, and no second warning.
        assert notifications_deliver(recipient_id=outlet_user.pk) == 1
        assert len(mailoutbox) == 1
        assert rectification.source_label in mailoutbox[0].body

    # A later stage still comes for the new date.
    with time_machine.travel(at(2027, 1, 5), tick=False):
        reminders_scan()
    due = Notification.objects.get(kind="rectification", stage="due")
    assert (due.recipient, due.occurrence) == (outlet_user, "2027-01-05")


def test_a_batch_costs_the_same_few_queries_however_many_rows_move(raise_for):
    rows = [counted(raise_for) for _ in range(6)]
    CalendarOverride.objects.create(date=D(2027, 1, 1), kind="holiday", note="元旦")
    calendar.add_working_days(MONDAY, 5)  # the year's overrides read once, cached
    with CaptureQueriesContext(connection) as queries:
        moved = services.rectifications_follow_calendar(flips={D(2027, 1, 1): False}, batch_size=4)
    assert moved == 6
    # Two batches (4 and 2 rows), each: the rows, the update, the history, the sent reminders,
    # their replacements, marking them done, the owners' notices (and the savepoint
    # statements); never a query per row.
    assert len(queries) <= 2 * 10, [q["sql"][:80] for q in queries]
    assert {r.due_date for r in Rectification.objects.filter(pk__in=[r.pk for r in rows])} == {
        D(2027, 1, 5)
    }
