"""A bank's password policy: at least 12 characters, no common password, none of the last 5
again, and an expiry that a bank may switch on (off by default, as current guidance advises).

Before: 10 characters were enough and a person could set the same password again at once, so
"change your password" after an incident changed nothing. The lockout page's sameness for
known and unknown users is tested in test_review_held.py.
"""

import datetime as dt
import itertools

import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory

CHANGE = reverse("admin:password_change")


def change_own(client, old, new):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new})


def errors(response):
    assert response.status_code == 200
    return " ".join(response.context["form"].errors.get("new_password2", []))


def test_eleven_characters_are_too_short_twelve_are_enough(outlet_user, login):
    client = login(outlet_user)
    assert "12" in errors(change_own(client, PASSWORD, "Qz7-kWm4-rT9"[:11]))
    assert change_own(client, PASSWORD, "Qz7-kWm4-rT9").status_code == 302


def test_a_common_password_is_refused_however_long(outlet_user, login):
    assert errors(change_own(login(outlet_user), PASSWORD, "qwertyuiop123"))


def test_none_of_the_last_five_passwords_again(outlet_user, login):
    client = login(outlet_user)
    rotation = [f"Rotation-{n}-passphrase" for n in range(1, 7)]
    for old, new in itertools.pairwise([PASSWORD, *rotation[:5]]):
        assert change_own(client, old, new).status_code == 302, new
    current = rotation[4]
    # The current one and the four before it are refused ...
    for reused in rotation[:5]:
        assert "5" in errors(change_own(client, current, reused)), reused
    # ... and after one more change the oldest of them has dropped out of the history.
    assert change_own(client, current, rotation[5]).status_code == 302
    assert change_own(client, rotation[5], rotation[0]).status_code == 302


def test_a_superuser_setting_a_password_is_held_to_it_too(org, outlet_user, login):
    root = UserFactory(username="root", branch=None, is_superuser=True)
    response = login(root).post(
        reverse("admin:auth_user_password_change", args=[outlet_user.pk]),
        {"password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    outlet_user.refresh_from_db()
    assert outlet_user.check_password(PASSWORD)


def test_passwords_do_not_expire_by_default(outlet_user, login):
    with time_machine.travel(timezone.now() + dt.timedelta(days=3650)):
        assert login(outlet_user).get(reverse("admin:index")).status_code == 200


def test_an_expired_password_must_be_changed_first(settings, outlet_user, login, lobby_user):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    later = timezone.now() + dt.timedelta(days=91)
    with time_machine.travel(later):
        client = login(outlet_user)
        response = client.get(reverse("admin:complaints_complaint_changelist"))
        assert response.status_code == 302
        assert response["Location"] == CHANGE
        assert client.get(CHANGE).status_code == 200
        assert change_own(client, PASSWORD, "A-fresh-passphrase-91").status_code == 302
        assert client.get(reverse("admin:complaints_complaint_changelist")).status_code == 200


def test_the_lobby_tablets_are_not_sent_to_a_page_they_cannot_open(settings, lobby_user, client):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    with time_machine.travel(timezone.now() + dt.timedelta(days=91)):
        client.force_login(lobby_user)
        response = client.get(reverse("standards:home"), follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0].startswith("/standards/outlets/")
