from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    name = "standards"
    verbose_name = _("Service standards")

    def ready(self):
        # The ground's plug-in points: this app's export specs, reminder kinds and the kinds of
        # finding its rectifications are raised for.
        from branchservice.exports.registry import register
        from branchservice.notifications.registry import register_kinds
        from branchservice.rectifications.sources import SourceKind, register_source

        from . import reminders
        from .exports import SPECS
        from .services import RECTIFICATION_SOURCES

        for spec in SPECS:
            register(spec)
        register_kinds(reminders.Kind, reminders.HEADLINES)
        for value, label in RECTIFICATION_SOURCES.items():
            # A hired firm's inspector follows up the findings of the visits firms make.
            register_source(SourceKind(value, label, shown_to_firms=value == "inspection"))
