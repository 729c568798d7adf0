"""The second factor's pages: the code after the password, enrolment, and one's own status
with the renewal of backup codes. Each calls services.py; policy.py says who is asked."""

import segno
from django.contrib import messages
from django.contrib.admin import site as admin_site
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice

from branchservice.admin_site import add_service_errors
from branchservice.audit import record_wrong_second_factor

from . import services
from .forms import CodeForm
from .middleware import mark_asked, mark_verified
from .policy import may_enrol, second_factor_required


# never_cache: keys, QR codes and backup codes must not stay in the browser's cache.
@never_cache
@login_required
def verify(request):
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not user_has_device(user):
        return redirect(_with_next(request, "twofactor:enrol"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.second_factor_verify(user=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            _refused(request, form, exc)
        else:
            _pass(request)
            if isinstance(device, StaticDevice):
                messages.warning(
                    request,
                    _("You signed in with a backup code; %(count)d are left.")
                    % {"count": services.backup_codes_left(user)},
                )
            return redirect(_next_url(request))
    return _render(request, "twofactor/verify.html", {"form": form, "title": _("Sign-in code")})


@never_cache
@login_required
def enrol(request):
    user = request.user
    if user_has_device(user):
        # A second device is added only by resetting the first (a superuser's step).
        return redirect("twofactor:manage" if user.is_verified() else "twofactor:verify")
    if not may_enrol(user):
        raise PermissionDenied
    device = services.totp_enrolment_device(user=user)
    form = CodeForm(request.POST or None, app_only=True)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_enrolment_confirm(device=device, code=form.cleaned_data["code"])
        except ValidationError as exc:
            _refused(request, form, exc)
        else:
            _pass(request)
            mark_asked(request)
            return _render_backup_codes(request, codes)
    qr = segno.make(device.config_url, error="m")
    secret = services.totp_secret(device)
    return _render(
        request,
        "twofactor/enrol.html",
        {
            "form": form,
            "title": _("Set up sign-in codes"),
            # An SVG drawn here: the secret never goes to a QR service.
            # Sized by the stylesheet (omitsize: a viewBox only), so it stays sharp at any width.
            "qr_svg": qr.svg_inline(
                border=2, omitsize=True, title=_("QR code for the authenticator app")
            ),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "required": second_factor_required(user),
        },
    )


@never_cache
@login_required
def manage(request):
    user = request.user
    if not may_enrol(user):
        raise PermissionDenied
    app = services.enrolled_app(user)
    if request.method == "POST":
        if app is None:
            return HttpResponseNotAllowed(["GET"])
        return _render_backup_codes(request, services.backup_codes_renew(user=user))
    return _render(
        request,
        "twofactor/manage.html",
        {
            "title": _("Sign-in codes"),
            "app": app,
            "required": second_factor_required(user),
            "backup_codes_left": services.backup_codes_left(user),
        },
    )


def _refused(request, form, exc: ValidationError) -> None:
    if exc.code == "wrong":  # not while throttled: that code was not even tried
        record_wrong_second_factor(request)
    add_service_errors(form, exc)


def _pass(request) -> None:
    # A new session key for the session that now has both factors (no fixation across them).
    request.session.cycle_key()
    mark_verified(request)


def _render_backup_codes(request, codes):
    return _render(
        request,
        "twofactor/backup_codes.html",
        {"title": _("Backup codes"), "codes": codes, "next_url": _next_url(request)},
    )


def _render(request, template, context):
    # The admin's header and styles around the page (its site name, language switch, logout);
    # the page asked for before the code page, carried through its form.
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(
        request, template, {**admin_site.each_context(request), "next": next_url, **context}
    )


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next", "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("home")


def _with_next(request, name) -> str:
    url = reverse(name)
    if request.GET.get("next"):
        url += "?" + urlencode({"next": request.GET["next"]})
    return url
