import datetime as dt
from urllib.parse import urlencode

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from branchservice.exports.models import ExportJob, JobStatus
from tests.exports.helpers import open_workbook, response_bytes, sheet_rows
from tests.reporting.factories import october

CHANGELIST = "admin:complaints_complaint_changelist"
EXPORT = "admin:complaints_complaint_export"


@pytest.fixture(autouse=True)
def november():
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 5, 9))):
        yield


def references(response):
    assert response.status_code == 200, response.content[:300]
    rows = sheet_rows(open_workbook(response_bytes(response)).active)
    return sorted(row[0] for row in rows[1:])


def test_the_changelist_offers_an_export_of_its_current_filters(auditor, org, login):
    october(org)
    page = login(auditor).get(reverse(CHANGELIST), {"status__exact": "investigating"})
    assert page.status_code == 200
    assert page.context["export_url"] == reverse(EXPORT) + "?status__exact=investigating"
    assert reverse(EXPORT).encode() in page.content


def test_the_admin_export_holds_exactly_the_changelists_rows(auditor, org, login):
    data = october(org)
    client = login(auditor)
    assert references(client.post(reverse(EXPORT) + "?status__exact=investigating")) == [
        data["c3"].reference
    ]
    everything = references(client.post(reverse(EXPORT)))
    assert data["c5"].reference not in everything  # outlet B is outside the auditor's scope
    assert data["c1"].reference in everything


def test_a_large_admin_export_runs_as_a_job_with_the_same_filters(
    manager, org, login, settings, django_capture_on_commit_callbacks
):
    # The branch manager (S1, like the auditor) may search by customer name; the auditor's
    # search skips customer data (tests/security/test_unmasking.py).
    data = october(org)
    settings.REPORTING_EXPORT_SYNC_LIMIT = 0
    client = login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        query = urlencode({"kind__exact": "complaint", "q": "张伟"})
        response = client.post(f"{reverse(EXPORT)}?{query}")
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert (job.source, job.status) == ("admin", JobStatus.READY)
    download = client.get(reverse("exports:download_export", args=[job.pk]))
    expected = sorted(
        data[key].reference for key in ("c1", "c2", "c3", "c4", "void", "late_september")
    )
    assert references(download) == expected
    assert job.row_count == len(expected)


def test_people_without_the_export_permission_get_no_button_and_no_file(
    org, login, outsider, settings
):
    from django.contrib.auth.models import Group

    from branchservice.roles import Role

    october(org)
    group = Group.objects.get(name=Role.COMPLAINT_MANAGER)
    group.permissions.remove(*group.permissions.filter(codename="add_exportjob"))
    client = login(outsider)
    page = client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    assert reverse(EXPORT).encode() not in page.content
    assert client.post(reverse(EXPORT)).status_code == 403
