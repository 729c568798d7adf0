from django.shortcuts import redirect

from .roles import INTAKE_PERMISSION, Role


def home(request):
    """Send each person to where their work is: lobby managers (who have no admin access) to
    the checklist pages, frontline staff to the intake page, auditors to the report centre,
    everyone else to the admin, which asks anonymous visitors to sign in."""
    user = request.user
    if user.is_authenticated and not user.is_staff:
        if not user.has_perm("standards.view_checklist") and user.has_perm(INTAKE_PERMISSION):
            return redirect("complaints:intake")
        return redirect("standards:home")
    if user.is_authenticated and user.role_names == {Role.AUDITOR}:
        return redirect("reporting:centre")
    return redirect("admin:index")
