"""Finding 6: the old password could be guessed without limit on "change my password".

Someone holding a colleague's open session (an unlocked PC at the counter) could try old
passwords for ever, then set their own and lock the owner out. A wrong old password now
counts as a failed login of that user from that address.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

CHANGE = reverse("admin:password_change")
NEW = "A-new-long-passphrase-2026"


@pytest.fixture
def session(settings, outlet_user):
    settings.AXES_ENABLED = True
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.force_login(outlet_user)
    return client


def change(client, old):
    return client.post(
        CHANGE,
        {"old_password": old, "new_password1": NEW, "new_password2": NEW},
        REMOTE_ADDR="10.1.2.3",
    )


def test_five_wrong_old_passwords_lock_the_page_and_the_login(session, outlet_user):
    for _attempt in range(4):
        assert change(session, "guess").status_code == 200  # the form, "incorrect"
    assert change(session, "guess").status_code == 429
    assert change(session, PASSWORD).status_code == 429  # the right one is refused too now
    outlet_user.refresh_from_db()
    assert outlet_user.check_password(PASSWORD)
    login = Client().post(
        reverse("admin:login"),
        {"username": "cm_a", "password": PASSWORD},
        REMOTE_ADDR="10.1.2.3",
    )
    assert login.status_code == 429


def test_the_right_old_password_still_changes_it(session, outlet_user):
    assert change(session, PASSWORD).status_code == 302
    outlet_user.refresh_from_db()
    assert outlet_user.check_password(NEW)
