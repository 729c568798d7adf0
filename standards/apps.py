from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    name = "standards"
    verbose_name = _("Service standards")

    def ready(self):
        # The ground's plug-in points: this app's export specs and reminder kinds.
        from branchservice.exports.registry import register
        from branchservice.notifications.registry import register_kinds

        from . import reminders
        from .exports import SPECS

        for spec in SPECS:
            register(spec)
        register_kinds(reminders.Kind, reminders.HEADLINES)
