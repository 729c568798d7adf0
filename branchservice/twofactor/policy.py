"""Who is asked for the second factor: the one statement of it."""

from django.conf import settings
from django_otp import user_has_device


def second_factor_required(user) -> bool:
    """Must `user` enrol a second factor (TWO_FACTOR_REQUIRED_ROLES, superusers)?"""
    if user.is_superuser and settings.TWO_FACTOR_REQUIRED_FOR_SUPERUSERS:
        return True
    return user.has_role(*settings.TWO_FACTOR_REQUIRED_ROLES)


def policy_key() -> str:
    """The settings the answer of `second_factor_required` depends on, beside the user: a
    session's remembered answer holds only while they are the same (a release that adds a
    role asks its open sessions at once)."""
    roles = ",".join(sorted(settings.TWO_FACTOR_REQUIRED_ROLES))
    return f"{roles}:{int(settings.TWO_FACTOR_REQUIRED_FOR_SUPERUSERS)}"


def may_enrol(user) -> bool:
    """Admin users may add a factor of their own accord; the lobby managers' tablets, shared
    checklist logins without the admin, are not offered one unless the policy lists them."""
    return user.is_staff or second_factor_required(user)


def asks_second_factor(user) -> bool:
    """Is a session of `user` asked for the second factor before any page?

    Everyone who enrolled is asked, required or not: a factor that could be skipped would
    protect nothing. Those who must have one and have none are sent to enrol.
    """
    return second_factor_required(user) or user_has_device(user, confirmed=True)
