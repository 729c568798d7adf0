"""A time-limit finding's rectification is due by default ten working days from today, on the
outlet's calendar: its region's own holiday included."""

import datetime as dt

import time_machine
from django.utils import timezone

from branchservice.models import CalendarOverride
from servicetimes.forms import FindingForm


@time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 26, 10)), tick=False)
def test_the_default_due_date_counts_on_the_outlets_calendar(org):
    CalendarOverride.objects.create(
        date=dt.date(2026, 11, 27), kind="holiday", branch=org.s1, note="区域节日"
    )
    assert FindingForm(outlet=org.b).fields["due_date"].initial == dt.date(2026, 12, 10)
    assert FindingForm(outlet=org.a).fields["due_date"].initial == dt.date(2026, 12, 11)
