"""Text messages to customers, through the bank's SMS gateway.

The gateway is the bank's own service, set by the operator (OPINION_SMS_GATEWAY_URL, never
typed in by staff), so the address it names is trusted. OPINION_SMS_BACKEND names the class
that sends: the default posts {"to": phone, "text": text} as JSON with the gateway's token as
a bearer header; a bank whose gateway speaks otherwise plugs in its own class with the same
`send(phone, text)`. Without a gateway URL nothing is sent and the pages do not mention text
messages.
"""

import http.client
import json
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.module_loading import import_string


class SmsFailed(Exception):
    """The message did not get through. The text names the kind of failure only."""


def configured() -> bool:
    return bool(settings.OPINION_SMS_GATEWAY_URL)


def gateway():
    return import_string(settings.OPINION_SMS_BACKEND)()


class HttpGateway:
    def send(self, phone: str, text: str) -> None:
        parts = urlsplit(settings.OPINION_SMS_GATEWAY_URL)
        connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(
            parts.hostname, parts.port, timeout=settings.OPINION_SMS_TIMEOUT_SECONDS
        )
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if settings.OPINION_SMS_GATEWAY_TOKEN:
            headers["Authorization"] = f"Bearer {settings.OPINION_SMS_GATEWAY_TOKEN}"
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        body = json.dumps({"to": phone, "text": text}, ensure_ascii=False).encode()
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            response.read(4096)
        except TimeoutError as exc:
            raise SmsFailed("no answer in time") from exc
        except OSError as exc:
            raise SmsFailed("could not connect") from exc
        finally:
            connection.close()
        if not 200 <= response.status < 300:
            raise SmsFailed(f"answered HTTP {response.status}")
