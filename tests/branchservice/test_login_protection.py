"""Login protection: lockout after repeated failures, idle sessions ending, strong passwords,
and the login audit (axes' records) readable by head office and auditors only."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branchservice.models import User
from tests.factories import PASSWORD

LOGIN = reverse("admin:login")


@pytest.fixture
def axes_enabled(settings):
    """Axes is off for the rest of the suite (see settings/test.py); on for these tests."""
    settings.AXES_ENABLED = True


def sign_in(client, username, password, ip="10.0.0.1", url=LOGIN):
    return client.post(
        url,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


def test_five_failures_lock_the_user_out_with_a_clear_message(axes_enabled, outlet_user):
    client = Client()
    for _attempt in range(4):
        assert sign_in(client, "cm_a", "wrong-password").status_code == 200
    locked = sign_in(client, "cm_a", "wrong-password")
    assert locked.status_code == 429
    # Even the right password is refused while locked, with the reason and the wait.
    response = sign_in(client, "cm_a", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "5 次" in page and "30 分钟" in page
    assert "_auth_user_id" not in client.session


def test_the_checklist_pages_login_is_protected_too(axes_enabled, lobby_user):
    url = reverse("standards:login")
    client = Client()
    for _attempt in range(5):
        response = sign_in(client, "lm_a", "wrong-password", url=url)
    assert response.status_code == 429
    assert sign_in(client, "lm_a", PASSWORD, url=url).status_code == 429
    assert f'href="{url}"' in response.content.decode()


def test_the_lockout_is_per_user_and_address(axes_enabled, outlet_user, manager):
    client = Client()
    for _attempt in range(5):
        sign_in(client, "cm_a", "wrong-password")
    # Another colleague at the same counter, and the same user from another computer, go on.
    assert sign_in(Client(), "mgr_s1", PASSWORD).status_code == 302
    assert sign_in(Client(), "cm_a", PASSWORD, ip="10.0.0.2").status_code == 302


def test_the_lockout_ends_after_thirty_minutes(axes_enabled, outlet_user):
    for _attempt in range(5):
        sign_in(Client(), "cm_a", "wrong-password")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=29)):
        assert sign_in(Client(), "cm_a", PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        assert sign_in(Client(), "cm_a", PASSWORD).status_code == 302


def test_the_lockout_page_speaks_english_on_request(axes_enabled, outlet_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    for _attempt in range(5):
        response = sign_in(client, "cm_a", "wrong-password")
    assert "Sign-in is locked after 5 failed attempts" in response.content.decode()


def test_logins_failures_and_logouts_are_logged(axes_enabled, outlet_user):
    client = Client()
    sign_in(client, "cm_a", "wrong-password", ip="10.0.0.9")
    assert sign_in(client, "cm_a", PASSWORD, ip="10.0.0.9").status_code == 302
    client.post(reverse("admin:logout"), REMOTE_ADDR="10.0.0.9")

    failure = AccessFailureLog.objects.get()
    assert (failure.username, failure.ip_address) == ("cm_a", "10.0.0.9")
    login = AccessLog.objects.get()
    assert login.username == "cm_a"
    assert login.logout_time is not None
    # A success clears the failure counter, so earlier typos never add up to a lockout.
    assert not AccessAttempt.objects.exists()


@pytest.fixture
def login_records(org, outlet_user, outsider):
    for username in ["cm_a", "cm_b", "nobody"]:
        AccessLog.objects.create(username=username, ip_address="10.0.0.1", user_agent="t")
        AccessFailureLog.objects.create(username=username, ip_address="10.0.0.1", user_agent="t")


@pytest.mark.parametrize("model", ["accesslog", "accessfailurelog"])
def test_auditors_see_the_login_log_of_their_branches_only(
    login_records, auditor, hq, login, model
):
    url = reverse(f"admin:axes_{model}_changelist")
    listed = {r.username for r in login(auditor).get(url).context["cl"].result_list}
    assert listed == {"cm_a"}
    listed = {r.username for r in login(hq).get(url).context["cl"].result_list}
    assert listed == {"cm_a", "cm_b", "nobody"}


@pytest.mark.parametrize("model", ["accesslog", "accessfailurelog", "accessattempt"])
def test_the_login_log_is_closed_to_floor_staff(login_records, outlet_user, login, model):
    assert login(outlet_user).get(reverse(f"admin:axes_{model}_changelist")).status_code == 403


def test_the_login_log_cannot_be_changed_or_deleted_even_by_head_office(login_records, hq, login):
    client = login(hq)
    record = AccessLog.objects.get(username="cm_a")
    page = client.get(reverse("admin:axes_accesslog_change", args=[record.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(reverse("admin:axes_accesslog_change", args=[record.pk]), {}).status_code
    assert client.get(reverse("admin:axes_accesslog_delete", args=[record.pk])).status_code == 403
    changelist = client.get(reverse("admin:axes_accesslog_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    assert AccessLog.objects.filter(pk=record.pk, username="cm_a").exists()


def test_an_idle_session_ends_after_thirty_minutes_but_activity_keeps_it(org, hq, login):
    client = login(hq)
    start = timezone.now()
    # Working every 20 minutes keeps the session alive past the idle limit.
    for minutes in (20, 40, 60):
        with time_machine.travel(start + dt.timedelta(minutes=minutes)):
            assert client.get(reverse("admin:index")).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=60 + 31)):
        response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_the_session_cookie_ends_with_the_browser(org, hq, client):
    response = sign_in(client, "hq_service", PASSWORD)
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert not cookie["expires"] and not cookie["max-age"]
    assert cookie["httponly"]


@pytest.mark.parametrize(
    ("password", "complaint"),
    [
        ("Abc12345", "密码太短"),
        ("1234567890123", "全都是数字"),
        ("password1234", "太常见"),
        ("new_colleague1", "相似"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(org, hq, login, password, complaint):
    response = login(hq).post(
        reverse("admin:branchservice_user_add"),
        {
            "username": "new_colleague",
            "password1": password,
            "password2": password,
            "branch": org.a.pk,
        },
    )
    assert response.status_code == 200
    assert complaint in response.content.decode()
    assert not User.objects.filter(username="new_colleague").exists()


def session_writes_during_a_request(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q for q in queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]]


def test_a_busy_user_costs_one_session_write_a_minute(org, hq, login):
    start = timezone.now()
    url = reverse("admin:branchservice_calendaroverride_changelist")
    with time_machine.travel(start):
        client = login(hq)
    with time_machine.travel(start + dt.timedelta(seconds=30)):
        assert session_writes_during_a_request(client, url) == []
    with time_machine.travel(start + dt.timedelta(seconds=90)):
        assert len(session_writes_during_a_request(client, url)) == 1
