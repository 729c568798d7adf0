"""The audit trail: file downloads recorded and readable by head office and auditors in
scope; role changes and calendar overrides in history."""

import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from branchservice.audit import record_download
from branchservice.models import CalendarOverride
from branchservice.roles import Role


def download(user, branch, filename="月报.xlsx"):
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    request.user = user
    return record_download(request=request, filename=filename, branch=branch, subject="月度报表")


def test_a_download_records_who_what_where_and_from_which_address(org, auditor):
    record = download(auditor, org.a)
    assert (record.user, record.username, record.branch) == (auditor, "audit_s1", org.a)
    assert (record.filename, record.subject, record.ip_address) == (
        "月报.xlsx",
        "月度报表",
        "10.1.2.3",
    )


@pytest.fixture
def downloads(org, hq, auditor, outsider):
    return {
        "a": download(auditor, org.a),
        "b": download(outsider, org.b),
        "bank": download(hq, None, "全行汇总.xlsx"),
    }


def test_auditors_see_downloads_of_their_branches_only(downloads, auditor, hq, login):
    url = reverse("admin:branchservice_filedownload_changelist")
    listed = set(login(auditor).get(url).context["cl"].result_list)
    assert listed == {downloads["a"]}
    assert set(login(hq).get(url).context["cl"].result_list) == set(downloads.values())


def test_an_auditor_cannot_open_a_download_of_another_branch(downloads, auditor, login):
    url = reverse("admin:branchservice_filedownload_change", args=[downloads["b"].pk])
    response = login(auditor).get(url)
    assert response.status_code == 302  # the admin's "no such record" answer
    assert response["Location"] == reverse("admin:index")


def test_floor_staff_cannot_read_the_download_log(downloads, outlet_user, manager, login):
    url = reverse("admin:branchservice_filedownload_changelist")
    assert login(outlet_user).get(url).status_code == 403
    assert login(manager).get(url).status_code == 403


def test_nobody_edits_or_deletes_a_download_record(downloads, hq, login):
    client = login(hq)
    record = downloads["a"]
    change = reverse("admin:branchservice_filedownload_change", args=[record.pk])
    assert 'name="_save"' not in client.get(change).content.decode()
    client.post(change, {"filename": "tampered.xlsx"})
    delete = reverse("admin:branchservice_filedownload_delete", args=[record.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    record.refresh_from_db()
    assert record.filename == "月报.xlsx"
    assert client.get(reverse("admin:branchservice_filedownload_add")).status_code == 403


def test_giving_a_role_is_in_the_users_history(org, hq, outlet_user, login):
    lobby = Group.objects.get(name=Role.LOBBY_MANAGER)
    cm = Group.objects.get(name=Role.COMPLAINT_MANAGER)
    response = login(hq).post(
        reverse("admin:branchservice_user_change", args=[outlet_user.pk]),
        {
            "username": outlet_user.username,
            "last_name": outlet_user.last_name,
            "first_name": outlet_user.first_name,
            "email": outlet_user.email,
            "branch": org.a.pk,
            "groups": [cm.pk, lobby.pk],
            "is_staff": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    latest = outlet_user.history.latest()
    assert latest.history_user == hq
    assert {g.group_id for g in latest.groups.all()} == {cm.pk, lobby.pk}
    delta = latest.diff_against(latest.prev_record)
    assert "groups" in delta.changed_fields


def test_calendar_override_changes_are_in_history_with_their_author(org, hq, login):
    login(hq).post(
        reverse("admin:branchservice_calendaroverride_add"),
        {"date": "2027-01-01", "kind": "holiday", "note": "元旦"},
    )
    override = CalendarOverride.objects.get(date="2027-01-01")
    record = override.history.get()
    assert (record.history_type, record.history_user, record.note) == ("+", hq, "元旦")


def test_auditors_read_the_history_of_staff_in_their_scope(org, auditor, outlet_user, login):
    url = reverse("admin:branchservice_user_history", args=[outlet_user.pk])
    assert login(auditor).get(url).status_code == 200
