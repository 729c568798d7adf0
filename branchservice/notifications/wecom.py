"""Posting to a WeCom (企业微信) group bot without letting its address reach inside the bank.

A webhook address is typed into the admin by branch staff, and the worker that posts to it
sits inside the bank's network: any address would make the worker a proxy to internal hosts
(loopback, the cloud metadata service at 169.254.169.254, the database). So:

- an address must be `https` to a host of NOTIFICATIONS_WECOM_HOSTS (WeCom's bot host; an
  entry "*.example" also admits its subdomains), with no user or password in it; this is
  checked when the address is saved and again at every send;
- at send time the host is resolved once, every address it resolves to must be public
  (unless NOTIFICATIONS_WECOM_ALLOW_PRIVATE_ADDRESSES, for a bank's own WeCom server), and
  the connection goes to the address that was checked, so a DNS answer that changes between
  the check and the connection (DNS rebinding) cannot redirect it; TLS is still verified
  against the host name;
- redirects are not followed, and what the far end answers is never shown to anyone: an error
  says only which kind of failure it was.
"""

import http.client
import ipaddress
import json
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class SendFailed(Exception):
    """The message did not get through; the text is safe to show (no answer body in it)."""


def _host_allowed(host: str) -> bool:
    for entry in settings.NOTIFICATIONS_WECOM_HOSTS:
        entry = entry.lower()
        if host == entry or (entry.startswith("*.") and host.endswith(entry[1:])):
            return True
    return False


def validate_webhook_url(url: str) -> None:
    parts = urlsplit(url or "")
    host = (parts.hostname or "").lower()
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        host = ""
    if (
        parts.scheme != "https"
        or not _host_allowed(host)
        or parts.username is not None
        or parts.password is not None
    ):
        raise ValidationError(
            gettext_lazy(
                "Enter the group bot's address as WeCom gives it: https://%(hosts)s/... "
                "Other addresses are refused."
            )
            % {"hosts": " / ".join(settings.NOTIFICATIONS_WECOM_HOSTS)},
            code="wecom_host",
        )


def _checked_addresses(host: str, port: int) -> list[str]:
    """The addresses of `host`, after checking that every one of them may be reached."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise SendFailed(_("the bot's host name does not resolve")) from exc
    addresses = [info[4][0] for info in infos]
    if not settings.NOTIFICATIONS_WECOM_ALLOW_PRIVATE_ADDRESSES:
        for address in addresses:
            if not ipaddress.ip_address(address.split("%")[0]).is_global:
                raise SendFailed(_("the bot's address is not a public address: refused"))
    return addresses


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to already checked IP addresses, with TLS verified for the host name."""

    def __init__(self, host, addresses, **kwargs):
        super().__init__(host, **kwargs)
        self._addresses = addresses

    def connect(self):
        for address in self._addresses:
            try:
                sock = socket.create_connection((address, self.port), self.timeout)
                break
            except OSError:
                if address == self._addresses[-1]:
                    raise
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=settings.NOTIFICATIONS_WECOM_CA_FILE or None)


def post_json(url: str, payload: dict, *, timeout: float) -> dict:
    """POST `payload` to the bot at `url`; its JSON answer, or SendFailed."""
    try:
        validate_webhook_url(url)
    except ValidationError as exc:
        raise SendFailed(_("the bot's address is not an allowed WeCom address")) from exc
    parts = urlsplit(url)
    port = parts.port or 443
    connection = _PinnedHTTPSConnection(
        parts.hostname,
        _checked_addresses(parts.hostname, port),
        port=port,
        timeout=timeout,
        context=_tls_context(),
    )
    target = parts.path or "/"
    if parts.query:
        target += f"?{parts.query}"
    try:
        connection.request(
            "POST",
            target,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        response = connection.getresponse()
        body = response.read(64 * 1024)
    except TimeoutError as exc:
        raise SendFailed(_("no answer in time")) from exc
    except ssl.SSLError as exc:
        raise SendFailed(_("the bot's TLS certificate could not be verified")) from exc
    except OSError as exc:
        raise SendFailed(_("could not connect")) from exc
    finally:
        connection.close()
    if not 200 <= response.status < 300:
        status_class = response.status // 100
        raise SendFailed(_("answered HTTP %(status_class)sxx") % {"status_class": status_class})
    try:
        answer = json.loads(body or b"{}")
    except ValueError as exc:
        raise SendFailed(_("answered something that is not a WeCom answer")) from exc
    if not isinstance(answer, dict):
        raise SendFailed(_("answered something that is not a WeCom answer"))
    return answer
