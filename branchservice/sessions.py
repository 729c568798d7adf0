"""Idle timeout for sessions, with at most one session write per user per minute.

A session ends SESSION_COOKIE_AGE (SESSION_IDLE_MINUTES) after its last refresh, and with the
browser. Django's SESSION_SAVE_EVERY_REQUEST would refresh it by writing the session row on
every request; this middleware refreshes it only when the last refresh is older than
SESSION_REFRESH_SECONDS, so a busy user costs one UPDATE a minute instead of one per click,
and the idle limit is exact to within that minute.
"""

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

REFRESHED_AT = "_refreshed_at"


class IdleSessionRefreshMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only sessions this request used anyway (a signed-in page), so that no request
        # loads a session just to refresh it.
        if session is not None and session.accessed and not session.is_empty():
            now = int(time.time())
            if now - session.get(REFRESHED_AT, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[REFRESHED_AT] = now  # marks it modified: SessionMiddleware saves it
        return response


def seconds_left(request) -> int:
    """Seconds until the request's session ends if the user does nothing more, counting the
    refresh this request brings on its way out (the middleware's). Pages use it to warn in
    time."""
    now = int(time.time())
    refreshed = request.session.get(REFRESHED_AT, 0)
    if now - refreshed >= settings.SESSION_REFRESH_SECONDS:
        refreshed = now
    return max(0, refreshed + settings.SESSION_COOKIE_AGE - now)


def refresh(request):
    """Renew the session now, whatever the last refresh: the user asked to stay signed in."""
    request.session[REFRESHED_AT] = int(time.time())


@receiver(user_logged_in, dispatch_uid="branchservice.sessions.refreshed_at_login")
def note_login_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        refresh(request)
