"""The WeCom group-bot channel, against a local HTTPS server standing in for the bot.

The worker posts only over https to allowed hosts at public addresses
(branchservice/notifications/wecom.py); the fixture lists the local server's host, allows
private addresses and trusts its certificate, as a bank with its own WeCom server would.
tests/security/test_ssrf.py shows the same server refused without that configuration.
"""

import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext as _

from branchservice.notifications.models import Notification, WeComWebhook
from branchservice.notifications.services import (
    DeliveryFailed,
    notifications_deliver,
    reminders_scan,
)
from tests.notifications.conftest import MONDAY_10AM

pytestmark = pytest.mark.django_db


TLS = Path(__file__).resolve().parent / "tls"
# What a bot puts in its answers, which nobody in the portal may read back.
SECRET = "internal-detail-7f3a"


class Bot:
    """A local HTTPS server answering like a WeCom group bot; `mode` sets how it answers.
    `tls=False` serves plain http."""

    def __init__(self, tls=True):
        self.received: list[dict] = []
        self.mode = "ok"
        bot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                bot.received.append(body)
                if bot.mode == "hang":
                    time.sleep(3)
                if bot.mode == "500":
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(SECRET.encode())
                    return
                answer = {"errcode": 0, "errmsg": "ok"}
                if bot.mode == "refuse":
                    answer = {"errcode": 93000, "errmsg": f"invalid webhook url {SECRET}"}
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(answer).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        port = self.server.server_port
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(TLS / "localhost.crt", TLS / "localhost.key")
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://localhost:{port}/cgi-bin/webhook/send?key=test"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def bot_allowed(settings):
    """The local bot's host allowed, as for a bank's own WeCom server."""
    settings.NOTIFICATIONS_WECOM_HOSTS = ["localhost"]
    settings.NOTIFICATIONS_WECOM_ALLOW_PRIVATE_ADDRESSES = True
    settings.NOTIFICATIONS_WECOM_CA_FILE = str(TLS / "localhost.crt")


@pytest.fixture
def bot(org, settings, bot_allowed):
    settings.NOTIFICATIONS_WECOM_TIMEOUT_SECONDS = 1
    server = Bot()
    WeComWebhook.objects.create(branch=org.a, url=server.url)
    yield server
    server.close()


def _deliver(user):
    with time_machine.travel(MONDAY_10AM, tick=False):
        reminders_scan()
        return notifications_deliver(recipient_id=user.pk)


def test_a_reminder_goes_to_the_branchs_group_bot_and_by_mail(org, outlet_user, remind, bot):
    remind(org.a, outlet_user)
    assert _deliver(outlet_user) == 1
    assert len(bot.received) == 1
    message = bot.received[0]
    assert message["msgtype"] == "text"
    assert "中关村网点" in message["text"]["content"]
    assert outlet_user.get_full_name() in message["text"]["content"]
    assert len(mail.outbox) == 1


def test_people_of_a_branch_without_a_bot_get_mail_only(org, outsider, remind, bot):
    remind(org.b, outsider)
    assert _deliver(outsider) == 1
    assert bot.received == []


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("500", lambda: _("answered HTTP %(status_class)sxx") % {"status_class": 5}),
        ("hang", lambda: _("no answer in time")),
        ("refuse", lambda: _("WeCom group bot refused the message.")),
    ],
)
def test_a_failing_bot_is_retried_without_mailing_twice(org, outlet_user, remind, bot, mode, error):
    bot.mode = mode
    remind(org.a, outlet_user)
    with pytest.raises(DeliveryFailed):
        _deliver(outlet_user)
    n = Notification.objects.get()
    assert n.sent_at is None and n.attempts == 1
    with translation.override(settings.LANGUAGE_CODE):  # errors are in the portal's language
        assert error() in n.last_error
    assert SECRET not in n.last_error  # what the far end said is never shown
    assert n.channels_done == ["email"]
    assert len(mail.outbox) == 1

    bot.mode = "ok"
    with time_machine.travel(n.scheduled_for, tick=False):
        assert notifications_deliver(recipient_id=outlet_user.pk) == 1
    assert len(mail.outbox) == 1  # the mail went out the first time; only the bot is retried
    assert len(bot.received) == 2
    n.refresh_from_db()
    assert n.sent_at is not None


def test_an_inactive_bot_is_not_used(org, outlet_user, remind, bot):
    WeComWebhook.objects.update(is_active=False)
    remind(org.a, outlet_user)
    assert _deliver(outlet_user) == 1
    assert bot.received == []
