"""The outlet's own calendar: the daily checklist is due, and missed, on its opening days."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from branchservice.models import Branch, OutletDay, WeekendOpening
from branchservice.notifications.models import Notification
from branchservice.notifications.registry import Reminder
from branchservice.notifications.services import (
    notifications_create,
    notifications_deliver,
    notifications_dispatch,
    reminders_scan,
)
from branchservice.opening import is_opening_day
from branchservice.roles import Role
from standards.models import MissedChecklistExcuse
from standards.selectors import missed_and_pending_checklists
from standards.services import checklist_start, checklist_submit, missed_checklist_excuse
from tests.factories import UserFactory
from tests.standards.conftest import all_pass

# Saturday 21 Nov 2026: an ordinary weekend day. Saturday 3 Oct 2026: National Day holiday.
SATURDAY = dt.date(2026, 11, 21)
SUNDAY = dt.date(2026, 11, 22)
NATIONAL_DAY_SATURDAY = dt.date(2026, 10, 3)


def at(day, hour):
    clock = dt.time(int(hour), round(hour % 1 * 60))
    return timezone.make_aware(dt.datetime.combine(day, clock))


@pytest.fixture
def outlets(org):
    return Branch.objects.filter(pk__in=[org.a.pk, org.b.pk])


@pytest.fixture
def mall(org):
    """Outlet B opens on Saturdays (a mall outlet)."""
    Branch.objects.filter(pk=org.b.pk).update(opens_on_weekends=WeekendOpening.SATURDAY)
    org.b.refresh_from_db()
    return org.b


def missing(outlets, day, hour=20):
    rows = missed_and_pending_checklists(
        branches_qs=outlets, date_from=day, date_to=day, now=at(day, hour)
    )
    return {(row.branch.code, row.is_missed) for row in rows}


def test_it_is_due_and_missed_on_saturday_at_a_weekend_open_outlet_only(outlets, mall):
    assert missing(outlets, SATURDAY) == {("B", True)}
    assert missing(outlets, SATURDAY, hour=10) == {("B", False)}
    # Saturdays only: Sunday is closed for both.
    assert missing(outlets, SUNDAY) == set()


def test_a_weekend_outlet_is_closed_on_a_public_holiday_unless_it_opens_that_date(outlets, mall):
    assert missing(outlets, NATIONAL_DAY_SATURDAY) == set()
    OutletDay.objects.create(branch=mall, date=NATIONAL_DAY_SATURDAY, kind=OutletDay.Kind.OPEN)
    assert missing(outlets, NATIONAL_DAY_SATURDAY) == {("B", True)}


def test_a_holiday_opening_date_is_due_and_a_closed_date_is_not(outlets, org):
    holiday = dt.date(2026, 10, 5)  # a Monday in the National Day holiday
    OutletDay.objects.create(branch=org.a, date=holiday, kind=OutletDay.Kind.OPEN, note="国庆营业")
    assert missing(outlets, holiday) == {("A", True)}
    workday = dt.date(2026, 11, 18)
    OutletDay.objects.create(branch=org.b, date=workday, kind=OutletDay.Kind.CLOSED, note="装修")
    assert missing(outlets, workday) == {("A", True)}
    assert not is_opening_day(org.b, workday)
    assert is_opening_day(org.a, holiday)


def test_outlets_without_a_calendar_of_their_own_keep_the_prc_working_days(outlets, org):
    # Saturday 10 Oct 2026 is an adjusted working day (调休); 21 Nov an ordinary weekend.
    assert missing(outlets, dt.date(2026, 10, 10)) == {("A", True), ("B", True)}
    assert missing(outlets, SATURDAY) == set()
    assert org.a.opens_on_weekends == WeekendOpening.NONE


def test_the_queries_stay_fixed_however_many_outlets_open_on_their_own_days(
    org, mall, django_assert_num_queries
):
    everything = Branch.objects.all()
    for outlet in (org.a, org.a2):
        OutletDay.objects.create(branch=outlet, date=dt.date(2026, 10, 5), kind="open")
    # Outlets, their chosen dates, checklists, excuses, the daily templates' parts of the day,
    # the calendar's overrides (then cached).
    cache.clear()
    with django_assert_num_queries(6):
        rows = missed_and_pending_checklists(
            branches_qs=everything,
            date_from=dt.date(2026, 9, 20),
            date_to=dt.date(2026, 11, 21),
            now=at(SATURDAY, 20),
        )
    saturdays = {row.business_date for row in rows if row.business_date.weekday() == 5}
    assert dt.date(2026, 11, 14) in saturdays
    assert {row.branch.code for row in rows if row.business_date == dt.date(2026, 10, 5)} == {
        "A",
        "A2",
    }


def test_a_missed_saturday_is_excused_at_a_weekend_outlet_and_refused_where_it_was_closed(
    org, mall, manager
):
    with pytest.raises(ValidationError) as refused, translation.override("zh-hans"):
        missed_checklist_excuse(branch=org.a, business_date=SATURDAY, reason="停电", by=manager)
    assert refused.value.message_dict["business_date"] == ["网点不营业的日子无需填写检查表。"]
    manager_b = type(manager).objects.create(username="mgr_s2", branch=org.s2)
    manager_b.groups.set(manager.groups.all())
    missed_checklist_excuse(branch=mall, business_date=SATURDAY, reason="停电", by=manager_b)
    assert MissedChecklistExcuse.objects.filter(branch=mall, business_date=SATURDAY).exists()
    assert missing(Branch.objects.filter(pk=mall.pk), SATURDAY) == set()


def test_head_office_opens_an_outlet_on_saturdays_and_on_a_holiday_in_the_branch_admin(
    org, hq, login
):
    holiday = dt.date(2026, 10, 5)
    response = login(hq).post(
        reverse("admin:branchservice_branch_change", args=[org.b.pk]),
        {
            "code": "B",
            "name": org.b.name,
            "level": Branch.Level.OUTLET,
            "parent": org.s2.pk,
            "opens_on_weekends": WeekendOpening.SATURDAY,
            "is_active": "on",
            "special_days-TOTAL_FORMS": "1",
            "special_days-INITIAL_FORMS": "0",
            "special_days-0-date": holiday.isoformat(),
            "special_days-0-kind": OutletDay.Kind.OPEN,
            "special_days-0-note": "国庆营业",
        },
    )
    assert response.status_code == 302, response.context["errors"]
    org.b.refresh_from_db()
    assert is_opening_day(org.b, SATURDAY)
    assert is_opening_day(org.b, holiday)
    # A sub-branch has no opening days to edit, nor weekends of its own.
    sub_branch = reverse("admin:branchservice_branch_change", args=[org.s2.pk])
    assert "special_days-TOTAL_FORMS" not in login(hq).get(sub_branch).content.decode()
    refused = login(hq).post(
        sub_branch,
        {
            "code": "S2",
            "name": org.s2.name,
            "level": Branch.Level.SUB_BRANCH,
            "parent": org.t1.pk,
            "opens_on_weekends": WeekendOpening.SATURDAY,
            "is_active": "on",
        },
    )
    assert refused.status_code == 200
    assert "只有营业网点可以设置周末营业。" in refused.content.decode()


def test_a_branch_manager_adds_opening_dates_for_their_own_outlets_only(org, manager, login):
    client = login(manager)
    add = reverse("admin:branchservice_outletday_add")
    choices = client.get(add).context["adminform"].form.fields["branch"].queryset
    assert {b.code for b in choices} == {"A", "A2"}
    day = dt.date(2026, 10, 5)
    refused = client.post(add, {"branch": org.b.pk, "date": day, "kind": "open"})
    assert refused.status_code == 200
    assert not OutletDay.objects.exists()
    assert client.post(add, {"branch": org.a.pk, "date": day, "kind": "open"}).status_code == 302
    assert is_opening_day(org.a, day)
    theirs = OutletDay.objects.create(branch=org.b, date=day, kind="open")
    listed = client.get(reverse("admin:branchservice_outletday_changelist"))
    assert [d.branch.code for d in listed.context["cl"].result_list] == ["A"]
    other = client.get(reverse("admin:branchservice_outletday_change", args=[theirs.pk]))
    assert other.status_code == 302  # the admin's "no such row" answer


@pytest.fixture
def lobby_b(org):
    return UserFactory(username="lm_b", branch=org.b, roles=[Role.LOBBY_MANAGER], is_staff=False)


def test_a_weekend_outlet_is_reminded_on_saturday_and_the_reminder_goes_out_that_day(
    org, mall, lobby_user, lobby_b, settings, mailoutbox
):
    settings.NOTIFICATIONS_SCANNERS = ["standards.reminders"]
    moment = at(SATURDAY, 10)
    with time_machine.travel(moment, tick=False):
        reminders_scan()
        assert notifications_dispatch() == [lobby_b.pk]
        assert notifications_deliver(recipient_id=lobby_b.pk) == 1
    reminder = Notification.objects.get()  # none for outlet A, closed on Saturdays
    assert (reminder.recipient, reminder.sent_at) == (lobby_b, moment)
    assert [message.to for message in mailoutbox] == [[lobby_b.email]]


def test_other_reminders_still_wait_for_the_next_working_morning_on_a_saturday(
    org, lobby_b, settings
):
    settings.NOTIFICATIONS_SCANNERS = []
    moment = at(SATURDAY, 10)
    reminder = Reminder(target=org.b, kind="checklist", stage="overdue", recipient_ids=[lobby_b.pk])
    notifications_create(reminders=[reminder], now=moment)
    assert Notification.objects.get().scheduled_for == at(dt.date(2026, 11, 23), 8.5)
    with time_machine.travel(moment, tick=False):
        assert notifications_dispatch() == []
        assert notifications_deliver(recipient_id=lobby_b.pk) == 0


def test_the_monthly_summary_counts_a_weekend_outlets_saturdays_as_required_and_done(
    org, mall, small_template
):
    from reporting.selectors import STATISTIC_BY_KEY, branch_summary

    lobby = UserFactory(branch=mall, roles=[Role.LOBBY_MANAGER], is_staff=False)
    checklist = checklist_start(
        branch=mall, template=small_template, business_date=SATURDAY, by=lobby
    )
    checklist_submit(checklist=checklist, answers=all_pass(checklist), by=lobby, revision=1)
    with time_machine.travel(at(dt.date(2026, 11, 23), 9), tick=False):
        rows = {
            row.branch.code: row
            for row in branch_summary(scope=org.hq, period=dt.date(2026, 11, 1))
        }

    def counts(code):
        keys = ("checklists_required", "checklists_done", "checklists_missed")
        return [STATISTIC_BY_KEY[key].compute(rows[code].parts) for key in keys]

    # 1–23 November 2026: 16 working days (today's due at 18:00, not missed yet); the mall
    # outlet also opens on three Saturdays, and filled one of them.
    assert counts("A") == [16, 0, 15]
    assert counts("B") == [19, 1, 17]
