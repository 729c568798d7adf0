from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationsConfig(AppConfig):
    name = "branchservice.rectifications"
    label = "rectifications"
    verbose_name = _("Rectifications (整改)")

    def ready(self):
        # The due dates a calendar change moves follow it, whatever the finding's app.
        from branchservice import calendar_changes
        from branchservice.exports.registry import register
        from branchservice.notifications.registry import register_kinds

        from . import reminders, services
        from .exports import RECTIFICATIONS

        register(RECTIFICATIONS)
        register_kinds(reminders.Kind, reminders.HEADLINES)
        calendar_changes.register(services.calendar_changed)
