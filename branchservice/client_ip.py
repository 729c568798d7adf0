"""The client's address, behind the documented proxy set-up (docs/deployment.md).

The address counts for the login lockout, and is written into the login log and the download
log. Behind a reverse proxy REMOTE_ADDR is the proxy's: counting it would lock an account for
everyone after five failures from anywhere, and every record would show the proxy.
X-Forwarded-For cannot simply be believed either, since a client writes what it likes there
to dodge the lockout. So it is read only when the request comes from a proxy listed in
TRUSTED_PROXIES (addresses or networks), and then from the right: each trusted proxy appends
the address it saw, so the first address from the right that is not a trusted proxy is the
client. Whatever a client put further left is ignored.

django-axes 8.3.1 reads the address through AXES_CLIENT_IP_CALLABLE (it only falls back to
django-ipware, not installed here, or to REMOTE_ADDR); this is that callable.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    if not remote or not _trusted(remote):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # a proxy that writes garbage: count the proxy, not the garbage
    return remote
