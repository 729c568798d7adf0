from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        # The ground's plug-in points: this app's export specs, reminder kinds, the kind of
        # finding its rectifications are raised for, and the deadlines a calendar change moves.
        from branchservice import calendar_changes
        from branchservice.exports.registry import register
        from branchservice.notifications.registry import register_kinds
        from branchservice.rectifications.sources import SourceKind, register_source

        from . import reminders, services
        from .exports import SPECS

        for spec in SPECS:
            register(spec)
        register_kinds(reminders.Kind, reminders.HEADLINES)
        register_source(
            SourceKind(
                services.RECTIFICATION_SOURCE,
                _("Complaint"),
                on_step=services.rectification_step_recorded,
            )
        )
        calendar_changes.register(services.calendar_changed)
