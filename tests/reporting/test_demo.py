"""The demo's year (issue 18, "done when"): complaint data over the whole of last year coded on
A, B and C, and the reports the schedule would have built of it that the demo's logins look
for."""

import datetime as dt
import io
import zoneinfo

import time_machine
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from branchservice import demo as organisation
from branchservice.models import User
from branchservice.twofactor.policy import second_factor_required
from complaints import demo as complaints
from complaints.models import Complaint
from reporting import demo
from reporting.models import JobStatus, ReportFile
from reporting.periods import Period, PeriodKind
from tests.exports.helpers import open_workbook, sheet_rows
from tests.factories import pass_second_factor

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


def _centre(client, username):
    """What `username`'s report centre lists as ready to download: (scope code, kind, period),
    or None when the page has no summaries for them."""
    user = User.objects.get(username=username)
    client.force_login(user)
    if second_factor_required(user):
        pass_second_factor(client, user)
    response = client.get(reverse("reporting:centre"))
    assert response.status_code == 200
    if not response.context["perms"]["reporting"]["view_reportfile"]:
        return None
    return {
        (f.scope.code, f.kind, f.report_period)
        for f in response.context["summaries"]
        if f.status == JobStatus.READY
    }


def test_the_demo_has_last_year_coded_and_the_reports_each_login_looks_for(db, client):
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

        # Each login that may read summaries finds, in its report centre, its own branch's
        # (head office: the whole bank's) of the last month, quarter, half-year and year.
        quarter = Period.containing(PeriodKind.QUARTER, today).previous()
        latest = [
            Period.containing(PeriodKind.MONTH, today).previous(),
            quarter,
            Period(PeriodKind.HALF_YEAR, last_year.start.replace(month=7)),
            last_year,
        ]
        centres = {
            code: _centre(client, username)
            for username, code in [
                ("hq_service", "HQ"),
                ("tier1_manager", "BJ"),
                ("branch_manager", "BJ01"),
                ("auditor", "BJ01"),
            ]
        }
        for code, listed in centres.items():
            for period in latest:
                assert (code, ReportFile.Kind.SUMMARY, period) in listed, (code, period)

        # Head office finds every finished quarter side by side, none before the data began.
        quarters = []
        while quarter.start >= last_year.start:
            quarters.append(quarter)
            quarter = quarter.previous()
        assert len(quarters) == 5  # the four of last year and the one that just ended
        for period in quarters:
            assert ("HQ", ReportFile.Kind.SUMMARY, period) in centres["HQ"], period
        assert not ReportFile.objects.filter(period__lt=last_year.start).exists()

        # The regulatory workbooks of the year and of the quarter that just ended, for the bank
        # and for the tier-1 branch (it reports to the regulator's provincial office).
        for code in ("HQ", "BJ"):
            for period in (last_year, quarters[0]):
                assert (code, ReportFile.Kind.REGULATORY, period) in centres[code], (code, period)
        # The year's disclosure counts the year's complaints.
        annual = _head_office(ReportFile.Kind.REGULATORY, last_year)
        with annual.file.open("rb") as f, translation.override(annual.language):
            disclosure = sheet_rows(open_workbook(f.read())[gettext("Disclosure")])
            total = gettext("Total complaints")
        assert [total, year_rows.count()] in [row[:2] for row in disclosure]

        # An outlet's complaint manager opens the centre for exports only: no outlet's reports
        # are built. Neither are those of the branches no login works at (beat's daily run
        # adds their latest): each summary costs the seed a second or more.
        assert _centre(client, "complaint_manager") is None
        built = set(ReportFile.objects.values_list("scope__code", flat=True))
        assert built == {"HQ", "BJ", "BJ01"}

        # A second run builds nothing again.
        files = ReportFile.objects.count()
        demo.seed(io.StringIO())
        assert ReportFile.objects.count() == files
