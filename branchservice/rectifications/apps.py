from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationsConfig(AppConfig):
    name = "branchservice.rectifications"
    label = "rectifications"
    verbose_name = _("Rectifications (整改)")

    def ready(self):
        from branchservice.exports.registry import register
        from branchservice.notifications.registry import register_kinds

        from . import reminders
        from .exports import RECTIFICATIONS

        register(RECTIFICATIONS)
        register_kinds(reminders.Kind, reminders.HEADLINES)
