"""Finding 4: server-side requests to internal hosts through the WeCom webhook address.

Any address was accepted (loopback, 169.254.169.254, ftp://) and the worker posted to it,
showing the answer and the error text in the admin. Here a real HTTP server listens on
loopback, as an internal service would, and must never be reached.
"""

import pytest
import time_machine
from django.urls import reverse

from branchservice.notifications.models import Notification, WeComWebhook
from branchservice.notifications.services import (
    DeliveryFailed,
    notifications_deliver,
    reminders_scan,
)
from tests.notifications.conftest import MONDAY_10AM
from tests.notifications.test_wecom import SECRET, TLS, Bot

HOSTILE = [
    "http://127.0.0.1:8000/admin/",
    "https://127.0.0.1/cgi-bin/webhook/send?key=x",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/",
    "https://localhost/",
    "ftp://qyapi.weixin.qq.com/cgi-bin/webhook/send",
    "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x",
    "https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send",
    "https://evil@qyapi.weixin.qq.com/cgi-bin/webhook/send",
    "https://intranet.bank.local/",
]


@pytest.fixture
def internal():
    """An internal HTTP service on loopback that the worker must not reach."""
    server = Bot(tls=False)
    yield server
    server.close()


@pytest.mark.parametrize("url", HOSTILE)
def test_the_admin_refuses_a_webhook_that_is_not_wecoms(org, hq, login, url):
    response = login(hq).post(
        reverse("admin:notifications_wecomwebhook_add"),
        {"branch": org.a.pk, "url": url, "is_active": "on"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors["url"]
    assert not WeComWebhook.objects.exists()


def test_the_admin_accepts_the_wecom_bot_address(org, hq, login):
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx"
    response = login(hq).post(
        reverse("admin:notifications_wecomwebhook_add"),
        {"branch": org.a.pk, "url": url, "is_active": "on"},
    )
    assert response.status_code == 302
    assert WeComWebhook.objects.get().url == url


def _deliver(user):
    with time_machine.travel(MONDAY_10AM, tick=False):
        reminders_scan()
        with pytest.raises(DeliveryFailed):
            notifications_deliver(recipient_id=user.pk)
    return Notification.objects.get()


def test_a_stored_internal_address_is_never_posted_to(org, outlet_user, remind, internal):
    # Saved before this release, or written past the admin: the send checks again.
    WeComWebhook.objects.create(branch=org.a, url=internal.url.replace("localhost", "127.0.0.1"))
    remind(org.a, outlet_user)
    notification = _deliver(outlet_user)
    assert internal.received == []
    assert SECRET not in notification.last_error


def test_an_allowed_host_that_resolves_inside_is_refused(
    org, outlet_user, remind, settings, internal
):
    """DNS rebinding: the name is on the allow-list, its address is loopback. The address is
    checked when the worker connects, and the connection goes to the address checked."""
    settings.NOTIFICATIONS_WECOM_HOSTS = ["localhost"]
    settings.NOTIFICATIONS_WECOM_CA_FILE = str(TLS / "localhost.crt")
    https = Bot(tls=True)
    try:
        WeComWebhook.objects.create(branch=org.a, url=https.url)
        remind(org.a, outlet_user)
        notification = _deliver(outlet_user)
        assert https.received == []
        assert "127.0.0.1" not in notification.last_error
    finally:
        https.close()


def test_the_same_server_is_reached_once_the_bank_allows_it(org, outlet_user, remind, settings):
    """The positive case: allow-list pointed at the local server (its host, private addresses
    allowed, its certificate trusted), as for a bank's own WeCom server."""
    settings.NOTIFICATIONS_WECOM_HOSTS = ["localhost"]
    settings.NOTIFICATIONS_WECOM_ALLOW_PRIVATE_ADDRESSES = True
    settings.NOTIFICATIONS_WECOM_CA_FILE = str(TLS / "localhost.crt")
    https = Bot(tls=True)
    try:
        WeComWebhook.objects.create(branch=org.a, url=https.url)
        remind(org.a, outlet_user)
        with time_machine.travel(MONDAY_10AM, tick=False):
            reminders_scan()
            assert notifications_deliver(recipient_id=outlet_user.pk) == 1
        assert len(https.received) == 1
    finally:
        https.close()


def test_plain_http_is_refused_even_to_an_allowed_host(
    org, outlet_user, remind, settings, internal
):
    settings.NOTIFICATIONS_WECOM_HOSTS = ["localhost"]
    settings.NOTIFICATIONS_WECOM_ALLOW_PRIVATE_ADDRESSES = True
    WeComWebhook.objects.create(branch=org.a, url=internal.url)
    remind(org.a, outlet_user)
    _deliver(outlet_user)
    assert internal.received == []
