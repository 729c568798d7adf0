"""The receipt by text message (issue 20 item 1): with an SMS gateway configured, the
reference and lookup code go to the mobile number the customer gave. A local HTTP server
stands in for the bank's gateway."""

import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from complaints.models import Complaint
from opinionbook.services import code_hash, normalise_code
from tests.opinionbook.conftest import entry_data

pytestmark = pytest.mark.django_db


class Gateway:
    def __init__(self):
        self.received: list[tuple[dict, dict]] = []
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.received.append((body, dict(self.headers)))
                self.send_response(gateway.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def gateway(settings):
    gateway = Gateway()
    settings.OPINION_SMS_GATEWAY_URL = gateway.url
    settings.OPINION_SMS_GATEWAY_TOKEN = "token-123"
    yield gateway
    gateway.server.shutdown()


def submit(client, **overrides):
    return client.post(reverse("opinionbook:book", args=["A"]), entry_data(**overrides))


def shown_code(response) -> str:
    return re.search(r'id="lookup-code"[^>]*>([A-Z0-9-]+)<', response.content.decode()).group(1)


def test_the_reference_and_lookup_code_are_texted_to_the_customers_mobile(client, book, gateway):
    response = submit(client)
    entry = Complaint.objects.get()
    code = shown_code(response)
    [(body, headers)] = gateway.received
    assert body["to"] == "13812345678"
    assert entry.reference in body["text"] and code in body["text"]
    assert "查询码" in body["text"] and reverse("opinionbook:lookup") in body["text"]
    assert headers["Authorization"] == "Bearer token-123"
    assert 'id="texted"' in response.content.decode()
    # The texted code is the entry's code; only its hash is kept.
    assert entry.lookup_code.code_hash == code_hash(entry.reference, normalise_code(code))


def test_a_gateway_that_fails_costs_the_customer_nothing(client, book, gateway, caplog):
    gateway.status = 500
    with caplog.at_level(logging.WARNING, logger="opinionbook.services"):
        response = submit(client)
    assert response.status_code == 200 and Complaint.objects.count() == 1
    assert shown_code(response)  # the receipt is on screen
    assert 'id="texted"' not in response.content.decode()
    assert "not sent" in caplog.text and shown_code(response) not in caplog.text


def test_no_text_without_a_mobile_number_or_without_a_gateway(client, book, gateway, settings):
    submit(client, customer_phone="010-62512345")  # a landline
    submit(client, customer_phone="", customer_name="", consent=None, wants_reply=None)
    assert gateway.received == []
    settings.OPINION_SMS_GATEWAY_URL = ""
    response = submit(client, customer_phone="13900001111")
    assert gateway.received == [] and 'id="texted"' not in response.content.decode()


def lookup(client, data):
    return client.post(reverse("opinionbook:lookup"), data).content.decode()


def ask_code(client, reference, digits):
    data = {"phone-reference": reference, "phone-last_digits": digits}
    return client.post(reverse("opinionbook:lookup_code"), data).content.decode()


def texted_code(gateway) -> str:
    body, _headers = gateway.received[-1]
    return re.search(r"验证码为 (\d{6})", body["text"]).group(1)


def test_a_lost_lookup_code_is_replaced_by_a_one_time_code_to_the_phone(client, book, gateway):
    submit(client)
    entry = Complaint.objects.get()
    gateway.received.clear()
    page = ask_code(client, entry.reference.lower(), "5678")
    assert 'id="code-texted"' in page
    [(body, _headers)] = gateway.received
    assert body["to"] == "13812345678" and "一次性验证码" in body["text"]
    code = texted_code(gateway)
    page = lookup(client, {"reference": entry.reference, "code": code})
    assert 'id="stage"' in page
    # Used once: the same code again is not found.
    assert 'id="not-found"' in lookup(client, {"reference": entry.reference, "code": code})


def test_the_one_time_code_page_answers_alike_and_texts_only_the_entrys_own_phone(
    client, book, gateway
):
    submit(client)
    entry = Complaint.objects.get()
    gateway.received.clear()
    wrong_digits = ask_code(client, entry.reference, "0000")
    no_entry = ask_code(client, "TS-XX-000000-0001", "5678")
    assert 'id="code-texted"' in wrong_digits and 'id="code-texted"' in no_entry
    assert gateway.received == []
    bad = ask_code(client, entry.reference, "56a8")
    assert "请输入手机号码的后 4 位数字" in bad


def test_without_a_gateway_the_lookup_page_offers_no_texted_code(client, book, settings):
    settings.OPINION_SMS_GATEWAY_URL = ""
    page = client.get(reverse("opinionbook:lookup")).content.decode()
    assert 'id="lost-code"' not in page
    assert 'id="lost-code"' not in lookup(client, {"reference": "X", "code": "Y"})
    response = client.post(reverse("opinionbook:lookup_code"), {"phone-reference": "X"})
    assert response.status_code == 404
