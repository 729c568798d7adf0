"""The demo's year (issue 18, "done when"): complaint data over the whole of last year coded on
A, B and C, and the reports the schedule would have built of it."""

import datetime as dt
import io
import zoneinfo

import time_machine
from django.utils import timezone, translation
from django.utils.translation import gettext

from branchservice import demo as organisation
from complaints import demo as complaints
from complaints.models import Complaint
from reporting import demo
from reporting.models import JobStatus, ReportFile
from reporting.periods import Period, PeriodKind
from tests.exports.helpers import open_workbook, sheet_rows

# Just after midnight in Beijing on the first day of a quarter (when the CI runs): the quarter
# before ended a few minutes ago, and the last year is a whole one.
MOMENT = dt.datetime(2026, 4, 1, 0, 10, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


def _seed():
    out = io.StringIO()
    organisation.seed(out)
    complaints.seed(out)
    demo.seed(out)


def _head_office(kind, period):
    return ReportFile.objects.get(
        kind=kind, scope__code="HQ", period=period.start, period_kind=period.kind
    )


def test_the_demo_has_last_year_coded_and_its_summaries_and_regulatory_workbooks(db):
    with time_machine.travel(MOMENT):
        _seed()
        today = timezone.localdate()
        last_year = Period(PeriodKind.YEAR, today.replace(year=today.year - 1, month=1, day=1))
        counted = Complaint.objects.counted().filter(kind=Complaint.Kind.COMPLAINT)
        year_rows = counted.filter(
            received_at__gte=last_year.start_at, received_at__lt=last_year.end_at
        )
        # Every month of last year has complaints, each coded on the three dimensions.
        months = {timezone.localdate(r).month for (r,) in year_rows.values_list("received_at")}
        assert months == set(range(1, 13))
        assert not year_rows.filter(business_channel=None).exists()
        assert not year_rows.filter(category=None).exists()
        assert not year_rows.filter(reason=None).exists()

        # The summaries of every finished quarter, the last half-year and the year.
        quarter = Period.containing(PeriodKind.QUARTER, today).previous()
        quarters = []
        while quarter.start >= last_year.start:
            quarters.append(quarter)
            quarter = quarter.previous()
        assert len(quarters) == 5  # the four of last year and the one that just ended
        half = Period(PeriodKind.HALF_YEAR, last_year.start.replace(month=7))
        for period in [*quarters, half, last_year]:
            assert _head_office(ReportFile.Kind.SUMMARY, period).status == JobStatus.READY, period
        assert not ReportFile.objects.filter(
            kind=ReportFile.Kind.SUMMARY, period__lt=last_year.start
        ).exists()

        # The regulatory workbooks of the year and of the quarter that just ended; the year's
        # disclosure counts the year's complaints.
        _head_office(ReportFile.Kind.REGULATORY, quarters[0])
        annual = _head_office(ReportFile.Kind.REGULATORY, last_year)
        assert annual.status == JobStatus.READY
        with annual.file.open("rb") as f, translation.override(annual.language):
            disclosure = sheet_rows(open_workbook(f.read())[gettext("Disclosure")])
            total = gettext("Total complaints")
        assert [total, year_rows.count()] in [row[:2] for row in disclosure]

        # A second run builds nothing again.
        files = ReportFile.objects.count()
        demo.seed(io.StringIO())
        assert ReportFile.objects.count() == files
