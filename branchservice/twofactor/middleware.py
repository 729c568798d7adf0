import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django_otp import user_has_device
from django_otp.models import Device

from .policy import asks_second_factor, policy_key

# Both in the session, each with the stamp (_stamp) of the user row it was decided at, which
# AuthenticationMiddleware loads on every request anyway:
# - whether this session's user is asked for the second factor, worked out at login and
#   again when the stamp or the policy's settings change, so that pages of people never asked (the
#   lobby managers' tablets, most complaint managers) cost no device queries;
# - that this session passed the factor. django-otp's own middleware loads the device on every
#   request to see that it still exists; the stamp says the same without that query.
ASKED_SESSION_KEY = "twofactor_asked"
VERIFIED_SESSION_KEY = "twofactor_verified"

# What a session that owes the factor may still open: signing in (as someone else) and out,
# the factor's own pages, the language switch and the monitoring probe.
OPEN_VIEWS = frozenset(
    {
        "twofactor:verify",
        "twofactor:enrol",
        # The customers' public pages (the opinion book's poster, the progress lookup, the
        # satisfaction link): a member of staff may open them on their own phone like anyone.
        "opinionbook:book",
        "opinionbook:lookup",
        "opinionbook:lookup_code",
        "opinionbook:satisfaction",
        "admin:login",
        "admin:logout",
        "standards:login",
        "standards:logout",
        "set_language",
        "healthz",
    }
)


@receiver(user_logged_in, dispatch_uid="branchservice.twofactor.asked")
def note_whether_asked(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[ASKED_SESSION_KEY] = [_asked_stamp(user), asks_second_factor(user)]


@receiver(post_delete, dispatch_uid="branchservice.twofactor.device_removed")
def end_sessions_passed_with_it(sender, instance, **kwargs):
    """Whichever way a device goes (the superuser's reset, the person deleted), the sessions
    that passed the factor before count no more."""
    if isinstance(instance, Device):
        _count_up(instance.user_id)


@receiver(m2m_changed, dispatch_uid="branchservice.twofactor.roles_changed")
def decide_again_for_new_roles(sender, instance, action, pk_set, **kwargs):
    """A role given or taken may change whether the person is asked: their sessions decide
    again, and pass the factor again if asked. Roles change from the person's side only
    (the user admin; simple-history records them there)."""
    if sender is get_user_model().groups.through and (
        (action in ("post_add", "post_remove") and pk_set) or action == "post_clear"
    ):
        _count_up(instance.pk)
        # This instance in step with its row, e.g. for a login right after (force_login).
        instance.refresh_from_db(fields=["second_factor_generation"])


def _count_up(user_id) -> None:
    get_user_model().objects.filter(pk=user_id).update(
        second_factor_generation=F("second_factor_generation") + 1
    )


def _stamp(user) -> str:
    # The superuser flag too: TWO_FACTOR_REQUIRED_FOR_SUPERUSERS.
    return f"{user.pk}:{user.second_factor_generation}:{int(user.is_superuser)}"


def _asked_stamp(user) -> str:
    return f"{_stamp(user)}:{policy_key()}"


def _asked(request, user) -> bool:
    noted = request.session.get(ASKED_SESSION_KEY)
    if not noted or noted[0] != _asked_stamp(user):
        noted = request.session[ASKED_SESSION_KEY] = [_asked_stamp(user), asks_second_factor(user)]
    return noted[1]


def mark_verified(request) -> None:
    """The session has passed the second factor (its key renewed by the caller)."""
    request.session[VERIFIED_SESSION_KEY] = _stamp(request.user)


def mark_asked(request) -> None:
    """Whoever enrols during a session is asked from now on."""
    request.session[ASKED_SESSION_KEY] = [_asked_stamp(request.user), True]


class SecondFactorMiddleware:
    """A signed-in session that owes the second factor gets nothing but the pages above: every
    other URL (admin, report centre, dashboard, exports, reminders, checklist pages) sends it
    to the code page, or to enrolment if the person has no device yet."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # request.user.is_verified(), as django-otp's OTPMiddleware offers it, from the session.
        request.user = SimpleLazyObject(functools.partial(_with_is_verified, request, request.user))
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or request.resolver_match.view_name in OPEN_VIEWS:
            return None
        if not _asked(request, user) or user.is_verified():
            return None
        target = "twofactor:verify" if user_has_device(user) else "twofactor:enrol"
        url = reverse(target)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)


def _with_is_verified(request, user):
    def is_verified() -> bool:
        return user.is_authenticated and request.session.get(VERIFIED_SESSION_KEY) == _stamp(user)

    user.is_verified = is_verified
    return user
