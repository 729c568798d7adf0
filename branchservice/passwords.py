"""Password rules beyond Django's stock validators: no reuse, expiry, old password guarded."""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminPasswordChangeForm as AdminPasswordChangeFormWithOld
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.hashers import check_password
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule with a message of our own: Django 5.2 changed the stock message and its
    Chinese catalogue has not caught up, so staff would be told off in English."""

    def get_error_message(self):
        return ngettext(
            "This password is too short: use at least %(min_length)d character.",
            "This password is too short: use at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


class GuardedPasswordChangeForm(AdminPasswordChangeFormWithOld):
    """ "Change my password" with the old password checked like a login.

    The stock form checks the old password with check_password, unseen by django-axes: a
    stolen session could guess it without limit, then lock the owner out with a password of
    its own. Checked through authenticate() instead, a wrong old password counts as a failed
    login for this user and address, and the fifth locks both this page and the login (axes'
    middleware answers with the lockout page).
    """

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        user = authenticate(self.request, username=self.user.get_username(), password=old_password)
        if user is None:
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class GuardedPasswordChangeView(PasswordChangeView):
    form_class = GuardedPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordReuseValidator:
    """None of the person's last `count` passwords again (the current one included).

    Each password set through Django (forms, set_password + save) is recorded as its hash in
    PasswordHistory, and only the newest `count` are kept.
    """

    def __init__(self, count=5):
        self.count = count

    def _recent(self, user):
        from .models import PasswordHistory

        return PasswordHistory.objects.filter(user=user)[: self.count]

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        hashes = [user.password, *self._recent(user).values_list("password", flat=True)]
        if any(encoded and check_password(password, encoded) for encoded in hashes):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password, user):
        from .models import PasswordHistory

        PasswordHistory.objects.create(user=user, password=user.password)
        keep = self._recent(user).values_list("pk", flat=True)
        PasswordHistory.objects.filter(user=user).exclude(pk__in=list(keep)).delete()

    def get_help_text(self):
        return ngettext(
            "Your password cannot be the same as your last password.",
            "Your password cannot be one of your last %(count)d passwords.",
            self.count,
        ) % {"count": self.count}


def password_set_at(user):
    """When the person's password was last set: its newest record, else when they joined."""
    from .models import PasswordHistory

    latest = PasswordHistory.objects.filter(user=user).values_list("set_at", flat=True).first()
    return latest or user.date_joined


class PasswordExpiryMiddleware:
    """With PASSWORD_MAX_AGE_DAYS set, an admin user whose password is older is sent to
    "change my password" until they have changed it.

    Off by default (0): current guidance (NIST SP 800-63B) advises against forced periodic
    changes, which breed predictable passwords; a bank's policy may still require them. The
    lobby managers' tablets (not admin staff) are left alone: they have no such page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        days = settings.PASSWORD_MAX_AGE_DAYS
        user = getattr(request, "user", None)
        if days and user is not None and user.is_authenticated and user.is_staff:
            allowed = {
                reverse("admin:password_change"),
                reverse("admin:password_change_done"),
                reverse("admin:logout"),
            }
            expired = password_set_at(user) < timezone.now() - dt.timedelta(days=days)
            if request.path not in allowed and expired:
                messages.warning(
                    request,
                    _("Your password is more than %(days)d days old: please choose a new one.")
                    % {"days": days},
                )
                return redirect("admin:password_change")
        return self.get_response(request)
