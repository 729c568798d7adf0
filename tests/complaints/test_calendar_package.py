"""A newer chinesecalendar installed with the code is a change of the calendar: the hourly
check notices the days it changed and the stored deadlines follow, as after a notice."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from branchservice import calendar, calendar_package
from branchservice.models import CalendarOverride, PackageCalendarYear
from branchservice.tasks import check_calendar_package
from complaints.models import Move

from .conftest import at, register

D = dt.date
NEW_YEAR = D(2027, 1, 1)


@pytest.fixture(autouse=True)
def _end_of_december():
    with time_machine.travel(at(2026, 12, 28, 10), tick=False):
        yield


@pytest.fixture
def newer_package(monkeypatch):
    """Installs a 'release' that knows 2027 (元旦 on Friday 1 January) when called."""

    def install():
        installed = calendar.package_working_day

        def knows_2027(day):
            if day.year == 2027:
                return day != NEW_YEAR and day.weekday() < 5
            return installed(day)

        for module in (calendar, calendar_package):
            monkeypatch.setattr(module, "package_working_day", knows_2027)
            monkeypatch.setattr(module, "has_official_calendar", lambda year: year <= 2027)

    return install


def day(moment):
    return timezone.localdate(moment)


def test_a_newer_package_moves_the_deadlines_its_days_change(
    org, outlet_user, newer_package, django_capture_on_commit_callbacks
):
    complaint = register(outlet_user, org.a, received_at=at(2026, 12, 28, 9), complexity="complex")
    assert day(complaint.reply_due_at) == D(2027, 1, 4)
    with django_capture_on_commit_callbacks(execute=True):
        assert check_calendar_package() == 0  # the first check notes what is installed
    assert PackageCalendarYear.objects.get(year=2027).exceptions == {}

    newer_package()
    with django_capture_on_commit_callbacks(execute=True):
        assert check_calendar_package() == 1

    complaint.refresh_from_db()
    assert day(complaint.reply_due_at) == D(2027, 1, 5)
    moved = complaint.events.filter(action=Move.DEADLINE_MOVED, note__startswith="答复：").get()
    assert moved.note == "答复：期限由 2027-01-04 改为 2027-01-05，因为 2027-01-01 改为节假日。"
    assert PackageCalendarYear.objects.get(year=2027).exceptions == {"2027-01-01": False}
    # The next hour: nothing new, nothing moves.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert check_calendar_package() == 0
    assert not callbacks


def test_a_day_a_nationwide_override_decides_is_not_changed_by_the_package(
    org, outlet_user, newer_package, django_capture_on_commit_callbacks
):
    CalendarOverride.objects.create(date=NEW_YEAR, kind="holiday", note="元旦")
    complaint = register(outlet_user, org.a, received_at=at(2026, 12, 28, 9), complexity="complex")
    check_calendar_package()
    newer_package()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert check_calendar_package() == 0
    assert not callbacks
    complaint.refresh_from_db()
    assert day(complaint.reply_due_at) == D(2027, 1, 5)
