import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from branchservice.exports.models import ExportJob, JobStatus
from tests.exports.helpers import open_workbook, response_bytes, sheet_rows
from tests.factories import UserFactory


def export_url(kind="test-staff", **params):
    from urllib.parse import urlencode

    return reverse("exports:export", args=[kind]) + ("?" + urlencode(params) if params else "")


def exported(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith("attachment")
    return sheet_rows(open_workbook(response_bytes(response)).active)


@pytest.fixture
def staff(org):
    UserFactory(username="s_a_1", branch=org.a, last_name="张", first_name="伟")
    UserFactory(username="s_a2_1", branch=org.a2, last_name="李", first_name="=1+1")
    UserFactory(username="s_b_1", branch=org.b, last_name="王", first_name="芳")


def test_it_exports_only_rows_in_the_users_scope(staff_export, staff, auditor, login):
    rows = exported(login(auditor).post(export_url()))
    usernames = [row[0] for row in rows[1:]]
    assert "s_a_1" in usernames and "s_a2_1" in usernames
    assert "s_b_1" not in usernames  # outlet B is outside sub-branch S1


def test_it_exports_exactly_the_rows_the_filters_select(staff_export, staff, auditor, login):
    rows = exported(login(auditor).post(export_url(branch="A2")))
    assert [row[0] for row in rows[1:]] == ["s_a2_1"]


def test_a_filter_outside_the_scope_selects_nothing(staff_export, staff, auditor, login):
    rows = exported(login(auditor).post(export_url(branch="B")))
    assert rows[1:] == []


def test_it_masks_personal_data_for_auditors(staff_export, staff, auditor, login):
    rows = exported(login(auditor).post(export_url(branch="A")))
    assert rows[1][1] == "张*"


def test_it_shows_personal_data_to_holders_of_the_unmasked_permission(
    staff_export, staff, auditor, login
):
    auditor.user_permissions.add(Permission.objects.get(codename="export_unmasked_personal_data"))
    rows = exported(login(auditor).post(export_url(branch="A")))
    assert rows[1][1] == "张伟"


def test_typed_formulas_arrive_as_text(staff_export, staff, auditor, login):
    response = login(auditor).post(export_url(branch="A2"))
    sheet = open_workbook(response_bytes(response)).active
    assert sheet["C2"].value == "=1+1" and sheet["C2"].data_type == "s"


def test_headers_follow_the_users_language(staff_export, staff, auditor, login):
    client = login(auditor)
    client.cookies["django_language"] = "en"
    assert exported(client.post(export_url()))[0][0] == "username"


def test_it_refuses_users_without_the_export_permission(staff_export, lobby_user, login):
    assert login(lobby_user).post(export_url()).status_code == 403


def test_an_unknown_export_is_not_found(auditor, login):
    assert login(auditor).post(export_url(kind="nothing")).status_code == 404


def test_invalid_filters_give_a_message_not_a_file(staff_export, auditor, login):
    response = login(auditor).post(export_url(joined_after="yesterday"), follow=True)
    assert "attachment" not in response.get("Content-Disposition", "")
    assert [str(m) for m in response.context["messages"]]


@pytest.fixture
def small_limit(settings):
    settings.REPORTING_EXPORT_SYNC_LIMIT = 1


def test_a_large_export_runs_in_the_background_and_reaches_100_percent(
    staff_export, staff, auditor, login, small_limit, django_capture_on_commit_callbacks, mailoutbox
):
    client = login(auditor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(export_url())
    assert response.status_code == 302
    job = ExportJob.objects.get(user=auditor)
    assert job.status == JobStatus.READY
    assert (job.progress, job.row_count, job.percent) == (3, 3, 100)  # auditor + 2 staff
    assert job.expires_at is not None
    status = client.get(reverse("exports:export_status", args=[job.pk])).json()
    assert status["percent"] == 100
    rows = exported(client.get(reverse("exports:download_export", args=[job.pk])))
    assert len(rows) == 4
    assert rows[1:] and all(row[1] != "张伟" for row in rows[1:])
    assert mailoutbox and mailoutbox[0].to == [auditor.email]


def test_nobody_else_can_see_or_download_someone_elses_export(
    staff_export, staff, auditor, manager, login, small_limit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        login(auditor).post(export_url())
    job = ExportJob.objects.get(user=auditor)
    client = login(manager)
    assert client.get(reverse("exports:download_export", args=[job.pk])).status_code == 404
    assert client.get(reverse("exports:export_status", args=[job.pk])).status_code == 404


def test_an_expired_export_cannot_be_downloaded_and_its_file_is_purged(
    staff_export, staff, auditor, login, small_limit, django_capture_on_commit_callbacks,
    time_machine,
):  # fmt: skip
    from branchservice.exports.services import exports_purge_expired

    with django_capture_on_commit_callbacks(execute=True):
        login(auditor).post(export_url())
    job = ExportJob.objects.get(user=auditor)
    time_machine.move_to(job.expires_at)
    url = reverse("exports:download_export", args=[job.pk])
    assert login(auditor).get(url).status_code == 404
    assert exports_purge_expired() == 1
    job.refresh_from_db()
    assert not job.file


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_fails_the_export_with_a_clear_message(
    staff_export, staff, auditor, login, small_limit, broker_down
):
    response = login(auditor).post(export_url(), follow=True)
    job = ExportJob.objects.get(user=auditor)
    assert job.status == JobStatus.FAILED
    messages = [str(m) for m in response.context["messages"]]
    assert any("not reachable" in m or "无法连接" in m for m in messages)
