"""Password rules beyond Django's stock validators."""

from django.contrib.admin.forms import AdminPasswordChangeForm as AdminPasswordChangeFormWithOld
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import ValidationError
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
