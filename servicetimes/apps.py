from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceTimesConfig(AppConfig):
    name = "servicetimes"
    verbose_name = _("Teller time limits and waiting")

    def ready(self):
        # The ground's plug-in points: this app's export spec.
        from branchservice.exports.registry import register

        from .exports import SPECS

        for spec in SPECS:
            register(spec)
