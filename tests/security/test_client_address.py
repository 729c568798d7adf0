"""Finding 5: behind the proxy the lockout counted the proxy.

AXES_PROXY_COUNT did nothing without django-ipware, so every request came from the proxy's
address: five bad logins from anywhere locked an account for everyone, and every login and
download record showed 127.0.0.1. The proxy here is 10.0.0.5, listed in TRUSTED_PROXIES.
"""

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

LOGIN = reverse("admin:login")
PROXY = "10.0.0.5"


@pytest.fixture
def behind_proxy(settings):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]


def sign_in(username, password, *, remote=PROXY, forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post(LOGIN, {"username": username, "password": password}, **headers)


def test_an_attacker_behind_the_proxy_locks_out_only_themselves(behind_proxy, outlet_user):
    for _attempt in range(5):
        response = sign_in("cm_a", "wrong-password", forwarded="203.0.113.7")
    assert response.status_code == 429
    # The real user, elsewhere, through the same proxy, still signs in.
    assert sign_in("cm_a", PASSWORD, forwarded="198.51.100.9").status_code == 302
    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    assert AccessLog.objects.get().ip_address == "198.51.100.9"


def test_a_forged_header_through_the_proxy_is_ignored(behind_proxy, outlet_user):
    """The client writes its own X-Forwarded-For; the proxy appends the real address. Only
    the proxy's entry (the right-most untrusted one) counts."""
    for n in range(5):
        response = sign_in("cm_a", "wrong-password", forwarded=f"192.0.2.{n}, 203.0.113.7")
    assert response.status_code == 429
    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_a_header_from_a_client_that_is_not_a_proxy_is_ignored(behind_proxy, outlet_user):
    """Straight to gunicorn, from outside the proxy network: a new made-up address on every
    try would dodge the lockout if the header were believed."""
    for n in range(5):
        response = sign_in(
            "cm_a", "wrong-password", remote="198.51.100.20", forwarded=f"192.0.2.{n}"
        )
    assert response.status_code == 429
    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {"198.51.100.20"}


def test_without_trusted_proxies_the_header_is_never_read(settings, outlet_user):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXIES = []
    assert sign_in("cm_a", PASSWORD, remote="10.0.0.5", forwarded="203.0.113.7").status_code == 302
    assert AccessLog.objects.get().ip_address == "10.0.0.5"
