"""The page a locked-out user sees (django-axes calls `lockout_response`, AXES_LOCKOUT_CALLABLE).

Axes' own response has no admin header and no language of ours; this one is the admin's sign-in
page with a plain explanation and the time to wait, in the user's language.
"""

from django.conf import settings
from django.contrib import admin
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request, original_response=None, credentials=None):
    context = {
        **admin.site.each_context(request),
        "title": _("Sign-in locked"),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    # 429 Too Many Requests: what axes answers too, and what a proxy or monitor understands.
    return render(request, "axes/lockout.html", context, status=429)
