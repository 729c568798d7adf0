"""The WeCom group-bot channel, against a local HTTP server standing in for the bot."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core import mail

from branchservice.notifications.models import Notification, WeComWebhook
from branchservice.notifications.services import (
    DeliveryFailed,
    notifications_deliver,
    reminders_scan,
)
from tests.notifications.conftest import MONDAY_10AM

pytestmark = pytest.mark.django_db


class Bot:
    """A local HTTP server answering like a WeCom group bot; `mode` sets how it answers."""

    def __init__(self):
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
                    return
                answer = {"errcode": 0, "errmsg": "ok"}
                if bot.mode == "refuse":
                    answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(answer).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=test"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def bot(org, settings):
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
    [("500", "500"), ("hang", "timed out"), ("refuse", "invalid webhook url")],
)
def test_a_failing_bot_is_retried_without_mailing_twice(org, outlet_user, remind, bot, mode, error):
    bot.mode = mode
    remind(org.a, outlet_user)
    with pytest.raises(DeliveryFailed):
        _deliver(outlet_user)
    n = Notification.objects.get()
    assert n.sent_at is None and n.attempts == 1
    assert error in n.last_error
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
