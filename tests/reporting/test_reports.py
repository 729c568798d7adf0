import datetime as dt
import hashlib
import zipfile

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from branchservice.models import FileDownload
from reporting import services
from reporting.models import JobStatus, ReportDownload, ReportFile
from tests.exports.helpers import open_workbook, response_bytes, sheet_rows
from tests.reporting.factories import at, complaint, october

OCTOBER = dt.date(2026, 10, 1)


@pytest.fixture(autouse=True)
def november():
    # The clock keeps ticking: the Redis client's connect timeout is measured with it.
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 5, 9))):
        yield


@pytest.fixture
def build(login, django_capture_on_commit_callbacks):
    def _build(user, scope, period="2026-10", **extra):
        client = login(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("reporting:build"),
                {"period": period, "scope": scope.pk},
                follow=True,
                **extra,
            )
        return response

    return _build


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def download(client, report_file):
    return client.get(reverse("reporting:download_report", args=[report_file.pk]))


def test_build_now_stores_a_frozen_file_with_its_checksum(auditor, org, build):
    october(org)
    build(auditor, org.s1)
    report_file = ReportFile.objects.get()
    assert report_file.status == JobStatus.READY
    assert (report_file.scope, report_file.period, report_file.version) == (org.s1, OCTOBER, 1)
    assert report_file.built_by == auditor and not report_file.by_schedule
    content = report_file.file.read()
    assert hashlib.sha256(content).hexdigest() == report_file.sha256
    assert len(content) == report_file.size


def test_a_rebuild_is_a_new_version_and_the_old_one_stays_downloadable(auditor, org, build, login):
    build(auditor, org.s1)
    complaint(org.a, at(10, 20))  # registered late, after the first build
    build(auditor, org.s1)
    first, second = ReportFile.objects.order_by("version")
    assert (first.version, second.version) == (1, 2)
    client = login(auditor)
    old = open_workbook(response_bytes(download(client, first)))
    new = open_workbook(response_bytes(download(client, second)))
    assert old.worksheets[1]["C2"].value == 0
    assert new.worksheets[1]["C2"].value == 1
    assert ReportDownload.objects.filter(user=auditor).count() == 2


def test_downloads_are_recorded(auditor, org, build, login):
    build(auditor, org.s1)
    report_file = ReportFile.objects.get()
    assert download(login(auditor), report_file).status_code == 200
    record = ReportDownload.objects.get()
    assert (record.user, record.report_file) == (auditor, report_file)
    # ... and in the portal's audit trail of files that left it.
    audit = FileDownload.objects.get()
    assert (audit.user, audit.branch, audit.filename) == (
        auditor,
        org.s1,
        report_file.download_name(),
    )


def test_nobody_downloads_a_file_outside_their_scope_by_guessing_its_url(
    auditor, hq, org, build, login
):
    from branchservice.roles import Role
    from tests.factories import UserFactory

    build(hq, org.t1)  # the tier-1 branch: more than the S1 auditor may see
    report_file = ReportFile.objects.get()
    assert download(login(auditor), report_file).status_code == 404
    other_auditor = UserFactory(username="audit_s2", branch=org.s2, roles=[Role.AUDITOR])
    assert download(login(other_auditor), report_file).status_code == 404
    assert download(login(hq), report_file).status_code == 200
    assert not ReportDownload.objects.exclude(user=hq).exists()


def test_people_without_report_permissions_are_refused(outsider, lobby_user, org, build, login):
    build_response = build(outsider, org.b)
    assert build_response.status_code == 403
    assert login(lobby_user).get(reverse("reporting:centre")).status_code == 403
    assert not ReportFile.objects.exists()


def test_a_scope_outside_the_users_is_refused_and_nothing_is_built(auditor, org, build):
    response = build(auditor, org.b)
    assert messages_of(response)
    assert not ReportFile.objects.exists()


def test_a_future_month_is_refused_with_a_message(auditor, org, build):
    response = build(auditor, org.s1, period="2026-12")
    assert any("not started" in m or "尚未开始" in m for m in messages_of(response))
    assert not ReportFile.objects.exists()


def test_an_empty_month_builds_a_valid_workbook_of_zeros(auditor, org, build, login):
    build(auditor, org.s1, period="2026-06")
    report_file = ReportFile.objects.get()
    workbook = open_workbook(response_bytes(download(login(auditor), report_file)))
    summary = sheet_rows(workbook.worksheets[1])
    assert [row[0] for row in summary[1:]] == ["S1", "A", "A2"]
    assert summary[1][2] == 0  # entries


def test_a_build_requested_twice_at_once_builds_once(auditor, org):
    first, created = services.report_build_request(scope=org.s1, period=OCTOBER, user=auditor)
    second, created_again = services.report_build_request(
        scope=org.s1, period=OCTOBER, user=auditor
    )
    assert created and not created_again
    assert first.pk == second.pk
    # The database itself refuses a second pending build, whatever the code path.
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportFile.objects.create(
            scope=org.s1, period=OCTOBER, kind=first.kind, version=9, built_by=auditor
        )


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_gives_a_clear_message_and_nothing_stays_queued(
    auditor, org, login, broker_down
):
    response = login(auditor).post(
        reverse("reporting:build"), {"period": "2026-10", "scope": org.s1.pk}, follow=True
    )
    report_file = ReportFile.objects.get()
    assert report_file.status == JobStatus.FAILED
    assert any("not reachable" in m or "无法连接" in m for m in messages_of(response))
    # The next try is not blocked by the failed one.
    assert not ReportFile.objects.pending().exists()


def test_a_build_whose_worker_died_is_failed_after_the_time_limit(auditor, org, time_machine):
    report_file, _created = services.report_build_request(
        scope=org.s1, period=OCTOBER, user=auditor
    )
    time_machine.move_to(timezone.now() + dt.timedelta(hours=1))
    assert services.reports_fail_stale() == 1
    report_file.refresh_from_db()
    assert report_file.status == JobStatus.FAILED


def test_the_schedule_builds_last_months_summaries_from_the_first_working_day(
    org, django_capture_on_commit_callbacks
):
    def months(built):
        return [f for f in built if f.period_kind == "month"]

    # 1 Nov 2026 is a Sunday: the first working day is Monday 2 November.
    assert months(services.summaries_schedule(today=dt.date(2026, 11, 1))) == []
    with django_capture_on_commit_callbacks(execute=True):
        built = months(services.summaries_schedule(today=dt.date(2026, 11, 2)))
    assert {f.scope.code for f in built} == {"HQ", "T1", "S1", "S2"}
    assert all(f.by_schedule and f.period == OCTOBER for f in months(ReportFile.objects.all()))
    assert ReportFile.objects.ready().filter(period_kind="month").count() == 4
    # Run again (beat restarted, or the next day): nothing is built twice.
    assert services.summaries_schedule(today=dt.date(2026, 11, 3)) == []


def test_the_workbook_has_charts_masked_personal_data_and_safe_text(auditor, org, build):
    data = october(org)
    data["c1"].description = '=HYPERLINK("http://evil.invalid","点此") 客户电话13812345678'
    data["c1"].save()
    build(auditor, org.s1)
    report_file = ReportFile.objects.get()
    with zipfile.ZipFile(report_file.file.path) as package:
        charts = [name for name in package.namelist() if name.startswith("xl/charts/chart")]
    assert len(charts) == 3
    workbook = open_workbook(report_file.file.read())
    detail = workbook["投诉明细"]
    assert detail.freeze_panes == "A2" and detail.auto_filter.ref
    headers = [cell.value for cell in detail[1]]
    row = {h: cell for h, cell in zip(headers, detail[2], strict=True)}
    assert row["客户电话"].value == "138****5678"
    description = row["客户反映情况"]
    assert description.data_type == "s" and description.value.startswith("=HYPERLINK")
    assert "13812345678" not in description.value
    assert row["受理时间"].is_date


def test_names_typed_by_head_office_are_text_in_the_headers_too(auditor, org, build):
    """Categories and reasons become column headings of the breakdown sheets: a name that
    starts with a formula character gets the quote prefix there as in any other cell."""
    from complaints.models import BusinessCategory, ComplaintReason

    october(org)
    BusinessCategory.objects.create(code="98", name='=HYPERLINK("http://evil.invalid")')
    ComplaintReason.objects.create(code="98", name="-2+3")
    ComplaintReason.objects.create(code="97", name="@SUM(A1)")
    build(auditor, org.s1)
    workbook = open_workbook(ReportFile.objects.get().file.read())
    typed = {'=HYPERLINK("http://evil.invalid")', "-2+3", "@SUM(A1)"}
    headers = [
        cell
        for sheet in workbook.worksheets
        for cell in next(sheet.iter_rows(max_row=1), ())
        if isinstance(cell.value, str) and cell.value.split(" / ")[-1] in typed
    ]
    assert {cell.value.split(" / ")[-1] for cell in headers} == typed
    # Text in every heading; where the name starts the cell (not behind its code, "C 98 / -2+3")
    # it gets the quote prefix.
    assert all(cell.data_type == "s" for cell in headers)
    assert all(cell.quotePrefix for cell in headers if cell.value in typed)


def test_the_workbook_is_in_english_for_an_english_speaking_user(auditor, org, build):
    build(auditor, org.s1, HTTP_ACCEPT_LANGUAGE="en")
    workbook = open_workbook(ReportFile.objects.get().file.read())
    assert workbook.sheetnames[:2] == ["Cover", "Branch summary"]


def test_the_report_centre_lists_only_files_in_the_users_scope(auditor, hq, org, build, login):
    build(hq, org.t1)
    build(auditor, org.s1)
    page = login(auditor).get(reverse("reporting:centre"))
    assert page.status_code == 200
    listed = list(page.context["summaries"])
    assert [f.scope.code for f in listed] == ["S1"]


def test_the_dashboard_shows_the_users_scope_and_refuses_others(auditor, outsider, org, login):
    october(org)
    client = login(auditor)
    page = client.get(reverse("reporting:dashboard"), {"period": "2026-10"})
    assert page.status_code == 200
    assert page.context["scope"] == org.s1
    assert page.context["data"]["totals"]["entries"] == 6
    assert b"vendor/chartjs/chart.umd.min.js" in page.content
    # Another branch's scope in the query string is not accepted.
    page = client.get(reverse("reporting:dashboard"), {"period": "2026-10", "scope": org.b.pk})
    assert page.context["scope"] == org.s1
    assert login(outsider).get(reverse("reporting:dashboard")).status_code == 403


def test_a_month_before_the_first_data_is_refused_with_a_message(auditor, org, build):
    october(org)  # the earliest entry is from September 2026
    response = build(auditor, org.s1, period="2026-08")
    assert any("2026-09" in m for m in messages_of(response))
    assert not ReportFile.objects.exists()
    build(auditor, org.s1, period="2026-09")
    assert ReportFile.objects.count() == 1


def test_the_workbook_has_the_teller_time_limits_of_the_scopes_outlets(auditor, org, build):
    """One row per outlet with queue tickets in the month, the worst share within the
    standard first; outlets outside the scope are not in it."""
    from servicetimes.models import TimeStandard
    from tests.servicetimes.factories import ticket

    standard = TimeStandard.objects.get(transaction_type__code="deposit").handling_seconds
    day = dt.date(2026, 10, 12)
    for n in range(4):
        ticket(org.a, day=day, number=f"A{n}", handling=standard + (60 if n else -60), wait=420)
        ticket(org.a2, day=day, number=f"A2{n}", handling=standard - 60, wait=120)
        ticket(org.b, day=day, number=f"B{n}", handling=standard - 60, wait=120)
    ticket(org.a, day=dt.date(2026, 11, 2), number="NOV", handling=standard - 60)
    build(auditor, org.s1)
    workbook = open_workbook(ReportFile.objects.get().file.read())
    sheet = workbook["限时服务与等候"]
    rows = sheet_rows(sheet)
    assert rows[0][:3] == ["网点代码", "营业网点", "笔数"]
    assert [row[0] for row in rows[1:]] == ["A", "A2"]
    # tickets, median wait and handling in whole minutes, waits within the target (15 min),
    # share within the standard, the large-gap flag
    assert rows[1][2:] == [4, 7, 1, (standard + 60) // 60, 0.25, "是"]
    assert rows[2][2:] == [4, 2, 1, (standard - 60) // 60, 1, None]


def test_repeat_complaints_are_counted_by_outlet_and_reason(auditor, org, build):
    """One definition (selectors.repeats_q): complaints marked a repeat, merged ones among
    them; the summary's column and the by-reason sheet agree."""
    data = october(org)
    reason = data["c1"].reason
    complaint(org.a, at(10, 20), reason=reason, is_repeat=True)
    complaint(org.a, at(10, 21), reason=reason, is_repeat=True, status="merged")
    build(auditor, org.s1)
    workbook = open_workbook(ReportFile.objects.get().file.read())
    rows = sheet_rows(workbook["重复投诉（按投诉原因）"])
    header, by_code = rows[0], {row[0]: row for row in rows[1:]}
    column = header.index(reason.coded_label)
    assert by_code["A"][column] == 2 and by_code["A"][-1] == 2
    assert by_code["A2"][-1] == 0 and by_code["S1"][-1] == 2
