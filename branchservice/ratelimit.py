"""Counting requests per key in fixed windows, in the shared Django cache.

Used by the public pages (no login, so django-axes' lockout does not apply): each page counts
per client address and per whatever else it protects (an outlet's opinion book). The cache is
shared by every web process (CACHE_URL; Redis or the file cache), so a limit holds across
processes. A window is a bucket of `window` seconds: its counter expires with it.

Not django-ratelimit: its last release (4.1, 2023) declares support up to Django 4.2 only, and
what the portal needs is these few lines over the cache it already has.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    """At most `count` hits per `window` seconds for each key of `scope`."""

    scope: str
    count: int
    window: int

    def _key(self, ident: str, now: float) -> tuple[str, int]:
        bucket = int(now // self.window)
        ends = (bucket + 1) * self.window
        return f"ratelimit:{self.scope}:{ident}:{bucket}", ends

    def hit(self, ident: str, *, now: float | None = None) -> int | None:
        """Count one hit for `ident`; None if it is within the limit, otherwise the seconds
        until the window ends (when the caller may try again)."""
        now = time.time() if now is None else now
        key, ends = self._key(ident, now)
        # add() is a no-op if the counter exists; incr() is atomic on Redis and locmem.
        cache.add(key, 0, timeout=self.window + 1)
        try:
            hits = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=self.window + 1)
            hits = 1
        if hits <= self.count:
            return None
        return max(1, int(ends - now))
