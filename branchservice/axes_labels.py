"""Labels of django-axes' login records, listed here so that `makemessages` copies them into
our catalogue: axes ships no Chinese translation, and its records are the login audit that
head office and auditors read in the admin. Django merges all catalogues, so these
translations apply to axes' own strings. Nothing imports this module."""

from django.utils.translation import gettext_lazy as _

AXES_LABELS = [
    _("Access Attempt"),
    _("Access lock out"),
    _("Attempt Remaining"),
    _("Attempt Time"),
    _("Expires At"),
    _("Failed Logins"),
    _("Form Data"),
    _("GET Data"),
    _("HTTP Accept"),
    _("IP Address"),
    _("Locked Out"),
    _("Logout Time"),
    _("Meta Data"),
    _("Not set"),
    _("POST Data"),
    _("Path"),
    _("User Agent"),
    _("Username"),
    _("access attempt"),
    _("access attempts"),
    _("access failure"),
    _("access failures"),
    _("access log"),
    _("access logs"),
]
