"""When reminders may go out: working hours on PRC working days (branchservice.calendar).

Anything due outside them is held until the next working morning, where the morning digest
collects it into one mail per person. A reminder about work done on days off too (a
weekend-open outlet's checklist: Reminder.on_days_off) goes out within the hours of any day.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from branchservice.calendar import is_working_day, next_working_day


def _clock(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def workday_start() -> dt.time:
    return _clock(settings.NOTIFICATIONS_WORKING_HOURS[0])


def workday_end() -> dt.time:
    return _clock(settings.NOTIFICATIONS_WORKING_HOURS[1])


def at(day: dt.date, clock: dt.time) -> dt.datetime:
    """`clock` on `day` in the portal's time zone, as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, clock))


def in_working_hours(moment: dt.datetime, *, on_days_off: bool = False) -> bool:
    """Whether `moment` is in working hours on a working day (on any day, `on_days_off`)."""
    if not settings.NOTIFICATIONS_HOLD_OUTSIDE_WORKING_HOURS:
        return True
    local = timezone.localtime(moment)
    in_hours = workday_start() <= local.time() < workday_end()
    return in_hours and (on_days_off or is_working_day(local.date()))


def next_send_time(moment: dt.datetime, *, on_days_off: bool = False) -> dt.datetime:
    """`moment` itself inside working hours (of any day, `on_days_off`), otherwise the start
    of the next working morning."""
    if in_working_hours(moment, on_days_off=on_days_off):
        return moment
    local = timezone.localtime(moment)
    day = local.date()
    if not (is_working_day(day) and local.time() < workday_start()):
        day = next_working_day(day + dt.timedelta(days=1))
    return at(day, workday_start())
