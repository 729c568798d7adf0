"""Opening and closing checks: each part of the daily checklist is due at its own time, after
the outlet's own hours (issue 16, item 2)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from branchservice.models import Branch
from branchservice.notifications.models import Notification
from branchservice.notifications.services import notifications_deliver, reminders_scan
from branchservice.opening import opening_hours
from standards.models import VersionSection
from standards.reminders import Kind
from standards.selectors import missed_and_pending_checklists
from standards.services import AnswerInput, checklist_answer_save, checklist_start
from tests.standards import factories

pytestmark = pytest.mark.django_db

# Monday 23 Nov 2026, an ordinary PRC working day.
MONDAY = dt.date(2026, 11, 23)
S = Notification.Stage


def at(hour, minute=0, day=MONDAY):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def parts(db):
    return factories.parts_template()


@pytest.fixture
def outlet_a(org):
    return Branch.objects.filter(pk=org.a.pk)


def started(org, template, by, moment):
    with time_machine.travel(moment, tick=False):
        return checklist_start(branch=org.a, template=template, business_date=MONDAY, by=by)


def answer_part(checklist, by, title, moment):
    """Pass every item of the section titled `title`, each saved on its own."""
    with time_machine.travel(moment, tick=False):
        for item in checklist.template_version.items.filter(section__title=title):
            checklist_answer_save(
                checklist=checklist,
                item_id=item.pk,
                answer=AnswerInput(result="pass"),
                by=by,
                revision=checklist.revision,
            )


def missing_at(outlets, moment):
    rows = missed_and_pending_checklists(
        branches_qs=outlets, date_from=MONDAY, date_to=MONDAY, now=moment
    )
    return [(row.is_missed, [p.part.value for p in row.parts], row.due_at) for row in rows]


def test_the_outlets_hours_are_its_own_or_the_banks(org, settings):
    settings.OUTLET_OPENS_AT, settings.OUTLET_CLOSES_AT = "08:30", "17:30"
    assert opening_hours(org.a) == (dt.time(8, 30), dt.time(17, 30))
    org.b.opens_at, org.b.closes_at = dt.time(10), dt.time(21)
    assert opening_hours(org.b) == (dt.time(10), dt.time(21))


def test_an_outlet_closes_after_it_opens_and_only_an_outlet_has_hours(org):
    org.a.opens_at, org.a.closes_at = dt.time(17), dt.time(9)
    with pytest.raises(ValidationError, match="关门时间须晚于开门时间"):
        org.a.clean()
    org.s1.opens_at = dt.time(9)
    with pytest.raises(ValidationError, match="只有营业网点才有自己的营业时间"):
        org.s1.clean()


def test_a_published_version_keeps_each_sections_part(parts):
    assert list(
        VersionSection.objects.filter(version=parts.current_version)
        .order_by("position")
        .values_list("part", flat=True)
    ) == ["opening", "daytime", "closing"]


def test_the_opening_check_is_missed_at_opening_time_unless_it_is_answered(
    org, parts, outlet_a, lobby_user
):
    # Nothing started: pending before the doors open, missed once they are.
    assert missing_at(outlet_a, at(8, 59)) == [(False, ["opening", "daytime", "closing"], at(9))]
    assert missing_at(outlet_a, at(9))[0][0] is True
    checklist = started(org, parts, lobby_user, at(8, 30))
    answer_part(checklist, lobby_user, "营业前", at(8, 45))
    # The opening check is done: the next due time is the day's (18:00), the closing check's
    # an hour after the outlet closes at 17:00.
    assert missing_at(outlet_a, at(9, 30)) == [(False, ["daytime", "closing"], at(18))]


def test_the_closing_check_is_due_after_the_outlets_own_closing_time(
    org, parts, outlet_a, lobby_user, settings
):
    settings.STANDARDS_CHECKLIST_DUE_TIME = "12:00"
    Branch.objects.filter(pk=org.a.pk).update(closes_at=dt.time(20))
    checklist = started(org, parts, lobby_user, at(8, 30))
    answer_part(checklist, lobby_user, "营业前", at(8, 45))
    answer_part(checklist, lobby_user, "营业中", at(11))
    # Closing at 20:00, its closing check is due at 21:00: not missed in the evening.
    assert missing_at(outlet_a, at(20, 30)) == [(False, ["closing"], at(21))]
    # Every item answered is not yet submitted: the checklist is still due by then.
    answer_part(checklist, lobby_user, "营业后", at(20, 40))
    assert missing_at(outlet_a, at(20, 50)) == [(False, ["closing"], at(21))]
    assert missing_at(outlet_a, at(21))[0][0] is True


def test_a_template_without_parts_is_due_as_before(org, small_template, outlet_a):
    assert missing_at(outlet_a, at(17, 59)) == [(False, ["daytime"], at(18))]
    assert missing_at(outlet_a, at(18))[0][0] is True


def scan_at(moment):
    with time_machine.travel(moment, tick=False):
        reminders_scan()
    return {
        (n.kind, n.stage, n.recipient.username)
        for n in Notification.objects.filter(created_at=moment).select_related("recipient")
    }


def test_each_part_is_reminded_at_its_own_time(org, parts, lobby_user, head_a, settings):
    settings.NOTIFICATIONS_SCANNERS = ["standards.reminders"]
    assert scan_at(at(8, 59)) == set()
    assert scan_at(at(9)) == {(Kind.CHECKLIST_OPENING, S.OVERDUE, "lm_a")}
    # The daytime part as before (CHECKLIST_REMINDER_AT); the head hears of the opening check
    # 90 minutes after the lobby manager, as of the daytime part.
    assert scan_at(at(10)) == {(Kind.CHECKLIST, S.OVERDUE, "lm_a")}
    assert scan_at(at(10, 30)) == {(Kind.CHECKLIST_OPENING, S.ESCALATED, "head_a")}
    assert scan_at(at(11, 30)) == {(Kind.CHECKLIST, S.ESCALATED, "head_a")}
    # The closing check an hour after the outlet closes at 17:00.
    assert scan_at(at(17, 59)) == set()
    assert scan_at(at(18)) == {(Kind.CHECKLIST_CLOSING, S.OVERDUE, "lm_a")}


def test_an_opening_check_answered_after_the_scan_cancels_its_reminder(
    org, parts, lobby_user, settings
):
    settings.NOTIFICATIONS_SCANNERS = ["standards.reminders"]
    settings.NOTIFICATIONS_WORKING_HOURS = ("09:30", "18:00")
    scan_at(at(9))  # held until 09:30
    checklist = started(org, parts, lobby_user, at(9, 5))
    answer_part(checklist, lobby_user, "营业前", at(9, 10))
    with time_machine.travel(at(9, 30), tick=False):
        assert notifications_deliver(recipient_id=lobby_user.pk) == 0
    assert Notification.objects.get(kind=Kind.CHECKLIST_OPENING).cancelled_at == at(9, 30)


def fill_page(client, checklist, moment):
    with time_machine.travel(moment, tick=False), translation.override("zh-hans"):
        return client.get(reverse("standards:checklist", args=[checklist.pk])).content.decode()


def test_the_fill_page_shows_which_part_is_due_now(client, org, parts, lobby_user):
    checklist = started(org, parts, lobby_user, at(8, 30))
    client.force_login(lobby_user)
    page = fill_page(client, checklist, at(8, 30))
    assert "现在应做：营业前检查，09:00 前完成" in page
    answer_part(checklist, lobby_user, "营业前", at(8, 45))
    page = fill_page(client, checklist, at(9, 30))
    assert "现在应做：日间检查，18:00 前完成" in page
    answer_part(checklist, lobby_user, "营业中", at(10))
    page = fill_page(client, checklist, at(10, 30))
    assert "下一项：营业后检查，17:00 开始，18:00 前完成" in page
    page = fill_page(client, checklist, at(18, 10))
    assert "已逾期：营业后检查，应于 18:00 前完成" in page
    # Each section says its part.
    assert page.count('class="badge part-badge') == 3


def test_a_template_without_parts_shows_no_part(client, org, checklist, lobby_user):
    client.force_login(lobby_user)
    page = client.get(reverse("standards:checklist", args=[checklist.pk])).content.decode()
    assert "part-now" not in page
    assert "part-badge" not in page
