"""Attacks of the review that held, kept so that they keep holding.

Cross-branch ids on every URL, as every role: tests/test_access_matrix.py (every URL of the
portal against one policy table) and tests/test_no_leaks.py (lists, counts, exports,
dashboard, reminders); foreign ids in admin actions and forms: tests/complaints/
test_admin_scoping.py and tests/standards/test_admin.py; upload type spoofing: the
attachment and photo tests of complaints and standards. Here: redirects, CSRF, session
fixation and what a lockout tells an attacker.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

LOGIN = reverse("admin:login")


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "/\\evil.example"]
)
def test_login_never_redirects_off_site(outlet_user, client, next_url):
    response = client.post(
        f"{LOGIN}?next={next_url}", {"username": "cm_a", "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_a_failed_export_goes_back_only_to_this_site(outlet_user, login):
    response = login(outlet_user).post(
        reverse("exports:export", args=["complaints"]) + "?received_from=not-a-date",
        HTTP_REFERER="https://evil.example/phish",
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_a_forged_cross_site_post_is_refused(outlet_user, manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    url = reverse("admin:auth_user_password_change", args=[outlet_user.pk])
    new = "Forged-passphrase-2026"
    assert client.post(url, {"password1": new, "password2": new}).status_code == 403
    outlet_user.refresh_from_db()
    assert outlet_user.check_password(PASSWORD)


def test_signing_in_gives_a_new_session(outlet_user, client):
    client.get(LOGIN)
    client.cookies["sessionid"] = "attacker-chosen-session-key"
    client.post(LOGIN, {"username": "cm_a", "password": PASSWORD, "next": "/admin/"})
    assert client.cookies["sessionid"].value != "attacker-chosen-session-key"
    assert client.session.session_key != "attacker-chosen-session-key"


def _lockout_page(username, ip):
    client = Client()
    for _attempt in range(5):
        response = client.post(LOGIN, {"username": username, "password": "wrong"}, REMOTE_ADDR=ip)
    assert response.status_code == 429
    page = response.content.decode()
    # Only the CSRF token differs between two renderings of one page.
    return re.sub(r'value="[^"]{32,}"', 'value=""', page).replace(username, "NAME")


def test_a_lockout_does_not_tell_whether_the_user_exists(settings, outlet_user):
    settings.AXES_ENABLED = True
    assert _lockout_page("cm_a", "10.9.0.1") == _lockout_page("no_such_user", "10.9.0.2")
