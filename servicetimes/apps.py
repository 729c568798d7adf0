from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceTimesConfig(AppConfig):
    name = "servicetimes"
    verbose_name = _("Teller time limits and waiting")

    def ready(self):
        # The ground's plug-in points: this app's export spec and the kind of finding its
        # rectifications are raised for.
        from branchservice.exports.registry import register
        from branchservice.rectifications.sources import SourceKind, register_source

        from .exports import SPECS
        from .services import RECTIFICATION_SOURCE

        for spec in SPECS:
            register(spec)
        register_source(SourceKind(RECTIFICATION_SOURCE, _("Time-limit finding")))
